"""Who is asking on the admin surface: the admin, or a tenant's viewer; by header, query or cookie.

A viewer token (`tenants viewer-token <ref>`, domain/viewer_tokens.py) opens what the admin
token opens for one tenant's traffic only, changes no setting, expires and can be revoked.
The inspector trades a token in its URL for an HttpOnly, SameSite=Strict cookie holding a
session id (domain/sessions.py), only on a navigation the user made (not another site's
link: login CSRF); a request authenticated by that cookie that changes state must carry
the page's CSRF token (a browser sends cookies cross-site, never a header).
"""

import hashlib
import hmac
from dataclasses import dataclass

from . import token_file

COOKIE = "cglu_inspector"
CSRF_HEADER = "X-CSRF-Token"
VIEWER_PREFIX = "vwr_"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Principal:
    """The admin (tenant_id None) or the viewer of one tenant; `token` is what was presented."""

    token: str
    tenant_id: str | None = None

    @property
    def viewer(self) -> bool:
        """True for a tenant viewer."""
        return self.tenant_id is not None


def _mac(admin_token: str, text: str) -> str:
    return hmac.new(admin_token.encode(), text.encode(), hashlib.sha256).hexdigest()[:32]


def principal_of(
    admin_token: str, headers, args, cookies, session_token=None, viewer=None
) -> tuple[Principal | None, bool, str]:
    """Return (who, whether by cookie, what was presented) for a request.

    The cookie holds a session id; `session_token(id)` returns the token its session holds.
    `viewer(token)` returns the tenant of a live viewer token, or raises why it is not one
    (domain/viewer_tokens.py).
    """
    given = token_file.presented(headers, args)
    by_cookie = False
    if not given and cookies.get(COOKIE) and session_token is not None:
        given, by_cookie = session_token(cookies[COOKIE]) or "", True
        if not given:
            return None, True, cookies[COOKIE]
    if not given:
        return None, False, ""
    if token_file.matches(admin_token, given):
        return Principal(given), by_cookie, given
    if given.startswith(VIEWER_PREFIX) and viewer is not None:
        return Principal(given, viewer(given)), by_cookie, given
    return None, by_cookie, given


def csrf_token(admin_token: str, principal: Principal) -> str:
    """Return the CSRF token the inspector page sends with its state-changing requests."""
    return _mac(admin_token, "csrf:" + principal.token)


def csrf_ok(admin_token: str, principal: Principal, sent: str | None) -> bool:
    """Return True if a cookie-authenticated request carries the page's CSRF token."""
    return bool(sent) and hmac.compare_digest(
        csrf_token(admin_token, principal).encode(), sent.encode()
    )
