"""Page tokens: short-lived signed tokens in the URLs the sandbox hands out (pages, nudge links).

A URL leaks (history, logs, a shared screenshot) where a header does not, so a link never
carries a writeKey or the user's own token; the API refuses a page token (auth/page.py
reads it). Minted here, where the nudges that carry links are made.
"""

from ..hs256 import jwt

PAGE = "page"
PAGE_TOKEN_SECONDS = 3600
# A nudge link is clicked when the nudge is seen: it lives as long as the nudge does.
NUDGE_LINK_SECONDS = 7 * 86400


def page_token(
    tenant_id: str, jwt_secret: str, user_id: str, now: float, seconds: float = PAGE_TOKEN_SECONDS
) -> str:
    """Return a page token for one user of one tenant, valid `seconds` from `now`."""
    iat = int(now)
    claims = {"userId": user_id, "client": tenant_id, "typ": PAGE, "iat": iat}
    claims["exp"] = iat + max(60, int(seconds))
    return jwt.encode(claims, jwt_secret, algorithm="HS256")
