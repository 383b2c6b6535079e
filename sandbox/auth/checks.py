"""Named auth checks and the explained failure they end in.

Every check records {name, result, expected, got}; the first failing check ends the
chain with a 401 that carries the whole list, a stable reason code and a hint. A chain
is a verdict over what was sent: the request path notes it in the journal entry.
"""

from ..errors import ApiError

REALM = 'Bearer realm="customerglu-sandbox"'


class AuthFailure(ApiError):
    """A failed credential check, answered as an explained 401 (or 403); carries its chain."""

    def __init__(self, chain: "Chain", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chain = chain


class Chain:
    """The ordered checks of one request's authentication, and their verdict."""

    __slots__ = ("kind", "checks", "reason", "tenant_id")

    def __init__(self, kind: str):
        self.kind = kind
        self.checks: list[dict] = []
        self.reason: str | None = None  # the failing check's reason code
        # The tenant the credentials evidently belong to, when a later check fails.
        self.tenant_id: str | None = None

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
        self.reason = reason
        headers = {}
        if self.kind == "bearer":
            # RFC 6750: say which scheme and why, in the header as well as the body: the
            # same words, quotes escaped as a quoted-string allows (RFC 9110 5.6.4).
            description = message.replace("\\", "\\\\").replace('"', '\\"')
            headers["WWW-Authenticate"] = (
                f'{REALM}, error="invalid_token", error_description="{description}"'
            )
        raise AuthFailure(
            self, status, f"Unauthorized: {message}", reason, hint, headers, checks=self.checks
        )

    def verdict(self) -> dict:
        """Return the journal fields of this chain: result, reason and every check."""
        result = "fail" if self.reason else "pass"
        return {"auth_result": result, "auth_reason": self.reason, "checks": self.checks}
