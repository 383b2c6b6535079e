"""Nudges: queued per user in the store, streamed over SSE, acknowledged by the SDK."""

import json
import secrets
import time

from ...store import CoreWrite, Store, dumps, loads, marks
from ...streams import Hub, Stream
from ...streams.watch import Watcher
from . import life


def test_nudge(nudge_id: str, click_action: str) -> dict:
    """Return the SSE payload of the "test integration" nudge (heights as strings)."""
    return {
        "nudgeId": nudge_id,
        "clickAction": click_action,
        "notificationType": "in-app",
        "pageType": "middle-popup",
        "absoluteHeight": "0",
        "relativeHeight": "70",
        "campaignId": "",
        "opacity": "0.5",
        "title": "Sandbox test nudge",
        "body": "Your app receives nudges from the CustomerGlu sandbox.",
    }


def new_nudge_id() -> str:
    """Return a fresh nudge id."""
    return "ndg_" + secrets.token_hex(8)


def enqueue(tenant_id: str, user_id: str, payload: dict, now: str):
    """Return the write that queues a nudge for the user's SSE stream."""
    return CoreWrite(
        lambda conn: conn.execute(
            "INSERT INTO nudges (nudge_id, tenant_id, user_id, payload, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (payload["nudgeId"], tenant_id, user_id, dumps(payload), now),
        )
    )


def exists(store: Store, tenant_id: str, user_id: str, nudge_id: str) -> bool:
    """Return True if the nudge was sent to the user."""
    row = store.one(
        "SELECT 1 AS x FROM nudges WHERE tenant_id = ? AND user_id = ? AND nudge_id = ?",
        (tenant_id, user_id, nudge_id),
    )
    return row is not None


def find(store: Store, tenant_id: str, user_id: str, nudge_id: str) -> dict | None:
    """Return what a nudge sent to the user says (title, body, image, clickAction...), or None.

    A nudge of any channel has its content in its log; the SDK's test nudge only its frame.
    """
    logged = store.one(
        "SELECT content, state FROM nudge_log WHERE tenant_id = ? AND user_id = ? AND "
        "nudge_id = ? AND released_at IS NOT NULL",
        (tenant_id, user_id, nudge_id),
    )
    if logged is not None:
        return {**loads(logged["content"], {}), "nudgeId": nudge_id, "state": logged["state"]}
    row = store.one(
        "SELECT payload FROM nudges WHERE tenant_id = ? AND user_id = ? AND nudge_id = ?",
        (tenant_id, user_id, nudge_id),
    )
    return loads(row["payload"], None) if row else None


def acknowledge(tenant_id: str, user_id: str, nudge_id: str, now: str) -> CoreWrite:
    """Return the write that marks a nudge acknowledged (the first time only)."""

    def run(conn):
        acked = conn.execute(
            "UPDATE nudges SET acked_at = COALESCE(acked_at, ?) WHERE tenant_id = ? AND "
            "user_id = ? AND nudge_id = ?",
            (now, tenant_id, user_id, nudge_id),
        ).rowcount
        if acked:
            marks.mark(conn, marks.DOMAIN_TABLE, tenant_id, "nudge:acked", now, nudge_id)
        life.acknowledged(conn, tenant_id, user_id, nudge_id, now)

    return CoreWrite(run)


def pending(
    store: Store, tenant_id: str, user_id: str, after_id: int, now: float | None = None
) -> list[dict]:
    """Return the user's nudges queued after `after_id`, not acknowledged, not expired at `now`."""
    return store.all(
        "SELECT n.id, n.nudge_id, n.payload FROM nudges n LEFT JOIN nudge_log l ON "
        "l.nudge_id = n.nudge_id WHERE n.tenant_id = ? AND n.user_id = ? AND n.id > ? AND "
        "n.acked_at IS NULL AND (l.expires_at IS NULL OR ? IS NULL OR l.expires_at > ?) "
        "ORDER BY n.id",
        (tenant_id, user_id, after_id, now, now),
    )


def latest_id(store: Store) -> int:
    """Return the newest nudge's row id (0 with none)."""
    row = store.one("SELECT max(id) AS id FROM nudges")
    return (row and row["id"]) or 0


def since(store: Store, after_id: int, limit: int = 1000) -> tuple[int, set]:
    """Return (newest row id seen, the (tenant, user) keys of nudges after `after_id`)."""
    rows = store.all(
        "SELECT id, tenant_id, user_id FROM nudges WHERE id > ? ORDER BY id LIMIT ?",
        (after_id, limit),
    )
    if not rows:
        return after_id, set()
    return rows[-1]["id"], {(r["tenant_id"], r["user_id"]) for r in rows}


def watcher(hub: Hub, store: Store, interval: float = 0.1) -> Watcher:
    """Return the poller that wakes a user's /sse streams when a nudge for them commits."""
    return Watcher(hub, lambda after: since(store, after), lambda: latest_id(store), interval)


def _streamed(rows: list[dict], at: str) -> CoreWrite:
    def run(conn):
        conn.executemany(
            "UPDATE nudges SET delivered_at = COALESCE(delivered_at, ?) WHERE id = ?",
            [(at, r["id"]) for r in rows],
        )
        life.streamed(conn, [r["nudge_id"] for r in rows], at)

    return CoreWrite(run)


def frame(row: dict) -> str:
    """Return one SSE frame: `id:` for resumption, `data:` as the SDK parses it."""
    return f"id: {row['id']}\ndata: {json.dumps({'data': loads(row['payload'])})}\n\n"


def stream(store: Store, sse: Stream, last_id: int, max_seconds: float, clock):
    """Yield SSE frames for the stream's user until `max_seconds` pass (the SDK reconnects).

    The stream waits on its own wake-up (streams/hub.py), not on a timer of its own:
    it reads the store when a nudge for its user commits, and sends a comment line
    every heartbeat so that proxies and the SDK see a live connection.
    """
    tenant_id, user_id = sse.key
    # The stream's lifetime is measured on the real monotonic clock: it bounds a
    # connection, whatever the virtual clock says.
    deadline = time.monotonic() + max_seconds
    try:
        yield ": connected to the CustomerGlu sandbox\n\n"
        while sse.live:
            rows = pending(store, tenant_id, user_id, last_id, clock.time())
            if rows:
                # A stream outlives its request: its deliveries commit on their own.
                store.write(_streamed(rows, clock.isoformat()))
                for row in rows:
                    last_id = row["id"]
                    yield frame(row)
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not sse.wait(min(sse.hub.heartbeat, left)) and time.monotonic() < deadline:
                yield ": keep-alive\n\n"
        if sse.closing:
            yield ": the sandbox is shutting down; reconnect\n\n"
    finally:
        sse.close()
