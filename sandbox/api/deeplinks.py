"""Deep-link resolution (api host): GET /api/v1/wormhole/sdk/url?id=<id>."""

from flask import Blueprint, request

from ..auth.writekey import HEADER
from ..domain import catalog
from ..errors import ApiError
from ..openapi.declare import KEY, declare, param
from .common import call, ok, write_key_auth

bp = Blueprint("deeplinks", __name__, url_prefix="/api/v1/wormhole")


@bp.get("/sdk/url")
@declare(
    "Resolve a deep link",
    "deeplinks",
    KEY,
    "Deeplink",
    errors=(400, 401, 404, 503),
    params=[param("id", required=True, example="spin-today")],
)
def resolve():
    """Resolve a short deep-link id to its container and content."""
    c = call()
    tenant = write_key_auth(c, (HEADER,))
    link_id = request.args.get("id", "").strip()
    if not link_id:
        raise ApiError(
            400,
            "Missing required query parameter: id",
            "missing_fields",
            "Call /api/v1/wormhole/sdk/url?id=<deep link id>.",
            missing=["id"],
        )
    link = catalog.deeplink(c.rt.store, tenant["id"], link_id)
    if link is None:
        raise ApiError(
            404,
            f"No deep link {link_id!r}",
            "deeplink_not_found",
            "Use an id from the tenant's fixtures (deeplinks.json).",
        )
    container = link.get("container", {})
    content = link.get("content", {})
    return ok(
        {
            "anonymous": bool(link.get("anonymous", False)),
            "client": tenant["id"],
            # Android reads the heights as Integer: always whole numbers here.
            "container": {
                "type": container.get("type", "FULL-DEFAULT"),
                "absoluteHeight": int(container.get("absoluteHeight", 0)),
                "relativeHeight": int(container.get("relativeHeight", 100)),
            },
            "content": {
                "campaignId": content.get("campaignId", ""),
                "closeOnDeepLink": bool(content.get("closeOnDeepLink", False)),
                "type": content.get("type", "WALLET"),
                "url": content.get("url", ""),
            },
        },
        message="Deep link resolved",
    )
