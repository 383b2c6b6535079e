"""A won reward's record and what it sends: its reward webhook, or first a coupon request.

A variant whose codes come from the partner's coupon API wins a `pending` reward and
queues the coupon request; the code that comes back completes the reward and queues its
reward webhook, once (complete() only moves a pending reward).
"""

import base64
import hashlib
import secrets
from datetime import datetime

from .. import outbox
from ..nudges import triggers

REDEEMABLE, PENDING = "redeemable-unseen", "pending"
# The coupon request is a dead letter: no code yet (the end-of-day retry may still bring one).
COUPON_FAILED = "coupon-failed"
_COLUMNS = (
    "reward_id, tenant_id, user_id, campaign_id, campaign_type, position, transaction_id, "
    "reward_type, name, amount, code, status, expiry, created_at"
)


def new_transaction_id(reward_id: str | None = None) -> str:
    """Return an idempotency key (base64url, as the real service's transactionId): a won
    reward's follows from its id, so a replay from a snapshot repeats it."""
    raw = hashlib.sha256(reward_id.encode()).digest() if reward_id else secrets.token_bytes(12)
    return base64.urlsafe_b64encode(raw[:12]).decode().rstrip("=")


def webhook_payload(r: dict) -> dict:
    """Return the reward webhook body (spec section 9) of a reward row."""
    return {
        "campaignId": r["campaign_id"],
        "type": r["campaign_type"],
        "userId": r["user_id"],
        "rewardId": r["reward_id"],
        "rewardType": r["reward_type"],
        "status": REDEEMABLE,
        "transactionId": r["transaction_id"],
        "rewardName": r["name"],
        "rewardAmount": int(r["amount"]) if r["amount"] is not None else 0,
        "rewardExpiry": r["expiry"],
        "code": r["code"] or "",
        "details": {},
    }


def coupon_request(r: dict, variant: str) -> dict:
    """Return the body of a coupon request: who won what; transactionId is the idempotency key."""
    return {
        "userId": r["user_id"],
        "campaignId": r["campaign_id"],
        "variant": variant,
        "rewardId": r["reward_id"],
        "transactionId": r["transaction_id"],
        "rewardType": r["reward_type"],
        "rewardName": r["name"],
    }


def record(conn, r: dict, variant: dict, now: str, won_at: float | None = None) -> None:
    """Insert a won reward and queue what it sends, in the play's transaction: its webhook
    (or first its coupon request), and the nudges of a reward won or about to expire."""
    api = variant.get("coupon_api")
    r = {**r, "status": PENDING if api else REDEEMABLE}
    conn.execute(
        f"INSERT INTO rewards ({_COLUMNS}) VALUES ({', '.join('?' * 14)})",
        tuple(r[c.strip()] for c in _COLUMNS.split(",")),
    )
    if api:
        outbox.queue(
            conn,
            r["tenant_id"],
            "coupon_request",
            coupon_request(r, variant["name"]),
            now,
            r["user_id"],
            r["reward_id"],
            url=api,
            delivery_id=outbox.derived_delivery_id("coupon_request", r["reward_id"]),
        )
    else:
        outbox.queue(
            conn,
            r["tenant_id"],
            "reward_webhook",
            webhook_payload(r),
            now,
            r["user_id"],
            r["reward_id"],
            delivery_id=outbox.derived_delivery_id("reward_webhook", r["reward_id"]),
        )
    if won_at is not None:
        # A coupon still on its way has no code to see yet: its "reward won" nudge waits for
        # the code (complete()); the expiry reminders are scheduled now.
        triggers.reward_nudges(conn, r, won_at, now, won=not api)


def coupon_failed(conn, tenant_id: str, reward_id: str) -> None:
    """Mark a pending reward whose coupon request became a dead letter (the wallet says so)."""
    conn.execute(
        "UPDATE rewards SET status = ? WHERE reward_id = ? AND tenant_id = ? AND status = ?",
        (COUPON_FAILED, reward_id, tenant_id, PENDING),
    )


def complete(conn, tenant_id: str, reward_id: str, code: str, now: str) -> bool:
    """Give a pending reward its code and queue its webhook; False if it was not pending.

    A late success after a retry finds the reward completed already: nothing is queued twice.
    """
    cur = conn.execute(
        "UPDATE rewards SET code = ?, status = ? WHERE reward_id = ? AND tenant_id = ? "
        "AND status IN (?, ?)",
        (code, REDEEMABLE, reward_id, tenant_id, PENDING, COUPON_FAILED),
    )
    if cur.rowcount != 1:
        return False
    cur = conn.execute(f"SELECT {_COLUMNS} FROM rewards WHERE reward_id = ?", (reward_id,))
    row = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
    outbox.queue(
        conn,
        tenant_id,
        "reward_webhook",
        webhook_payload(row),
        now,
        row["user_id"],
        reward_id,
        delivery_id=outbox.derived_delivery_id("reward_webhook", reward_id),
    )
    issued = datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp()
    triggers.reward_nudges(conn, row, issued, now, won=True, expiring=False)
    return True
