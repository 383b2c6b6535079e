"""Coupon requests: where the code is in the partner's answer (a JSON path, e.g. data.code)."""

import json

from ..domain.rewards import wallet
from ..numbers import whole
from ..store import Store


def path_of(store: Store, row: dict) -> str:
    """Return the JSON path of the code for a coupon request (its variant's, else "code")."""
    return wallet.coupon_path(store, row["tenant_id"], row["reward_id"]) or "code"


def code_of(body: bytes, path: str) -> tuple[str | None, str | None]:
    """Return (the code at `path` in a JSON body, None) or (None, why there is none)."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None, "the 2xx answer is not JSON, so it has no code"
    for key in path.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and (index := whole(key, len(value) - 1)) is not None:
            value = value[index]
        else:
            return None, f"the 2xx answer has no code at {path!r}"
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()[:200], None
    return None, f"the value at {path!r} is not a code: {json.dumps(value)[:80]}"
