"""A nudge's life: made by its cause (in the cause's transaction), released when due, delivered
on each channel, acknowledged, or expired or failed; each state with its time.

Channels: `inapp` (the frame of spec section 8 queued for the user's /sse stream, delivered
when a stream sends it), `webhook` (the nudge webhook of spec section 9 through the outgoing
engine), `push` (the FCM/APNs payload of section 8, recorded as what would have been sent).
"""

import hashlib
import secrets

from ...store import CoreWrite, Store, dumps, loads
from .. import outbox, segments
from ..rewards import conditions
from . import payloads, queue

# The overall state, from the channels': one delivered is delivered; all failed is failed.
QUEUED, DELIVERED, ACKED, EXPIRED, FAILED = (
    "queued",
    "delivered",
    "acknowledged",
    "expired",
    "failed",
)
STATES = (QUEUED, DELIVERED, ACKED, EXPIRED, FAILED)


def new_id(*cause) -> str:
    """Return a nudge id: fresh, or one that follows from what caused the nudge (its tenant,
    user, definition, trigger, cause and due time), so a replay from a snapshot repeats it."""
    if not cause or None in cause:
        return "ndg_" + secrets.token_hex(8)
    return "ndg_" + hashlib.sha256("\x1f".join(map(str, cause)).encode()).hexdigest()[:16]


def matching(definitions: list[dict], trigger: str, **what) -> list[dict]:
    """Return the definitions a trigger meets: its kind, event name, condition and campaign."""
    out = []
    for d in definitions:
        if d["trigger"] != trigger:
            continue
        if trigger == "event":
            if d["trigger_event"] != what.get("event_name"):
                continue
            props = what.get("props") if isinstance(what.get("props"), dict) else {}
            if not conditions.evaluate(d["clauses"], props)[0]:
                continue
        elif d["campaign_id"] and d["campaign_id"] != what.get("campaign_id"):
            continue
        out.append(d)
    return out


def audience_holds(conn, tenant_id: str, user_id: str, d: dict) -> bool:
    """Return True if the user is in the definition's audience."""
    if d["audience"] == "users":
        return user_id in {u.strip() for u in (d["audience_value"] or "").split(";")}
    if d["audience"] == "segment":
        return segments.contains_in(conn, tenant_id, d["audience_value"], user_id)
    return True


def create(conn, tenant_id, user_id, d, trigger, cause, now, now_iso, due_at=None) -> str | None:
    """Make a nudge on `conn` (the cause's transaction) and release it if it is due now.

    `d` is a definition (or an ad-hoc one from the test-mode send); returns the nudge id,
    or None when the user is outside the audience.
    """
    if not audience_holds(conn, tenant_id, user_id, d):
        return None
    due = due_at if due_at is not None else now + (d.get("delay_seconds") or 0.0)
    nudge_id = new_id(tenant_id, user_id, d.get("definition_id"), trigger, cause, due)
    expiry = d.get("expiry_seconds")
    content = {**d["content"], "campaignId": d.get("campaign_id") or ""}
    conn.execute(
        "INSERT INTO nudge_log (nudge_id, tenant_id, user_id, definition_id, trigger, cause, "
        "content, channels, state, channel_states, created_at, due_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?)",
        (
            nudge_id,
            tenant_id,
            user_id,
            d.get("definition_id"),
            trigger,
            cause,
            dumps(content),
            ";".join(d["channels"]),
            QUEUED,
            now_iso,
            due,
            due + expiry if expiry else None,
        ),
    )
    if due <= now:
        _release(conn, nudge_id, now, now_iso)
    return nudge_id


