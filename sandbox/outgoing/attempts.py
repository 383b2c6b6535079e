"""The attempts table: an attempt is kept before it is sent, and completed with its answer.

A process killed mid-send (kill -9, a crash) leaves its attempt in flight; the next claim
of the delivery marks it interrupted, and the resend carries the next attempt number
(X-CG-Attempt), so a receiver that got both copies can tell them apart and so can the record.
"""

from ..domain import tenants
from ..domain.nudges import life
from ..domain.rewards import outcomes
from ..store import CachedWrite, CoreWrite, Store, marks
from . import outbox_rows

IN_FLIGHT = "in_flight"
INTERRUPTED = "interrupted"
INTERRUPTED_ERROR = (
    "no answer was recorded: the sandbox stopped while this attempt was in flight "
    "(kill -9, a crash); the delivery was sent again with the next attempt number"
)


def of_delivery(store: Store, delivery_id: str) -> list[dict]:
    """Return a delivery's attempts, first to last, as stored."""
    return store.all("SELECT * FROM attempts WHERE delivery_id = ? ORDER BY id", (delivery_id,))


def start(row: dict, attempt: dict) -> CoreWrite:
    """Return the write that keeps an attempt as in flight and counts it; result: its row id.

    An earlier attempt of the delivery still in flight was cut off by a crash: it is
    marked interrupted now.
    """

    def run(conn):
        conn.execute(
            "UPDATE attempts SET error_class = ?, error = ?, decision = ? "
            "WHERE delivery_id = ? AND error_class = ?",
            (INTERRUPTED, INTERRUPTED_ERROR, "interrupted", row["delivery_id"], IN_FLIGHT),
        )
        shown = {**attempt, "error_class": IN_FLIGHT, "decision": "in flight"}
        cols = ", ".join(shown)
        cur = conn.execute(
            f"INSERT INTO attempts ({cols}) VALUES ({', '.join('?' * len(shown))})",
            tuple(shown.values()),
        )
        outbox_rows.count_attempt(conn, row["id"], attempt["n"])
        return cur.lastrowid

    return CoreWrite(run)


def finish(attempt_id: int, row: dict, attempt: dict, status: str, next_at, out, code):
    """Return the write of an attempt's answer: its row, the delivery's state, what it completes."""
    end_of_day = 1 if attempt["trigger"] == "end_of_day" else row["end_of_day"]
    kind = row["kind"]

    def run(conn):
        sets = ", ".join(f"{c} = ?" for c in attempt)
        conn.execute(f"UPDATE attempts SET {sets} WHERE id = ?", (*attempt.values(), attempt_id))
        outbox_rows.settle(
            conn,
            row["id"],
            {
                "status": status,
                "attempts": attempt["n"],
                "next_at": next_at,
                "last_status": out.status,
                "last_error": out.summary if not out.ok else None,
                "decision": attempt["decision"],
                "updated_at": attempt["at"],
                "end_of_day": end_of_day,
            },
        )
        # The tenant's first and last answered and failed delivery of this kind (the
        # onboarding checklist reads these, not the attempts).
        key = f"delivered:{kind}" if out.ok else f"failed:{kind}"
        detail = None if out.ok else out.summary
        marks.mark(
            conn,
            marks.DOMAIN_TABLE,
            row["tenant_id"],
            key,
            attempt["at"],
            row["delivery_id"],
            detail,
        )
        if kind == "coupon_request" and status == "failed" and row["reward_id"]:
            outcomes.coupon_failed(conn, row["tenant_id"], row["reward_id"])
        if code is not None and row["reward_id"]:
            # Exactly once: only a pending reward takes a code and queues its webhook.
            outcomes.complete(conn, row["tenant_id"], row["reward_id"], code, attempt["at"])
        if status == "disabled":
            _disable(conn, row["tenant_id"], kind, attempt)
        if kind == "nudge_webhook":  # the nudge's own record follows its webhook
            life.webhook_outcome(conn, row["delivery_id"], status, attempt["at"])
        return None

    # Disabling changes the tenant (its settings): the cached tenants must go.
    return CachedWrite(run) if status == "disabled" else CoreWrite(run)


def _disable(conn, tenant_id: str, kind: str, attempt: dict) -> None:
    stored = tenants.stored_delivery(conn, tenant_id)
    disabled = stored.get("disabled") or {}
    disabled[kind] = {"at": attempt["at"], "deliveryId": attempt["delivery_id"]}
    stored["disabled"] = disabled
    tenants.update(conn, tenant_id, delivery=stored)
