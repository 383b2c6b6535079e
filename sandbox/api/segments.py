"""API-based segmentation (api host): /segment/<campaignId>/user/add|status|delete."""

from flask import Blueprint

from ..auth.writekey import HEADER
from ..domain import catalog, segments
from ..domain.rewards import sheet_rows
from ..errors import ApiError
from ..openapi.declare import EXAMPLE_CAMPAIGN, KEY, declare, param
from .common import call, json_body, ok, write_key_auth

bp = Blueprint("segments", __name__, url_prefix="/segment")
# What every segment route reads: a campaign in the path and a user in the body.
SEGMENT_USER = {
    "body": "SegmentUser",
    "params": [param("campaign_id", "path", True, example=EXAMPLE_CAMPAIGN)],
    "example": {"userId": "postman-user"},
}


def _declare(summary: str, ok: str):
    """Declare a segment route: its tag, the writeKey, the campaign and user it reads."""
    return declare(summary, "segments", KEY, ok, **SEGMENT_USER)


def _target(c, campaign_id: str) -> tuple[dict, str]:
    tenant = write_key_auth(c, (HEADER,))
    body = json_body(c, required=("userId",), types={"userId": "string"})
    store = c.rt.store
    if catalog.campaign(store, tenant["id"], campaign_id) is None and not sheet_rows.known(
        store, tenant["id"], campaign_id
    ):
        raise ApiError(
            404,
            f"No campaign {campaign_id!r}",
            "campaign_not_found",
            "Use a campaignId from GET /reward/v1.1/user or from the tenant's reward sheet.",
        )
    return tenant, str(body["userId"])


@bp.post("/<campaign_id>/user/add")
@_declare("Add a user to a campaign segment", "SegmentChanged")
def add(campaign_id):
    """Add a user to a campaign's segment."""
    c = call()
    tenant, user_id = _target(c, campaign_id)
    c.write(segments.add(tenant["id"], campaign_id, user_id, c.rt.clock.isoformat()))
    return ok(message="User added to campaign successfully")


@bp.post("/<campaign_id>/user/status")
@_declare("Is the user in the segment?", "SegmentStatus")
def status(campaign_id):
    """Answer whether a user is in a campaign's segment."""
    c = call()
    tenant, user_id = _target(c, campaign_id)
    return ok({"isPresent": segments.contains(c.rt.store, tenant["id"], campaign_id, user_id)})


@bp.delete("/<campaign_id>/user/delete")
@_declare("Remove a user from a campaign segment", "SegmentChanged")
def delete(campaign_id):
    """Remove a user from a campaign's segment."""
    c = call()
    tenant, user_id = _target(c, campaign_id)
    c.write(segments.remove(tenant["id"], campaign_id, user_id))
    return ok(message="User removed from campaign successfully")
