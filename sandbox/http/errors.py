"""Every failure as the surface's JSON error shape: Flask's handlers, and route suggestions.

Unknown paths and wrong methods get suggestions instead of an HTML page; nothing reaches
the caller as a 500 without a JSON body.
"""

import difflib
import logging

from flask import Flask, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.http import HTTP_STATUS_CODES

from ..errors import ApiError
from ..store.health import FailureLog
from .path import error_answer

log = logging.getLogger(__name__)
# One traceback per kind, then a count a minute: a failure on every request stays one line.
failures = FailureLog(log)


def unexpected() -> ApiError:
    """Return the error answered for a bug of ours (the traceback goes to the log)."""
    return ApiError(
        500,
        "The sandbox failed to handle this request (a sandbox bug; "
        "the traceback is in the server log).",
        "internal_error",
    )


def _rule_methods(app: Flask, rule) -> list[str]:
    return sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))


def _shape(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _rule_score(rule_path: str, path: str) -> float:
    """Score how close a route pattern is to a requested path (0..1)."""
    want, have = _shape(rule_path), _shape(path)
    # A converter segment (<campaignId>) matches any one segment exactly.
    if len(want) == len(have):
        filled = [h if w.startswith("<") else w for w, h in zip(want, have, strict=True)]
        return difflib.SequenceMatcher(None, "/".join(filled), "/".join(have)).ratio()
    return difflib.SequenceMatcher(None, rule_path, path).ratio() * 0.9


def suggest_routes(app: Flask, path: str, method: str, limit: int = 3) -> list[str]:
    """Return the closest known routes to `path` as "METHOD /pattern" strings."""
    scored = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        score = _rule_score(rule.rule, path)
        for m in _rule_methods(app, rule):
            bonus = 0.05 if m == method else 0.0
            scored.append((score + bonus, f"{m} {rule.rule}"))
    scored.sort(key=lambda s: -s[0])
    seen, out = set(), []
    for score, label in scored:
        if score < 0.5 or label in seen:
            continue
        seen.add(label)
        out.append(label)
        if len(out) == limit:
            break
    return out


def _answer(exc: ApiError):
    return error_answer(current_app.extensions["sandbox.runtime"], g.get("call"), exc, request.path)


def init_app(app: Flask) -> None:
    """Register the app-level handlers that turn every error into the JSON shape."""

    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        return _answer(exc)

    @app.errorhandler(NotFound)
    def handle_not_found(exc):
        suggestions = suggest_routes(app, request.path, request.method)
        message = f"No route {request.method} {request.path}"
        if suggestions:
            message += f"; did you mean {' or '.join(suggestions)}?"
        hint = "Check the path against the routes listed in `suggestions`."
        return _answer(ApiError(404, message, "unknown_route", hint, suggestions=suggestions))

    @app.errorhandler(MethodNotAllowed)
    def handle_method_not_allowed(exc: MethodNotAllowed):
        allowed = sorted(m for m in (exc.valid_methods or []) if m not in ("HEAD", "OPTIONS"))
        message = f"{request.method} is not allowed on {request.path}; use {' or '.join(allowed)}"
        return _answer(
            ApiError(
                405,
                message,
                "method_not_allowed",
                f"Send this request as {' or '.join(allowed)}.",
                headers={"Allow": ", ".join(allowed)},
                allowed=allowed,
            )
        )

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        status = exc.code or 500
        reason = HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_")
        description = exc.description or HTTP_STATUS_CODES.get(status, "")
        return _answer(ApiError(status, description, reason))

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        # A bug of ours, not the caller's: keep the traceback in the log and still
        # answer in the surface's JSON shape.
        failures.failed(f"unhandled error on {request.method} {request.endpoint}", exc)
        return _answer(unexpected())
