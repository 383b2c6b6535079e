"""The user JWT: issued at registration (HS256, tenant secret, 365 days), read without trust."""

import base64
import binascii
import json

from ..domain.page_tokens import PAGE, PAGE_TOKEN_SECONDS, page_token
from ..hs256 import HMACAlgorithm, base64url_decode, jwt

__all__ = ["PAGE", "PAGE_TOKEN_SECONDS", "issue", "issue_page_token"]

TOKEN_LIFETIME = 31_536_000  # 365 days, as in every token the real service issues
ALGORITHM = "HS256"
_HS256 = HMACAlgorithm(HMACAlgorithm.SHA256)


def issue(tenant: dict, user: dict, now: float) -> str:
    """Return a signed token with the claims the SDKs decode (userId, exp, anonymousId...)."""
    iat = int(now)
    claims = {
        "userId": user["userId"],
        "gluId": user["gluId"],
        "client": tenant["id"],
        "deviceId": user.get("deviceId"),
        "deviceType": user.get("deviceType"),
        "isLoggedIn": not user.get("isAnonymous", False),
        "iat": iat,
        "exp": iat + TOKEN_LIFETIME,
    }
    if user.get("anonymousId"):
        claims["anonymousId"] = user["anonymousId"]
    return jwt.encode(claims, tenant["jwt_secret"], algorithm=ALGORITHM)


def issue_page_token(tenant: dict, user: dict, now: float) -> str:
    """Return a short-lived token for the URLs the sandbox hands out; the API refuses it."""
    return page_token(tenant["id"], tenant["jwt_secret"], user["userId"], now)


def looks_like_jwt(value: str) -> bool:
    """Return True if value has the shape header.payload.signature with a JSON header."""
    return split_header(value) is not None


def split_header(value: str) -> dict | None:
    """Return the decoded JOSE header of a JWT-shaped string, or None."""
    parts = value.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[0] + "=" * (-len(parts[0]) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, binascii.Error):
        return None
    return header if isinstance(header, dict) else None


def _segment_json(segment: str):
    """Return a base64url JSON segment decoded, or raise ValueError."""
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))


def unverified_claims(token: str) -> dict | None:
    """Return a token's claims without checking anything, or None if unreadable."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = _segment_json(parts[1])
    except (ValueError, binascii.Error, RecursionError):
        return None
    return claims if isinstance(claims, dict) else None


# An HS256 signature: 32 bytes, 43 base64url characters without padding.
SIGNATURE_CHARS = 43


def shape_problem(token: str) -> tuple[str, str] | None:
    """Return (the part that is wrong, what is wrong) of a bearer token, or None if JWT-shaped.

    Names what a careless client does: quotes, a second scheme word, a segment missing,
    a header or payload that is not base64url JSON, a signature cut short.
    """
    if token[:1] in "\"'`" and token[-1:] == token[:1] and len(token) > 1:
        return "quoting", f"the token is wrapped in {token[0]} quotes"
    if token.split(" ", 1)[0].lower() in ("bearer", "token", "basic"):
        return "scheme", f"the scheme word is sent twice ('Bearer {token.split(' ', 1)[0]} ...')"
    if any(c.isspace() for c in token):
        return "token", "the token has whitespace inside it"
    parts = token.split(".")
    if len(parts) != 3:
        return "token", f"{len(parts)} dot-separated segment(s), not 3 (header.payload.signature)"
    decoded = {}
    for part, segment in (("header", parts[0]), ("payload", parts[1])):
        try:
            decoded[part] = _segment_json(segment)
        except (ValueError, binascii.Error, RecursionError):
            return part, f"the {part} segment is not base64url-encoded JSON"
        if not isinstance(decoded[part], dict):
            return part, f"the {part} segment is JSON but not an object"
    if decoded["header"].get("alg") != ALGORITHM:
        return None  # the algorithm check says what is wrong with it
    try:
        signature = base64.b64decode(
            parts[2] + "=" * (-len(parts[2]) % 4), altchars=b"-_", validate=True
        )
    except (ValueError, binascii.Error):
        return "signature", "the signature segment is not base64url"
    if len(parts[2]) < SIGNATURE_CHARS or len(signature) < 32:
        return "signature", (
            f"the signature is cut short: {len(parts[2])} of {SIGNATURE_CHARS} characters"
        )
    return None


def signature_valid(token: str, secret: str) -> bool:
    """Return True if `token` is HS256-signed with `secret` (time claims are checked elsewhere).

    Uses PyJWT's HMAC algorithm object directly: the diagnosis tries candidate keys of
    any length (a writeKey, another client's secret), which jwt.decode would warn about.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return False
    try:
        signature = base64url_decode(parts[2].encode())
    except (ValueError, binascii.Error):
        return False
    key = _HS256.prepare_key(secret)
    return _HS256.verify(f"{parts[0]}.{parts[1]}".encode(), key, signature)


def sent_token(headers) -> str:
    """Return the bearer token a request carries (Authorization, else X-GLU-AUTH), or ""."""
    auth = headers.get("Authorization") or headers.get("X-GLU-AUTH") or ""
    return auth[7:].strip() if auth[:7].lower() == "bearer " else ""


def claims_signed_by(token: str, secret: str) -> dict | None:
    """Return a token's claims if it is HS256-signed with `secret`, else None."""
    if not token or not signature_valid(token, secret):
        return None
    return unverified_claims(token) or {}
