"""Deliveries as the admin API, the partner's failed-list and the CLI show them."""

from ..domain import outbox, tenants
from ..masking import mask_url
from ..store import Store, loads
from . import attempts, delivery_settings, outbox_rows, schedule

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


def search(store: Store, where: dict, limit: int, offset: int = 0) -> tuple[list[dict], int, bool]:
    """Return (deliveries matching column filters, newest first; their total, counted up to
    10,000; whether there are more than that)."""
    rows, total, capped = outbox_rows.search(store, where, limit, offset)
    return [delivery(r) for r in rows], total, capped


def get(store: Store, delivery_id: str) -> dict | None:
    """Return one delivery with every attempt and the schedule it follows, or None."""
    row = outbox_rows.by_delivery_id(store, delivery_id)
    if row is None:
        return None
    tried = attempts.of_delivery(store, delivery_id)
    tenant = tenants.fresh(store, row["tenant_id"]) or {}
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


def failed_page(store: Store, tenant_id: str, page: int, limit: int) -> dict:
    """Return one page of a tenant's dead letters with their payloads (the partner's view)."""
    found, total, capped = search(
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
        "totalCapped": capped,
    }
