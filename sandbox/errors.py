"""One JSON error shape per surface, produced here and nowhere else.

Emulated API (what the SDKs parse): {"success": false, "message", "reason", "hint", ...}.
Sandbox admin surface (/_sandbox): {"error", "message", "reason", "hint", ...}.
The request path (http/errors.py) turns every failure into one of these.
"""

import click
from werkzeug.http import HTTP_STATUS_CODES

ADMIN_PREFIX = "/_sandbox"


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
    path: str,
    status: int,
    message: str,
    reason: str,
    hint: str | None = None,
    **extra,
) -> dict:
    """Return the error body of the surface that `path` belongs to."""
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


class DataDirError(click.ClickException):
    """The data dir cannot be used: one line naming the path, the cause and the fix."""

    exit_code = 2
