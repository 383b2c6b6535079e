"""Deliveries as the admin API, the partner's failed-list and the CLI show them."""

from ..domain import outbox
from ..masking import mask_url
from ..store import Store, loads
from . import delivery_settings, schedule

STATUSES = ("queued", "retrying", "delivered", "failed", "disabled", "held")
FILTERS = {"tenant": "tenant_id", "status": "status", "kind": "kind", "user": "user_id"}


def delivery(row: dict) -> dict:
    """Return one delivery's summary (its payload parsed)."""
    return {
        "deliveryId": row["delivery_id"],
        "tenantId": row["tenant_id"],
        "kind": row["kind"],
        "status": row["status"],
        "userId": row["user_id"],
        "rewardId": row["reward_id"],
        "url": mask_url(row["url"]),
        "attempts": row["attempts"],
        "lastStatus": row["last_status"],
        "lastError": row["last_error"],
        "decision": row["decision"],
        "endOfDayRetried": bool(row["end_of_day"]),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "payload": loads(row["payload"], {}),
    }


def attempt(a: dict) -> dict:
    """Return one attempt as stored: request, response, error class, decision, next time."""
    return {
        "n": a["n"],
        "trigger": a["trigger"],
        "at": a["at"],
        "durationMs": a["duration_ms"],
        "url": mask_url(a["url"]),
        "request": {"headers": loads(a["request_headers"], {}), "body": a["request_body"]},
        "response": {
            "status": a["response_status"],
            "headers": loads(a["response_headers"], {}),
            "body": a["response_body"],
        },
        "errorClass": a["error_class"],
        "error": a["error"],
        "decision": a["decision"],
        "nextAttemptAt": a["next_at"],
    }


def search(store: Store, where: dict, limit: int, offset: int = 0) -> tuple[list[dict], int]:
    """Return (deliveries matching column filters, newest first; their total)."""
    clauses = " AND ".join(f"{col} = ?" for col in where) or "1"
    params = list(where.values())
    total = store.one(f"SELECT count(*) AS n FROM outbox WHERE {clauses}", params)["n"]
    rows = store.all(
        f"SELECT * FROM outbox WHERE {clauses} ORDER BY id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [delivery(r) for r in rows], total


def get(store: Store, delivery_id: str) -> dict | None:
    """Return one delivery with every attempt and the schedule it follows, or None."""
    row = store.one("SELECT * FROM outbox WHERE delivery_id = ?", (delivery_id,))
    if row is None:
        return None
    tried = store.all("SELECT * FROM attempts WHERE delivery_id = ? ORDER BY id", (delivery_id,))
    tenant = store.one("SELECT * FROM tenants WHERE id = ?", (row["tenant_id"],)) or {}
    column = outbox.URL_COLUMNS.get(row["kind"])
    # A delivery without its own URL goes to the tenant's current one: say which, and whence.
    target = row["url"] or (tenant.get(column) if column else None)
    return {
        **delivery(row),
        "url": mask_url(target),
        "urlFrom": "delivery" if row["url"] else ("tenant" if target else None),
        "schedule": schedule.describe(delivery_settings.of(tenant)),
        "attemptList": [attempt(a) for a in tried],
    }


def row(store: Store, delivery_id: str) -> dict | None:
    """Return a delivery's raw outbox row (for a manual resend)."""
    return store.one("SELECT * FROM outbox WHERE delivery_id = ?", (delivery_id,))


def failed_page(store: Store, tenant_id: str, page: int, limit: int) -> dict:
    """Return one page of a tenant's dead letters with their payloads (the partner's view)."""
    found, total = search(
        store, {"tenant_id": tenant_id, "status": "failed"}, limit, (page - 1) * limit
    )
    keys = (
        "deliveryId",
        "kind",
        "userId",
        "rewardId",
        "attempts",
        "lastError",
        "createdAt",
        "payload",
    )
    return {
        "deliveries": [{k: d[k] for k in keys} for d in found],
        "page": page,
        "limit": limit,
        "total": total,
    }


def failed_ids(store: Store, tenant_id: str | None = None, limit: int = 10_000) -> list[str]:
    """Return the ids of the dead letters (of one tenant), oldest first."""
    where, params = (
        ("status = 'failed' AND tenant_id = ?", (tenant_id,))
        if tenant_id
        else ("status = 'failed'", ())
    )
    rows = store.all(
        f"SELECT delivery_id FROM outbox WHERE {where} ORDER BY id LIMIT ?", (*params, limit)
    )
    return [r["delivery_id"] for r in rows]


def dead_letters(store: Store, tenant_id: str, limit: int = 100) -> list[dict]:
    """Return a tenant's dead letters, newest first, as the readiness report lists them."""
    return store.all(
        "SELECT delivery_id, kind, user_id, reward_id, attempts, last_error, created_at FROM "
        "outbox WHERE tenant_id = ? AND status = 'failed' ORDER BY id DESC LIMIT ?",
        (tenant_id, limit),
    )