def _release(conn, nudge_id: str, now: float, now_iso: str) -> None:
    cur = conn.execute("SELECT * FROM nudge_log WHERE nudge_id = ?", (nudge_id,))
    row = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
    if row["expires_at"] is not None and now > row["expires_at"]:
        conn.execute(
            "UPDATE nudge_log SET state = ?, expired_at = ? WHERE nudge_id = ?",
            (EXPIRED, now_iso, nudge_id),
        )
        return
    c = loads(row["content"], {})
    tenant_id, user_id = row["tenant_id"], row["user_id"]
    click = payloads.click(conn, tenant_id, user_id, nudge_id, c, now, row["expires_at"])
    states, push, delivery_id = {}, None, None
    channels = row["channels"].split(";")
    if "inapp" in channels:
        queue.insert_in(
            conn, nudge_id, tenant_id, user_id, payloads.sse(nudge_id, c, click), now_iso
        )
        states["inapp"] = QUEUED
    if "push" in channels:
        push = dumps(payloads.push(nudge_id, c, click))
        states["push"] = DELIVERED  # recorded as what FCM/APNs would have been sent
    if "webhook" in channels:
        body = payloads.webhook(tenant_id, user_id, c, click, row["expires_at"])
        delivery_id = outbox.queue(
            conn,
            tenant_id,
            "nudge_webhook",
            body,
            now_iso,
            user_id,
            delivery_id=outbox.derived_delivery_id("nudge_webhook", nudge_id),
        )
        states["webhook"] = QUEUED
    state = DELIVERED if DELIVERED in states.values() else QUEUED
    conn.execute(
        "UPDATE nudge_log SET state = ?, channel_states = ?, released_at = ?, push = ?, "
        "delivery_id = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? END WHERE nudge_id = ?",
        (state, dumps(states), now_iso, push, delivery_id, state, now_iso, nudge_id),
    )


def _channel(conn, where: str, params: tuple, channel: str, outcome: str, at: str) -> None:
    """Set one channel's outcome on the nudges `where` selects, and the overall state."""
    cur = conn.execute(
        f"SELECT nudge_id, channel_states, state FROM nudge_log WHERE {where}", params
    )
    for nudge_id, raw, state in cur.fetchall():
        states = loads(raw, {}) or {}
        states[channel] = outcome
        if state in (ACKED, EXPIRED):
            new = state
        elif DELIVERED in states.values():
            new = DELIVERED
        elif states and all(s == FAILED for s in states.values()):
            new = FAILED
        else:
            new = state
        conn.execute(
            "UPDATE nudge_log SET channel_states = ?, state = ?, "
            "delivered_at = CASE WHEN ? = 'delivered' THEN coalesce(delivered_at, ?) "
            "ELSE delivered_at END, failed_at = CASE WHEN ? = 'failed' THEN ? ELSE failed_at END "
            "WHERE nudge_id = ?",
            (dumps(states), new, new, at, new, at, nudge_id),
        )


def streamed(conn, nudge_ids: list[str], at: str) -> None:
    """Record that an /sse stream sent these nudges' frames."""
    for nudge_id in nudge_ids:
        _channel(conn, "nudge_id = ?", (nudge_id,), "inapp", DELIVERED, at)


def acknowledged(conn, tenant_id: str, user_id: str, nudge_id: str, at: str) -> None:
    """Record the SDK's acknowledgement (POST /ack-nudge)."""
    conn.execute(
        "UPDATE nudge_log SET state = ?, acked_at = coalesce(acked_at, ?) WHERE nudge_id = ? "
        "AND tenant_id = ? AND user_id = ? AND state != ?",
        (ACKED, at, nudge_id, tenant_id, user_id, EXPIRED),
    )


def webhook_outcome(conn, delivery_id: str, status: str, at: str) -> None:
    """Record a nudge webhook's outcome (the outgoing engine calls it)."""
    outcome = {"delivered": DELIVERED, "failed": FAILED, "disabled": FAILED}.get(status)
    if outcome:
        _channel(conn, "delivery_id = ?", (delivery_id,), "webhook", outcome, at)


def release_due(now: float, now_iso: str) -> CoreWrite:
    """Return the write that releases every nudge due by `now` (delayed ones); its count."""

    def run(conn):
        # What was released but not delivered before its expiry is never delivered.
        conn.execute(
            "UPDATE nudge_log SET state = ?, expired_at = ? WHERE state = ? AND expires_at "
            "IS NOT NULL AND expires_at < ? AND released_at IS NOT NULL",
            (EXPIRED, now_iso, QUEUED, now),
        )
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT nudge_id FROM nudge_log WHERE state = ? AND released_at IS NULL AND "
                "due_at <= ? ORDER BY due_at LIMIT 1000",
                (QUEUED, now),
            ).fetchall()
        ]
        for nudge_id in ids:
            _release(conn, nudge_id, now, now_iso)
        return len(ids)

    return CoreWrite(run)


