"""A tenant's requests since a point in time, oldest first, as a client's behaviour is graded
from them (onboarding/client_kit.py): what was sent, what came back, when."""

import time

from ..store import Store, loads
from ..store.shards import SLOT_BITS

MAX_ROWS = 5000  # a run of the client kit is a few dozen requests; a flood is cut here


def watermark(epoch: float | None = None) -> int:
    """Return the journal id below every entry written after `epoch` (default: now)."""
    return int((epoch if epoch is not None else time.time()) * 1_000_000) << SLOT_BITS


def since(store: Store, tenant_id: str, after_id: int, limit: int = MAX_ROWS) -> list[dict]:
    """Return the tenant's entries with ids above `after_id`, oldest first (at most `limit`)."""
    rows = store.journal_all(
        "SELECT id, ts, ts_epoch, method, path, status, latency_ms, event_id, user_id, event_name, "
        "flags, "
        "response_headers, body, headers FROM journal WHERE tenant_id = ? AND id > ? "
        "ORDER BY id LIMIT ?",
        (tenant_id, after_id, limit),
    )
    for row in rows:
        row["flags"] = loads(row["flags"], []) or []
        row["response_headers"] = loads(row["response_headers"], {}) or {}
        row["headers"] = loads(row["headers"], {}) or {}
        body = row["body"]
        row["body"] = body.encode() if isinstance(body, str) else (body or b"")
    return rows
