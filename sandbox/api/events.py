"""Event and telemetry ingest: events host /server/v4, stream host /v4/sdk, diagnostics /sdk/v4,
and the crash/log report PUT /api/v1/report."""

import re

from flask import Blueprint, current_app, request

from .. import auth
from ..auth.bearer import check_event_user
from ..auth.writekey import HEADER
from ..domain import events
from ..http import path as pipeline
from .common import clock, ok, parse_json, store, write_key_auth

bp = Blueprint("events", __name__)


def _header_safe(text: str) -> str:
    return re.sub(r"[^\x20-\x7e]", "?", text)[:500]


def _ingest(source: str):
    tenant, chain = auth.require_write_key(
        store(), (HEADER,), None, None, current_app.config["ADMIN_TOKEN"]
    )
    body = parse_json()
    event_user = body.get("user_id") if isinstance(body, dict) else None
    # Appends to the checks require_write_key recorded.
    check_event_user(chain, tenant, event_user, request.headers)
    problems = events.problems_of(body, source)
    uid = events.new_uid()
    headers = {}
    if problems:
        # Answered 200 as the real service does (it validates later), but flagged loudly.
        for problem in problems:
            pipeline.flag("invalid", problem)
        headers["X-Sandbox-Event-Valid"] = "false"
        headers["X-Sandbox-Event-Problems"] = _header_safe("; ".join(problems))
    if isinstance(body, dict):
        entry = pipeline.entry()
        pipeline.note(**events.journal_fields(body))
        row = events.row_for(
            tenant["id"], body, source, problems, entry["request_id"], clock().isoformat(), uid
        )
        pipeline.defer(events.store_event(row))
    return events.receipt(uid), 200, headers


@bp.post("/server/v4")
def server_event():
    """Ingest one server/app event (x-api-key); 200 with ShardId/SequenceNumber."""
    return _ingest("server")


@bp.post("/v4/sdk")
def sdk_analytics():
    """Ingest one SDK analytics event (stream host); same answer as /server/v4."""
    return _ingest("sdk")


@bp.post("/sdk/v4")
def diagnostics():
    """Accept an SDK diagnostics record; it is journaled."""
    write_key_auth((HEADER,))
    parse_json()
    return ok()


@bp.put("/api/v1/report")
def crash_report():
    """Accept an SDK crash/log report; it is journaled."""
    write_key_auth((HEADER,))
    parse_json()
    return ok()