def next_due(store: Store) -> float | None:
    """Return when the next delayed nudge is due, or a queued one expires (sandbox clock)."""
    row = store.one(
        "SELECT min(CASE WHEN released_at IS NULL THEN due_at ELSE expires_at END) AS at "
        "FROM nudge_log WHERE state = ? AND (released_at IS NULL OR expires_at IS NOT NULL)",
        (QUEUED,),
    )
    return row["at"] if row else None


def view(r: dict) -> dict:
    """Return a nudge as the admin API shows it: content, channels, state and each time."""
    return {
        "nudgeId": r["nudge_id"],
        "tenantId": r["tenant_id"],
        "userId": r["user_id"],
        "definitionId": r["definition_id"],
        "trigger": r["trigger"],
        "cause": r["cause"],
        "state": r["state"],
        "channels": loads(r["channel_states"], {}) or {c: QUEUED for c in r["channels"].split(";")},
        "content": loads(r["content"], {}),
        "createdAt": r["created_at"],
        "dueAt": r["due_at"],
        "expiresAt": r["expires_at"],
        "releasedAt": r["released_at"],
        "deliveredAt": r["delivered_at"],
        "acknowledgedAt": r["acked_at"],
        "expiredAt": r["expired_at"],
        "failedAt": r["failed_at"],
        "push": loads(r["push"], None),
        "deliveryId": r["delivery_id"],
    }


# The newest nudges a search tests one by one for a filter no index leads with (a state;
# a user without a tenant): past them it stops, however many nudges there are.
SEARCH_WINDOW = 20_000


def search(store: Store, tenant_id: str | None, user_id: str | None, state: str | None, limit: int):
    """Return nudges newest first, filtered by tenant, user and state (m023's indexes lead:
    tenant and user, tenant, or the time; other filters within the newest SEARCH_WINDOW)."""
    lead, params = [], []
    if tenant_id:
        lead.append("tenant_id = ?")
        params.append(tenant_id)
        if user_id:
            lead.append("user_id = ?")
            params.append(user_id)
    rest, values = [], []
    for col, value in (("user_id", None if tenant_id else user_id), ("state", state)):
        if value:
            rest.append(f"{col} = ?")
            values.append(value)
    led = " WHERE " + " AND ".join(lead) if lead else ""
    newest = " ORDER BY created_at DESC, rowid DESC LIMIT ?"
    if not rest:
        return store.all(f"SELECT * FROM nudge_log{led}{newest}", (*params, limit))
    window = f"SELECT rowid AS seq, * FROM nudge_log{led}{newest}"  # seq: the rowid, kept
    sql = f"SELECT * FROM ({window}) WHERE {' AND '.join(rest)} "
    rows = store.all(
        sql + "ORDER BY created_at DESC, seq DESC LIMIT ?",
        (*params, SEARCH_WINDOW, *values, limit),
    )
    for row in rows:
        del row["seq"]
    return rows


def released(store: Store, tenant_id: str, user_id: str, nudge_id: str) -> dict | None:
    """Return a released nudge of the user's (its content and state as stored), or None."""
    return store.one(
        "SELECT content, state FROM nudge_log WHERE tenant_id = ? AND user_id = ? AND "
        "nudge_id = ? AND released_at IS NOT NULL",
        (tenant_id, user_id, nudge_id),
    )


def get(store: Store, nudge_id: str) -> dict | None:
    """Return one nudge as stored, or None."""
    return store.one("SELECT * FROM nudge_log WHERE nudge_id = ?", (nudge_id,))


def create_write(tenant_id: str, user_id: str, d: dict, now: float, now_iso: str) -> CoreWrite:
    """Return the write that creates a nudge sent by hand (its id is the write's result)."""
    return CoreWrite(lambda conn: create(conn, tenant_id, user_id, d, "manual", None, now, now_iso))
