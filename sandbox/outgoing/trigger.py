"""`trigger`: a realistic reward or nudge webhook for a user, queued without playing a game."""

import secrets

from ..domain import outbox
from ..domain.rewards import outcomes
from ..store import CoreWrite

KINDS = ("reward", "nudge")


def payload(tenant: dict, kind: str, user_id: str) -> dict:
    """Return a webhook body as a real win or nudge would send it (spec section 9)."""
    if kind == "reward":
        return {
            "campaignId": "sandbox-trigger",
            "type": "scratchcard",
            "userId": user_id,
            "rewardId": "rwd_trig_" + secrets.token_hex(6),
            "rewardType": "coins",
            "status": outcomes.REDEEMABLE,
            "transactionId": outcomes.new_transaction_id(),
            "rewardName": "200 Coins",
            "rewardAmount": 200,
            "rewardExpiry": -1,
            "code": "",
            "details": {"triggeredBy": "sandbox"},
        }
    return {
        "client": tenant["id"],
        "campaignId": "sandbox-trigger",
        "userId": user_id,
        "notificationType": "push",
        "pageType": "full-default",
        "content": {
            "button": {"text": "Play now", "action": "OPEN_WALLET"},
            "title": "You have a reward waiting",
            "body": "Open the app to claim it.",
            "clickAction": "",
            "image": "",
        },
        "timeRemaning": "",
        "expiry": "",
        "webhookType": "nudge",
    }


def fire(tenant: dict, kind: str, user_id: str, now: str) -> CoreWrite:
    """Return the write queueing the delivery; its result is the delivery id."""
    body = payload(tenant, kind, user_id)
    kind_of = "reward_webhook" if kind == "reward" else "nudge_webhook"
    return CoreWrite(
        lambda conn: outbox.queue(
            conn, tenant["id"], kind_of, body, now, user_id, body.get("rewardId")
        )
    )
