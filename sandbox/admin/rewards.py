"""Reward campaigns on the admin surface: import a sheet, list odds and stock, play, see draws."""

from pathlib import Path

from flask import current_app, request

from ..domain.rewards import importer, odds, plays, rules
from ..domain.rewards.sheet import XLSX
from ..errors import ApiError
from ..http.body import request_json_body
from ..http.current import runtime
from ..openapi.declare import declare_admin, param
from . import bp, viewer_allowed
from .common import invalid_sheet, need_test_mode, tenant_or_404, whole_number

MAX_PLAYS = 1000  # per request: a test asks for a few hundred at most


@bp.post("/tenants/<ref>/campaigns/import")
@declare_admin(
    "Import reward campaigns from an input sheet (.csv or .xlsx); ?dryRun=true only checks",
    "SheetCampaigns",
    errors=(401, 422),
    params=[param("ref", "path", True), param("dryRun", schema={"type": "string"})],
    body_types=("text/csv", XLSX),
    expect=(200, 422),
)
def import_sheet(ref):
    """Check a sheet and, unless ?dryRun=true, import its campaigns (all or nothing)."""
    tenant = tenant_or_404(ref)
    dry = request.args.get("dryRun", "").strip().lower() in ("1", "true", "yes")
    pools = Path(current_app.config["FIXTURES_DIR"]) / "pools"
    found, errors = importer.check(
        runtime().store, tenant["id"], request.get_data(), request.content_type or "", pools
    )
    if errors:
        raise invalid_sheet(errors)
    if not dry:
        runtime().store.write(
            importer.import_campaigns(tenant["id"], found, runtime().clock.isoformat())
        )
    return {"campaigns": importer.view(found), "imported": not dry}


@bp.get("/tenants/<ref>/campaigns")
@viewer_allowed
@declare_admin(
    "Sheet campaigns: odds, coupons left, wins so far",
    "SheetCampaigns",
    errors=(401,),
    params=[param("ref", "path", True)],
)
def list_campaigns(ref):
    """List the tenant's sheet campaigns with each variant's chance, stock and wins."""
    return {"campaigns": odds.summary(runtime().store, tenant_or_404(ref)["id"])}


@bp.post("/tenants/<ref>/plays")
@declare_admin(
    "Play a campaign N times for a user (test mode): each draw with its roll and thresholds",
    "Plays",
    errors=(401, 409),
    body="PlayRequest",
    params=[param("ref", "path", True)],
    example={"userId": "postman-user", "campaignId": "demo-scratch-500", "count": 3},
    expect=(200, 404, 409),
)
def play(ref):
    """Draw `count` times for the user (test mode only); answer every draw, explained."""
    tenant = tenant_or_404(ref)
    need_test_mode("Playing on demand", "let qualifying events grant plays")
    # The request path's one parser: depth, lone surrogates (SQLite refuses them) and the
    # content type are checked there, with the surface's 400.
    body = request_json_body(types={"userId": "string", "campaignId": "string", "count": "number"})
    user_id, campaign_id, count = body.get("userId"), body.get("campaignId"), body.get("count", 1)
    problems = []
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > 256:
        problems.append("userId must be a non-empty string of at most 256 characters")
    if not isinstance(campaign_id, str) or not campaign_id.strip():
        problems.append("campaignId must be a non-empty string")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_PLAYS:
        problems.append(f"count must be a whole number from 1 to {MAX_PLAYS}")
    if problems:
        raise ApiError(400, "; ".join(problems), "bad_play", "Send {userId, campaignId, count}.")
    seed = current_app.config["SEED"]
    results = []
    for _ in range(count):
        result = runtime().store.write(
            plays.play(tenant, campaign_id, user_id, seed, runtime().clock.isoformat())
        )
        if result is None:
            raise ApiError(
                404,
                f"No sheet campaign {campaign_id!r} for {tenant['name']}",
                "campaign_not_found",
                "Import it first: POST /_sandbox/tenants/<ref>/campaigns/import.",
            )
        results.append(result)
    return {"plays": results}


@bp.get("/tenants/<ref>/campaigns/<campaign_id>/draws")
@viewer_allowed
@declare_admin(
    "A campaign's draws (newest first) and counts per variant beside the configured odds",
    "Draws",
    errors=(400, 401),
    expect=(200, 404),
    params=[
        param("ref", "path", True),
        param("campaign_id", "path", True, example="demo-scratch-500"),
        param("limit", schema={"type": "integer", "minimum": 1, "maximum": 1000}),
    ],
)
def campaign_draws(ref, campaign_id):
    """Show a campaign's draws with their rolls, and the counts per variant beside the odds."""
    tenant = tenant_or_404(ref)
    if not odds.summary(runtime().store, tenant["id"], campaign_id):
        raise ApiError(
            404,
            f"No sheet campaign {campaign_id!r}",
            "campaign_not_found",
            "List them: GET /_sandbox/tenants/<ref>/campaigns.",
        )
    limit = whole_number("limit", 100, 1, 1000)
    # A secret sent as a user id is masked here as in every view of stored data.
    return runtime().masker().json(odds.draws(runtime().store, tenant["id"], campaign_id, limit))


@bp.get("/tenants/<ref>/explain")
@viewer_allowed
@declare_admin(
    "Why a user has or has not got a play of a sheet campaign (from their latest events)",
    "Explain",
    errors=(400, 401),
    params=[
        param("ref", "path", True),
        param("userId", required=True, schema={"type": "string", "minLength": 1}),
        param(
            "campaignId",
            required=True,
            schema={"type": "string", "minLength": 1},
            example="demo-scratch-500",
        ),
    ],
    expect=(200, 400, 404),
)
def explain(ref):
    """Explain a user's eligibility for a campaign: trigger, condition, dates, plays granted."""
    tenant = tenant_or_404(ref)
    user_id = request.args.get("userId", "").strip()
    campaign_id = request.args.get("campaignId", "").strip()
    if not user_id or not campaign_id or len(user_id) > 256:
        raise ApiError(
            400,
            "userId and campaignId are required (userId at most 256 characters)",
            "missing_fields",
            "GET /_sandbox/tenants/<ref>/explain?userId=<user>&campaignId=<campaign>",
        )
    campaign = next(
        (
            c
            for c in rules.sheet_campaigns(runtime().store, tenant["id"])
            if c["campaign_id"] == campaign_id
        ),
        None,
    )
    if campaign is None:
        raise ApiError(
            404,
            f"No sheet campaign {campaign_id!r}",
            "campaign_not_found",
            "List them: GET /_sandbox/tenants/<ref>/campaigns.",
        )
    return rules.explain(runtime().store, tenant["id"], user_id, campaign)
