"""Nudges on the admin surface: import definitions, list them, see every nudge's life, send one."""

from flask import request

from ..domain.nudges import definitions, life
from ..domain.rewards.sheet import XLSX
from ..errors import ApiError
from ..http.body import request_json_body
from ..http.current import runtime
from ..openapi.declare import declare_admin, param
from . import bp, viewer_allowed
from .common import (
    in_scope,
    invalid_sheet,
    need_test_mode,
    not_found,
    scope,
    tenant_or_404,
    whole_number,
)

REF = [param("ref", "path", True)]


@bp.post("/tenants/<ref>/nudges/import")
@declare_admin(
    "Import nudge definitions from a sheet (.csv or .xlsx); ?dryRun=true only checks",
    "NudgeDefinitions",
    errors=(401, 422),
    params=[*REF, param("dryRun", schema={"type": "string"})],
    body_types=("text/csv", XLSX),
    expect=(200, 422),
)
def import_nudges(ref):
    """Check a nudge sheet and, unless ?dryRun=true, import it (all or nothing)."""
    tenant = tenant_or_404(ref)
    dry = request.args.get("dryRun", "").strip().lower() in ("1", "true", "yes")
    found, errors = definitions.check(request.get_data(), request.content_type or "")
    if errors:
        raise invalid_sheet(errors)
    if not dry:
        runtime().store.write(
            definitions.store_write(tenant["id"], found, runtime().clock.isoformat())
        )
    shown = [definitions.view({**d, "channels": d["channels"]}) for d in found]
    return {"nudges": shown, "imported": not dry}


@bp.get("/tenants/<ref>/nudges/definitions")
@viewer_allowed
@declare_admin("The tenant's nudge definitions", "NudgeDefinitions", errors=(401,), params=REF)
def list_definitions(ref):
    """List the tenant's nudge definitions: trigger, audience, content, channels, timing."""
    found = definitions.of_tenant(runtime().store, tenant_or_404(ref)["id"])
    return {"nudges": [definitions.view(d) for d in found]}


@bp.get("/nudges")
@viewer_allowed
@declare_admin(
    "Nudges, newest first: filter by tenant, user and state",
    "Nudges",
    errors=(400, 401, 404),
    params=[
        param("tenant"),
        param("user"),
        param("state", schema={"enum": ["", *life.STATES]}),
        param("limit", schema={"type": "integer", "minimum": 1, "maximum": 500}),
    ],
)
def list_nudges():
    """List nudges with their state and the time of each step."""
    tenant = request.args.get("tenant") or scope()
    tenant_id = tenant_or_404(tenant)["id"] if tenant else None
    state = request.args.get("state", "")
    if state and state not in life.STATES:
        raise ApiError(400, f"state must be one of {', '.join(life.STATES)}", "bad_state")
    limit = whole_number("limit", 100, 1, 500) if request.args.get("limit") else 100
    user = request.args.get("user", "")[:256]
    rows = life.search(runtime().store, tenant_id, user, state, limit)
    return runtime().masker().json({"nudges": [life.view(r) for r in rows]})


@bp.get("/nudges/<nudge_id>")
@viewer_allowed
@declare_admin(
    "One nudge: content, channels, state and the time of each step",
    "Nudge",
    errors=(401,),
    params=[param("nudge_id", "path", True, example="ndg_postman")],
    expect=(200, 404),
)
def show_nudge(nudge_id):
    """Show one nudge's life."""
    row = life.get(runtime().store, nudge_id)
    if row is None or not in_scope(row["tenant_id"]):
        raise not_found("nudge", nudge_id, "nudge_not_found", "List them: GET /_sandbox/nudges")
    return runtime().masker().json(life.view(row))


SEND_TYPES = {
    "userId": "string",
    "title": "string",
    "body": "string",
    "image": "string",
    "clickAction": "string",
    "pageType": "string",
    "button": "string",
    "channels": "array",
    "delaySeconds": "number",
    "expirySeconds": "number",
    "campaignId": "string",
}


@bp.post("/tenants/<ref>/nudges/send")
@declare_admin(
    "Send a nudge to a user now (test mode): the in-app channel unless channels says otherwise",
    "NudgeSent",
    errors=(400, 401, 409),
    body="NudgeSend",
    example={"userId": "postman-user", "title": "Hello from the sandbox"},
    params=REF,
    expect=(200, 409),
)
def send_nudge(ref):
    """Make and release a nudge for a user: {userId, title, body, ...} -> {nudgeId}."""
    tenant = tenant_or_404(ref)
    need_test_mode("Sending nudges on demand", "let definitions send them")
    body = request_json_body(required=("userId",), types=SEND_TYPES)
    problems = []
    user_id = body.get("userId")
    if not isinstance(user_id, str) or not 0 < len(user_id.strip()) <= 256:
        problems.append("userId must be a non-empty string of at most 256 characters")
    channels = body.get("channels") or ["inapp"]
    if not all(c in definitions.CHANNELS for c in channels):
        problems.append(f"channels must be some of {', '.join(definitions.CHANNELS)}")
    page = body.get("pageType") or "middle-popup"
    if page not in definitions.PAGE_TYPES:
        problems.append(f"pageType must be one of {', '.join(definitions.PAGE_TYPES)}")
    for key in ("delaySeconds", "expirySeconds"):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not 0 <= value <= 366 * 86400):
            problems.append(f"{key} must be a number of seconds from 0 to a year")
    click = body.get("clickAction") or ""
    if click.split(":", 1)[0].lower() in ("javascript", "data", "vbscript", "file"):
        problems.append("clickAction must not be a script URL")
    if problems:
        raise ApiError(400, "; ".join(problems), "bad_nudge", 'Send {"userId", "title", ...}.')
    d = {
        "definition_id": None,
        "campaign_id": body.get("campaignId"),
        "audience": "all",
        "channels": channels,
        "delay_seconds": body.get("delaySeconds") or 0.0,
        "expiry_seconds": body.get("expirySeconds"),
        "content": {
            "title": (body.get("title") or "A nudge from the sandbox")[:500],
            "body": (body.get("body") or "")[:2000],
            "image": (body.get("image") or "")[:2000],
            "clickAction": click[:2000],
            "pageType": page,
            "button": (body.get("button") or "")[:200],
        },
    }
    clock = runtime().clock
    now, now_iso = clock.time(), clock.isoformat()
    nudge_id = runtime().store.write(life.create_write(tenant["id"], user_id, d, now, now_iso))
    return {"nudgeId": nudge_id}
