"""The outbox: an outgoing request is queued in the same transaction as the outcome causing it.

Delivery is sandbox/outgoing's work; a domain write only queues (design rule 4). A row's
`url` is NULL for a webhook, which goes to the tenant's URL for its kind at send time (a
URL changed after the fact applies to what is still pending), and holds the target of a
coupon request (the variant's coupon API).
"""

import hashlib
import secrets

from ..store import dumps

KINDS = ("reward_webhook", "nudge_webhook", "coupon_request")
# The tenant column that holds each webhook kind's URL.
URL_COLUMNS = {"reward_webhook": "reward_webhook_url", "nudge_webhook": "nudge_webhook_url"}


def new_delivery_id() -> str:
    """Return a fresh delivery id: the partner's dedupe key, kept across every attempt."""
    return "dlv_" + secrets.token_hex(10)


def derived_delivery_id(kind: str, cause_id: str) -> str:
    """Return the delivery id of the one request of `kind` a reward or a nudge sends: the same
    cause, replayed from a snapshot, is delivered under the same id."""
    return "dlv_" + hashlib.sha256(f"{kind}\x1f{cause_id}".encode()).hexdigest()[:20]


def queue(
    conn,
    tenant_id: str,
    kind: str,
    payload: dict,
    now: str,
    user_id: str | None = None,
    reward_id: str | None = None,
    url: str | None = None,
    delivery_id: str | None = None,
) -> str:
    """Queue an outgoing request on `conn` (the caller's transaction); return its delivery id.

    It is due at once (next_at NULL); the delivery loop sends it within moments.
    """
    delivery_id = delivery_id or new_delivery_id()
    conn.execute(
        "INSERT INTO outbox (tenant_id, kind, url, payload, status, created_at, delivery_id, "
        "user_id, reward_id, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)",
        (tenant_id, kind, url, dumps(payload), now, delivery_id, user_id, reward_id, now),
    )
    return delivery_id
