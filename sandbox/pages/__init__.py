"""The pages the SDK webviews open: games, programs, the wallet and nudge pages (HTML).

Jinja templates with their CSS and script inline, so a page is one response: no build
step, no CDN, nothing else journaled. Errors are pages too when a browser asks (a
webview shows them), with the same explanation the API's JSON carries.
"""

from flask import Blueprint, Flask, current_app, g, render_template, request

from ..errors import ApiError
from ..http.path import error_answer

bp = Blueprint("pages", __name__, template_folder="templates")


@bp.context_processor
def _geometry():
    from .wheel import label, wedge

    return {"wedge": wedge, "label": label}


def wants_html() -> bool:
    """Return True if the caller prefers HTML (a browser or webview) to JSON (a script)."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


@bp.errorhandler(ApiError)
def _page_error(exc: ApiError):
    body, status, headers = error_answer(
        current_app.extensions["sandbox.runtime"], g.get("call"), exc, request.path
    )
    if not wants_html():
        return body, status, headers
    html = render_template("pages/error.html", error=body, status=status)
    return html, status, {**headers, "Content-Type": "text/html; charset=utf-8"}


def init_app(app: Flask) -> None:
    """Register the pages' blueprint."""
    from . import game, views  # noqa: F401  (their routes join bp)

    app.register_blueprint(bp)
