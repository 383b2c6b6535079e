"""The user JWT: issued at registration (HS256, tenant secret, 365 days), read without trust."""

import base64
import binascii
import json

import jwt
from jwt.algorithms import HMACAlgorithm
from jwt.utils import base64url_decode

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


def unverified_claims(token: str) -> dict | None:
    """Return a token's claims without checking anything, or None if unreadable."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    return claims if isinstance(claims, dict) else None


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
