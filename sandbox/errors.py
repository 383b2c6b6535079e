"""One JSON error shape per surface, produced here and nowhere else.

Emulated API (what the SDKs parse): {"success": false, "message", "reason", "hint", ...}.
Sandbox admin surface (/_sandbox): {"error", "message", "reason", "hint", ...}.
Unknown paths and wrong methods get suggestions instead of an HTML page; nothing
reaches the caller as a 500 without a JSON body.
"""

import difflib
import logging

from flask import Flask, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.http import HTTP_STATUS_CODES

ADMIN_PREFIX = "/_sandbox"
log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered to the caller with a status, a stable reason code and a hint."""

    def __init__(
        self,
        status: int,
        message: str,
        reason: str,
        hint: str | None = None,
        headers: dict | None = None,
        **extra,
    ):
        super().__init__(message)
        self.status, self.message, self.reason, self.hint = status, message, reason, hint
        self.headers = headers or {}
        self.extra = extra


def error_body(
    status: int,
    message: str,
    reason: str,
    hint: str | None = None,
    path: str | None = None,
    **extra,
) -> dict:
    """Return the error body of the surface that `path` belongs to."""
    path = request.path if path is None else path
    if path.startswith(ADMIN_PREFIX):
        body = {"error": HTTP_STATUS_CODES.get(status, "Error"), "message": message}
    else:
        # `success` must be a JSON boolean and `message` a string: the iOS and
        # Android models decode failures from exactly these two keys.
        body = {"success": False, "message": message}
        if path.startswith("/integrations/"):
            # The test-integration screens read {success, error: {message}} instead.
            body["error"] = {"message": message}
    body["reason"] = reason
    if hint:
        body["hint"] = hint
    body.update(extra)
    return body


def error_response(
    status: int,
    message: str,
    reason: str,
    hint: str | None = None,
    headers: dict | None = None,
    **extra,
):
    """Return a Flask response tuple for an error on the current request's surface."""
    return error_body(status, message, reason, hint, **extra), status, headers or {}


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


def init_app(app: Flask) -> None:
    """Register the app-level handlers that turn every error into the JSON shape."""

    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        return error_response(
            exc.status, exc.message, exc.reason, exc.hint, exc.headers, **exc.extra
        )

    @app.errorhandler(NotFound)
    def handle_not_found(exc):
        suggestions = suggest_routes(app, request.path, request.method)
        message = f"No route {request.method} {request.path}"
        if suggestions:
            message += f"; did you mean {' or '.join(suggestions)}?"
        return error_response(
            404,
            message,
            "unknown_route",
            "Check the path against the routes listed in `suggestions`.",
            suggestions=suggestions,
        )

    @app.errorhandler(MethodNotAllowed)
    def handle_method_not_allowed(exc: MethodNotAllowed):
        allowed = sorted(m for m in (exc.valid_methods or []) if m not in ("HEAD", "OPTIONS"))
        message = f"{request.method} is not allowed on {request.path}; use {' or '.join(allowed)}"
        return error_response(
            405,
            message,
            "method_not_allowed",
            f"Send this request as {' or '.join(allowed)}.",
            headers={"Allow": ", ".join(allowed)},
            allowed=allowed,
        )

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        status = exc.code or 500
        reason = HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_")
        return error_response(status, exc.description or HTTP_STATUS_CODES.get(status, ""), reason)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        # A bug of ours, not the caller's: keep the traceback in the log and still
        # answer in the surface's JSON shape.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(
            500,
            "The sandbox failed to handle this request (a sandbox bug; "
            "the traceback is in the server log).",
            "internal_error",
        )
