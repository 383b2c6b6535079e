"""Event and telemetry ingest: events host /server/v4, stream host /v4/sdk, diagnostics /sdk/v4,
and the crash/log report PUT /api/v1/report."""

from flask import Blueprint

from ..auth.bearer import check_event_user
from ..auth.writekey import HEADER
from ..domain import events
from ..domain.nudges import triggers
from ..domain.rewards import rules
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
    problems = events.problems_of(body, source)
    uid = events.new_uid()
    headers = {}
    if problems:
        # Answered 200 as the real service does (it validates later), but flagged loudly.
        for problem in problems:
            c.flag("invalid", problem)
        headers["X-Sandbox-Event-Valid"] = "false"
        headers["X-Sandbox-Event-Problems"] = header_safe("; ".join(problems))[:500]
    if isinstance(body, dict):
        c.note(**events.journal_fields(body))
        received = c.rt.clock.isoformat()
        row = events.row_for(
            tenant["id"], body, source, problems, c.entry["request_id"], received, uid
        )
        c.write(events.store_event(row))
        _rules(c, tenant, body, uid, received, headers)
    return events.receipt(uid), 200, headers


def _rules(c: Call, tenant: dict, body: dict, uid: str, now: str, headers: dict) -> None:
    """Grant plays of the sheet campaigns the event meets (saying per campaign why or why not),
    and make the nudges the event and those grants trigger."""
    user_id = body.get("user_id")
    granted = []
    campaigns = rules.sheet_campaigns(c.rt.store, tenant["id"])
    if campaigns:
        in_segment = rules.segment_test(c.rt.store, tenant["id"], user_id)
        verdicts = rules.evaluate(
            campaigns, body.get("event_name"), body.get("event_properties"), now, in_segment
        )
        for v in verdicts:
            if v["granted"] and isinstance(user_id, str) and user_id:
                c.write(
                    rules.grant(
                        tenant["id"], v["campaignId"], user_id, uid, now, c.entry["request_id"]
                    )
                )
                granted.append(v["campaignId"])
        # Explained like a 401: the answer says it, and the journal keeps the answer's headers.
        headers["X-Sandbox-Rewards"] = header_safe(rules.header(verdicts))[:2000]
    made = triggers.event_nudges(
        c.rt.store,
        tenant["id"],
        user_id,
        body.get("event_name"),
        body.get("event_properties"),
        granted,
        c.entry["request_id"],
        c.rt.clock.time(),
        now,
    )
    if made is not None:
        c.write(made)


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
