"""Named auth checks and the explained failure they end in.

Every check records {name, result, expected, got}; the first failing check ends
the chain with a 401 that carries the whole list, a stable reason code and a hint.
"""

from flask import request

from ..errors import ApiError
from ..http import path as pipeline

REALM = 'Bearer realm="customerglu-sandbox"'


def journal_url(request_id: str | None, environ: dict | None = None) -> str | None:
    """Return the admin URL of a journal entry, on the host the caller used."""
    if not request_id:
        return None
    # Read from the environ: werkzeug's url_root decodes and re-encodes the whole URL.
    environ = request.environ if environ is None else environ
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}/_sandbox/journal/{request_id}"


class AuthFailure(ApiError):
    """A failed credential check, answered as an explained 401 (or 403)."""


class Chain:
    """The ordered checks of one request's authentication.

    Results are noted in the request's journal entry: Flask's current one, or the
    `entry` given (the ingest fast path runs beneath Flask, with its WSGI `environ`).
    """

    def __init__(self, kind: str, entry: dict | None = None, environ: dict | None = None):
        self.kind = kind
        self.checks: list[dict] = []
        self.entry, self.environ = entry, environ

    def _entry(self) -> dict | None:
        return pipeline.entry() if self.entry is None else self.entry

    def _note(self, **fields) -> None:
        current = self._entry()
        if current is not None:
            current.update(fields)

    def passed(self, name: str, expected: str, got: str) -> None:
        """Record a passing check."""
        self.checks.append({"name": name, "result": "pass", "expected": expected, "got": got})

    def skipped(self, name: str, why: str) -> None:
        """Record a check that did not apply to this request."""
        self.checks.append({"name": name, "result": "skip", "expected": why, "got": None})

    def fail(
        self, name: str, reason: str, message: str, hint: str, expected: str, got, status: int = 401
    ):
        """Record a failing check and raise the explained failure."""
        self.checks.append({"name": name, "result": "fail", "expected": expected, "got": got})
        current = self._entry() or {}
        request_id = current.get("request_id")
        headers = {}
        if self.kind == "bearer":
            # RFC 6750: say which scheme and why, in the header as well as the body.
            description = message.replace('"', "'")
            headers["WWW-Authenticate"] = (
                f'{REALM}, error="invalid_token", error_description="{description}"'
            )
        self._note(auth_result="fail", auth_reason=reason, checks=self.checks)
        raise AuthFailure(
            status,
            f"Unauthorized: {message}",
            reason,
            hint,
            headers=headers,
            checks=self.checks,
            requestId=request_id,
            journal=journal_url(request_id, self.environ),
        )

    def outcome(self, **fields) -> dict:
        """Return the journal fields of a passed chain (with tenant, user...)."""
        return {"auth_result": "pass", "auth_reason": None, "checks": self.checks, **fields}

    def succeed(self, **fields) -> None:
        """Mark the chain as passed in the journal entry (tenant, user...)."""
        self._note(**self.outcome(**fields))
