"""Event and telemetry ingest: events host /server/v4, stream host /v4/sdk, diagnostics /sdk/v4,
and the crash/log report PUT /api/v1/report."""

from flask import Blueprint

from ..auth.bearer import check_event_user
from ..auth.writekey import HEADER
from ..domain import events
from ..domain.ingest import event as ingest_event
from ..http.path import Call, header_safe
from ..openapi.declare import KEY, declare
from .common import call, ok, parse_json, write_key_auth

bp = Blueprint("events", __name__)
# What the Postman request of each ingest route sends ({{$guid}}: a fresh id each run).
EXAMPLE_EVENT = {
    "event_id": "{{$guid}}",
    "event_name": "completePurchase",
    "user_id": "postman-user",
    "timestamp": "2026-11-27T10:00:00+0530",
    "event_properties": {"amount": 500},
}
# Every route here reads any JSON (or none), as the real service does.
EVENT_BODY = {"body": "Event", "body_required": False, "example": EXAMPLE_EVENT}


def ingest(c: Call, source: str):
    """Ingest one event on any door: checks, flags, the stored row; answer the receipt."""
    tenant = write_key_auth(c, (HEADER,))
    body = parse_json(c)
    event_user = body.get("user_id") if isinstance(body, dict) else None
    check_event_user(c.chain, tenant, event_user, c.sent.headers)
    clock = c.rt.clock
    out = ingest_event(
        c.rt.store, tenant, body, source, c.entry["request_id"], clock.time(), clock.isoformat()
    )
    # The stored row's uid, said before the commit so the journal entry holds it as sent (a
    # repeat's answer names the first copy instead: the commit says so, record.py).
    headers = {"X-Sandbox-Event-Uid": out.uid} if isinstance(body, dict) else {}
    if out.problems:
        # Answered 200 as the real service does (it validates later), but flagged loudly.
        for problem in out.problems:
            c.flag("invalid", problem)
        headers["X-Sandbox-Event-Valid"] = "false"
        headers["X-Sandbox-Event-Problems"] = header_safe("; ".join(out.problems))[:500]
    if out.rewards is not None:
        # Explained like a 401: the answer says it, and the journal keeps the answer's headers.
        headers["X-Sandbox-Rewards"] = header_safe(out.rewards)[:2000]
    c.note(**out.notes)
    for write in out.writes:
        c.write(write)
    return events.receipt(out.uid), 200, headers


# The routes the ingest door answers beneath Flask (http/door.py), with their endpoints.
DOOR_ROUTES = {
    "/server/v4": ("events.server_event", lambda c: ingest(c, "server")),
    "/v4/sdk": ("events.sdk_analytics", lambda c: ingest(c, "sdk")),
}


@bp.post("/server/v4")
@declare(
    "Ingest one event (200 even for schema breaks, which are flagged)",
    "events",
    KEY,
    "KinesisAck",
    **EVENT_BODY,
)
def server_event():
    """Ingest one server/app event (x-api-key); 200 with ShardId/SequenceNumber."""
    return ingest(call(), "server")


@bp.post("/v4/sdk")
@declare(
    "Ingest one SDK analytics event",
    "events",
    KEY,
    "KinesisAck",
    **EVENT_BODY,
)
def sdk_analytics():
    """Ingest one SDK analytics event (stream host); same answer as /server/v4."""
    return ingest(call(), "sdk")


@bp.post("/sdk/v4")
@declare(
    "Accept an SDK diagnostics record",
    "events",
    KEY,
    "Success",
    **EVENT_BODY,
)
def diagnostics():
    """Accept an SDK diagnostics record; it is journaled."""
    c = call()
    write_key_auth(c, (HEADER,))
    parse_json(c)
    return ok()


@bp.put("/api/v1/report")
@declare(
    "Accept an SDK crash/log report",
    "events",
    KEY,
    "Success",
    **EVENT_BODY,
)
def crash_report():
    """Accept an SDK crash/log report; it is journaled."""
    c = call()
    write_key_auth(c, (HEADER,))
    parse_json(c)
    return ok()
