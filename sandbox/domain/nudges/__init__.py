"""Nudges: queued per user in the store (queue.py), streamed over SSE (api/nudges.py),
acknowledged by the SDK; each nudge's life in life.py."""

import secrets

from ...store import CoreWrite, Store, loads, marks
from ...streams import Hub
from ...streams.watch import Watcher
from . import life, queue


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
        lambda conn: queue.insert_in(conn, payload["nudgeId"], tenant_id, user_id, payload, now)
    )


def find(store: Store, tenant_id: str, user_id: str, nudge_id: str) -> dict | None:
    """Return what a nudge sent to the user says (title, body, image, clickAction...), or None.

    A nudge of any channel has its content in its log; the SDK's test nudge only its frame.
    """
    logged = life.released(store, tenant_id, user_id, nudge_id)
    if logged is not None:
        return {**loads(logged["content"], {}), "nudgeId": nudge_id, "state": logged["state"]}
    return queue.payload_of(store, tenant_id, user_id, nudge_id)


def acknowledge(tenant_id: str, user_id: str, nudge_id: str, now: str) -> CoreWrite:
    """Return the write that marks a nudge acknowledged (the first time only)."""

    def run(conn):
        acked = queue.acknowledge_in(conn, tenant_id, user_id, nudge_id, now)
        if acked:
            marks.mark(conn, marks.DOMAIN_TABLE, tenant_id, "nudge:acked", now, nudge_id)
        life.acknowledged(conn, tenant_id, user_id, nudge_id, now)

    return CoreWrite(run)


def watcher(hub: Hub, store: Store, interval: float = 0.1) -> Watcher:
    """Return the poller that wakes a user's /sse streams when a nudge for them commits."""
    return Watcher(
        hub, lambda after: queue.since(store, after), lambda: queue.latest_id(store), interval
    )


def streamed(rows: list[dict], at: str) -> CoreWrite:
    """Return the write that records a stream sending these frames (queue.pending's rows)."""

    def run(conn):
        queue.streamed_in(conn, [r["id"] for r in rows], at)
        life.streamed(conn, [r["nudge_id"] for r in rows], at)

    return CoreWrite(run)
