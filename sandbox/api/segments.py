"""API-based segmentation (api host): /segment/<campaignId>/user/add|status|delete."""

from flask import Blueprint

from ..auth.writekey import HEADER
from ..domain import catalog, segments
from ..errors import ApiError
from .common import clock, json_body, ok, store, write_key_auth

bp = Blueprint("segments", __name__, url_prefix="/segment")


def _target(campaign_id: str) -> tuple[dict, str]:
    tenant = write_key_auth((HEADER,))
    body = json_body(required=("userId",), types={"userId": "string"})
    if catalog.campaign(store(), tenant["id"], campaign_id) is None:
        raise ApiError(
            404,
            f"No campaign {campaign_id!r}",
            "campaign_not_found",
            "Use a campaignId from GET /reward/v1.1/user.",
        )
    return tenant, str(body["userId"])


@bp.post("/<campaign_id>/user/add")
def add(campaign_id):
    """Add a user to a campaign's segment."""
    tenant, user_id = _target(campaign_id)
    store().write(segments.add(tenant["id"], campaign_id, user_id, clock().isoformat()))
    return ok(message="User added to campaign successfully")


@bp.post("/<campaign_id>/user/status")
def status(campaign_id):
    """Answer whether a user is in a campaign's segment."""
    tenant, user_id = _target(campaign_id)
    return ok({"isPresent": segments.contains(store(), tenant["id"], campaign_id, user_id)})


@bp.delete("/<campaign_id>/user/delete")
def delete(campaign_id):
    """Remove a user from a campaign's segment."""
    tenant, user_id = _target(campaign_id)
    store().write(segments.remove(tenant["id"], campaign_id, user_id))
    return ok(message="User removed from campaign successfully")
