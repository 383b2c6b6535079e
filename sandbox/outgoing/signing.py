"""Signing a delivery: X-CG-SIGNATURE (hex HMAC-SHA1 of the exact body) and Standard Webhooks.

The body is compact JSON in UTF-8 (no spaces, non-ASCII as is): what the docs' verifiers
recompute (spec section 9), and the bytes signed are the bytes sent.
"""

import base64
import hashlib
import hmac
import json

SIGNATURE_HEADER = "X-CG-SIGNATURE"


def body_bytes(payload) -> bytes:
    """Return the exact bytes sent for a payload: compact JSON, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def cg_signature(secret: str, body: bytes) -> str:
    """Return X-CG-SIGNATURE: hex HMAC-SHA1 of the body with the tenant's webhook secret."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def standard_secret(secret: str) -> str:
    """Return the tenant's secret as Standard Webhooks writes it (whsec_ + base64 of the key)."""
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def standard_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict:
    """Return webhook-id, webhook-timestamp and webhook-signature (v1, HMAC-SHA256, base64)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
