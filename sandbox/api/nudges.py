"""Nudges (api host): GET /sse, POST /ack-nudge, and the nudge test of the SDK's test screen."""

import json
import time

from flask import Blueprint, Response, current_app, request

from ..auth import tokens
from ..auth.writekey import HEADER
from ..domain import campaigns, nudges, tenants
from ..domain.nudges import queue
from ..errors import ApiError
from ..http.streams import open_stream
from ..numbers import whole
from ..openapi.declare import BEARER, KEY, NONE, declare, param
from ..openapi.schema_kit import NEED
from .common import base_url, bearer_auth, call, json_body, ok, write_key_auth

bp = Blueprint("nudges", __name__)


@bp.get("/sse")
@declare(
    "Server-sent nudges for a user (closes after SANDBOX_SSE_MAX_SECONDS; 503 past the "
    "worker's SANDBOX_STREAMS_MAX)",
    "nudges",
    NONE,
    None,
    errors=(400, 404, 503),
    params=[
        param("userId", required=True, schema=NEED),
        param("clientId", required=True, schema=NEED),
    ],
    ok_type="text/event-stream",
)
def sse():
    """Stream the user's nudges as server-sent events (no auth, as in the real service)."""
    c = call()
    user_id = request.args.get("userId", "").strip()
    client_id = request.args.get("clientId", "").strip()
    missing = [k for k, v in (("userId", user_id), ("clientId", client_id)) if not v]
    if missing:
        raise ApiError(
            400,
            f"Missing query parameter(s): {', '.join(missing)}",
            "missing_fields",
            "Open /sse?userId=<userId>&clientId=<client>.",
            missing=missing,
        )
    if tenants.by_id(c.rt.store, client_id) is None:
        raise ApiError(
            404,
            f"No client {client_id!r}",
            "client_not_found",
            "clientId is user.client from the registration response.",
        )
    c.note(tenant_id=client_id, user_id=user_id)
    # The id the SDK saw last: a row id, below 2^63. Anything else starts from the beginning.
    last_id = whole(request.headers.get("Last-Event-ID", "0"), 2**63 - 1) or 0
    sse = open_stream(c.rt, "sse", (client_id, user_id))
    peer = request.environ.get("gunicorn.socket")  # watched for the client leaving
    sse.peer = peer.fileno() if peer is not None else None
    body = _stream(c.rt, sse, last_id, current_app.config["SSE_MAX_SECONDS"])
    return Response(
        body,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@bp.post("/ack-nudge")
@declare(
    "Acknowledge a nudge",
    "nudges",
    KEY,
    "NudgeAcked",
    errors=(401, 403, 404, 503),
    body="NudgeAck",
    example={"userId": "postman-user", "nudgeId": "ndg_0000000000000000"},
    expect=(404,),
)
def ack_nudge():
    """Acknowledge a nudge the SDK showed."""
    c = call()
    tenant = write_key_auth(c, (HEADER,))
    body = json_body(
        c,
        required=("userId", "nudgeId"),
        types={"userId": "string", "nudgeId": "string", "clientId": "string"},
    )
    client = body.get("clientId")
    if client and client != tenant["id"]:
        raise ApiError(
            403,
            "clientId differs from the writeKey's tenant",
            "client_mismatch",
            "Send the clientId from the registration response.",
            got=client,
        )
    user_id, nudge_id = str(body["userId"]), str(body["nudgeId"])
    c.note(user_id=user_id)
    if not queue.exists(c.rt.store, tenant["id"], user_id, nudge_id):
        raise ApiError(
            404,
            f"No nudge {body['nudgeId']!r} for user {body['userId']!r}",
            "nudge_not_found",
            "Acknowledge the nudgeId received over /sse.",
        )
    c.write(nudges.acknowledge(tenant["id"], user_id, nudge_id, c.rt.clock.isoformat()))
    return {"status": "success"}


@bp.post("/integrations/v1/nudge/sdk/test")
@declare(
    "Send a test nudge to the token's user over SSE",
    "nudges",
    BEARER,
    "NudgeTest",
    errors=(401, 403, 503),
    body="SegmentUser",
    example={"userId": "postman-user"},
)
def nudge_test():
    """Send a test nudge to the token's user over SSE (the SDK's test-integration screen)."""
    c = call()
    tenant, user, _claims = bearer_auth(c)
    body = json_body(c, required=("userId",), types={"userId": "string"})
    if str(body["userId"]) != user["userId"]:
        raise ApiError(
            403,
            f"userId {body['userId']!r} is not the token's user {user['userId']!r}",
            "user_mismatch",
            "Send the userId the token was issued for.",
        )
    nudge_id = nudges.new_nudge_id()
    token = tokens.issue_page_token(tenant, user, c.rt.clock.time())
    payload = nudges.test_nudge(nudge_id, campaigns.wallet_url(base_url(), token))
    c.write(nudges.enqueue(tenant["id"], user["userId"], payload, c.rt.clock.isoformat()))
    return ok(
        {
            "nudgeId": nudge_id,
            "channel": "sse",
            "stream": f"{base_url()}/sse?userId={user['userId']}&clientId={tenant['id']}",
        }
    )


def frame(row: dict) -> str:
    """Return one SSE frame: `id:` for resumption, `data:` as the SDK parses it."""
    return f"id: {row['id']}\ndata: {json.dumps({'data': json.loads(row['payload'])})}\n\n"


def _stream(rt, sse, last_id: int, max_seconds: float):
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
            rows = queue.pending(rt.store, tenant_id, user_id, last_id, rt.clock.time())
            if rows:
                # A stream outlives its request: its deliveries commit on their own.
                rt.store.write(nudges.streamed(rows, rt.clock.isoformat()))
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
