"""Coupon requests: where the code is in the partner's answer (a JSON path, e.g. data.code)."""

import json

from ..store import Store


def path_of(store: Store, row: dict) -> str:
    """Return the JSON path of the code for a coupon request (its variant's, else "code")."""
    found = store.one(
        "SELECT v.coupon_path AS path FROM rewards r JOIN reward_variants v ON "
        "v.tenant_id = r.tenant_id AND v.campaign_id = r.campaign_id AND v.position = r.position "
        "WHERE r.reward_id = ? AND r.tenant_id = ?",
        (row["reward_id"], row["tenant_id"]),
    )
    return (found or {}).get("path") or "code"


def code_of(body: bytes, path: str) -> tuple[str | None, str | None]:
    """Return (the code at `path` in a JSON body, None) or (None, why there is none)."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None, "the 2xx answer is not JSON, so it has no code"
    for key in path.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isascii() and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return None, f"the 2xx answer has no code at {path!r}"
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()[:200], None
    return None, f"the value at {path!r} is not a code: {json.dumps(value)[:80]}"
