"""The inspector's page on the admin surface, and the session its URL's token is traded for
(an HttpOnly cookie; a confirmation page against login CSRF)."""

import time
from urllib.parse import urlsplit

from flask import Response, current_app, g, make_response, redirect, render_template, request

from ...config import VERSION
from ...domain import sessions, tenants, viewer_tokens
from ...errors import ApiError
from ...http.current import runtime
from ...openapi.declare import NONE, declare, declare_admin
from .. import OPEN_ENDPOINTS, access, bp, viewer_allowed, viewer_of


@bp.get("/inspector")
@viewer_allowed
@declare_admin(
    "The live inspector (HTML): a ?token= is traded for a cookie and dropped from the URL",
    None,
    errors=(401,),
    ok_type="text/html",
)
def inspector_page():
    """Serve the inspector; an open with ?token= starts a session and reloads without it.

    Only on a navigation the user made (typed, pasted, the banner's link): a link on
    another site gets a page that asks first, so no site can log a browser in as a viewer
    of its choosing (login CSRF).
    """
    principal = g.principal
    if request.args.get("token"):
        if request.headers.get("Sec-Fetch-Site") not in ("none", "same-origin"):
            return _confirm_page(principal)
        return _start_session(principal)
    admin_token = current_app.config["ADMIN_TOKEN"]
    tenant = tenants.by_id(runtime().store, principal.tenant_id) if principal.viewer else None
    html = render_template(
        "inspector/inspector.html",
        csrf=access.csrf_token(admin_token, principal),
        viewer=tenant["name"] if tenant else None,
        test_mode=current_app.config["TEST_MODE"],
        version=VERSION,
    )
    # The page and its script only: no frame, no outside script, no referrer with tokens.
    return _guarded(html, "default-src 'self'; base-uri 'none'")


def _guarded(html: str, policy: str) -> Response:
    """Return an HTML page that no other site may frame, and that leaks no referrer."""
    response = make_response(html)
    response.headers["Content-Security-Policy"] = (
        f"{policy}; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _start_session(principal) -> Response:
    """Answer a redirect to the inspector that sets the session cookie (never the token)."""
    session_id, write = sessions.create(principal.token, time.time())
    runtime().store.write(write)
    response = redirect("/_sandbox/inspector", code=303)
    response.set_cookie(
        access.COOKIE,
        session_id,
        max_age=sessions.SESSION_SECONDS,
        httponly=True,
        samesite="Strict",
        path="/_sandbox",
        secure=request.is_secure,
    )
    return response


def _confirm_page(principal) -> Response:
    tenant = tenants.by_id(runtime().store, principal.tenant_id) if principal.viewer else None
    html = render_template(
        "inspector/confirm.html", viewer=tenant["name"] if tenant else None, token=principal.token
    )
    return _guarded(html, "default-src 'none'; style-src 'unsafe-inline'")


@bp.post("/inspector/session")
@declare(
    "Start an inspector session from the confirmation page (the form's token; same origin only)",
    "admin",
    NONE,
    None,
    errors=(401, 403),
    ok_type="text/html",
    expect=(401, 403),
)
def inspector_login():
    """Trade the confirmed token for the session cookie; only a form of this sandbox's own."""
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site")
    if site not in (None, "same-origin") or (origin and urlsplit(origin).netloc != request.host):
        raise ApiError(
            403,
            "The inspector's session starts only from its own confirmation page",
            "cross_site_login",
            "Open /_sandbox/inspector?token=<token> yourself (paste it in the address bar).",
        )
    admin_token = current_app.config["ADMIN_TOKEN"]
    try:
        principal, _by_cookie, given = access.principal_of(
            admin_token, request.headers, request.form, {}, viewer=viewer_of
        )
    except viewer_tokens.ViewerTokenError as exc:
        raise ApiError(401, str(exc), exc.reason) from exc
    if principal is None:
        raise ApiError(
            401,
            "The token does not match the admin token or a viewer's",
            "admin_token_invalid" if given else "admin_token_missing",
            "Open the inspector with the URL the start-up banner prints.",
        )
    return _start_session(principal)


OPEN_ENDPOINTS.add("admin.inspector_login")
