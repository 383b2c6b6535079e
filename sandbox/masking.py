"""Masking of secrets for display: the one function every view of stored data goes through."""

import hashlib
import json

# Header names whose values are credentials: shown masked wherever they leave the store.
SECRET_HEADERS = {"x-api-key", "authorization", "x-glu-auth", "cookie", "x-sandbox-admin-token"}
SECRET_BODY_KEYS = {"writeKey", "writekey", "write_key", "token", "password", "secret"}


def fingerprint(secret: str) -> str:
    """Return a short, stable fingerprint of a secret (first 8 hex of its SHA-256)."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:8]


def mask(secret) -> str | None:
    """Return a secret as prefix, length and fingerprint; never the whole value."""
    if secret is None:
        return None
    secret = str(secret)
    if not secret:
        return "(empty)"
    shown = secret[:4] if len(secret) >= 12 else secret[:1]
    return f"{shown}… ({len(secret)} chars, sha256:{fingerprint(secret)})"


def mask_header(name: str, value: str) -> str:
    """Mask a header value if it carries a credential (keeping the scheme word)."""
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, sep, rest = value.partition(" ")
    if sep and scheme.lower() in ("bearer", "basic", "token"):
        return f"{scheme} {mask(rest)}"
    return mask(value)


def mask_headers(headers: dict) -> dict:
    """Return headers with credential values masked."""
    return {k: mask_header(k, v) for k, v in (headers or {}).items()}


def mask_json_body(text: str) -> str:
    """Mask secret-looking keys of a JSON object body; leave other bodies as they are."""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if not isinstance(data, dict) or not SECRET_BODY_KEYS & set(data):
        return text
    masked = {
        k: (mask(v) if k in SECRET_BODY_KEYS and isinstance(v, str) else v) for k, v in data.items()
    }
    return json.dumps(masked, ensure_ascii=False)
