"""The outbox: an outgoing request is queued in the same transaction as the outcome causing it.

Delivery is sandbox/outgoing's work; a domain write only queues (design rule 4). A row's
`url` is NULL for a webhook, which goes to the tenant's URL for its kind at send time (a
URL changed after the fact applies to what is still pending), and holds the target of a
coupon request (the variant's coupon API).
"""

import secrets

from ..store import dumps

KINDS = ("reward_webhook", "nudge_webhook", "coupon_request")
# The tenant column that holds each webhook kind's URL.
URL_COLUMNS = {"reward_webhook": "reward_webhook_url", "nudge_webhook": "nudge_webhook_url"}


def new_delivery_id() -> str:
    """Return a fresh delivery id: the partner's dedupe key, kept across every attempt."""
    return "dlv_" + secrets.token_hex(10)


def queue(
    conn,
    tenant_id: str,
    kind: str,
    payload: dict,
    now: str,
    user_id: str | None = None,
    reward_id: str | None = None,
    url: str | None = None,
) -> str:
    """Queue an outgoing request on `conn` (the caller's transaction); return its delivery id.

    It is due at once (next_at NULL); the delivery loop sends it within moments.
    """
    delivery_id = new_delivery_id()
    conn.execute(
        "INSERT INTO outbox (tenant_id, kind, url, payload, status, created_at, delivery_id, "
        "user_id, reward_id, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)",
        (tenant_id, kind, url, dumps(payload), now, delivery_id, user_id, reward_id, now),
    )
    return delivery_id
