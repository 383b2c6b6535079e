"""Nudges: queued per user in the store, streamed over SSE, acknowledged by the SDK."""

import json
import secrets
import time

from ..store import CoreWrite, Store, dumps, loads

KEEPALIVE_SECONDS = 15
POLL_SECONDS = 0.25


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


def acknowledge(tenant_id: str, user_id: str, nudge_id: str, now: str) -> CoreWrite:
    """Return the write that marks a nudge acknowledged (the first time only)."""
    return CoreWrite(
        lambda conn: conn.execute(
            "UPDATE nudges SET acked_at = COALESCE(acked_at, ?) WHERE tenant_id = ? AND "
            "user_id = ? AND nudge_id = ?",
            (now, tenant_id, user_id, nudge_id),
        )
    )


def pending(store: Store, tenant_id: str, user_id: str, after_id: int) -> list[dict]:
    """Return the user's nudges queued after `after_id` and not yet acknowledged."""
    return store.all(
        "SELECT id, payload FROM nudges WHERE tenant_id = ? AND user_id = ? AND "
        "id > ? AND acked_at IS NULL ORDER BY id",
        (tenant_id, user_id, after_id),
    )


def frame(row: dict) -> str:
    """Return one SSE frame: `id:` for resumption, `data:` as the SDK parses it."""
    return f"id: {row['id']}\ndata: {json.dumps({'data': loads(row['payload'])})}\n\n"


def stream(store: Store, tenant_id: str, user_id: str, last_id: int, max_seconds: float, now_iso):
    """Yield SSE frames for the user until `max_seconds` pass (the SDK then reconnects)."""
    # The stream's lifetime is measured on the real monotonic clock: it bounds a
    # server thread, whatever the virtual clock says.
    started = last_beat = time.monotonic()
    yield ": connected to the CustomerGlu sandbox\n\n"
    while time.monotonic() - started < max_seconds:
        rows = pending(store, tenant_id, user_id, last_id)
        if rows:
            delivered = [r["id"] for r in rows]
            # A stream outlives its request: its deliveries commit on their own.
            store.write(
                CoreWrite(
                    lambda conn, ids=delivered: conn.executemany(
                        "UPDATE nudges SET delivered_at = COALESCE(delivered_at, ?) WHERE id = ?",
                        [(now_iso(), i) for i in ids],
                    )
                )
            )
            for row in rows:
                last_id = row["id"]
                yield frame(row)
        elif time.monotonic() - last_beat >= KEEPALIVE_SECONDS:
            last_beat = time.monotonic()
            yield ": keep-alive\n\n"
        time.sleep(POLL_SECONDS)
