"""The partner's dead letters (api host): GET /webhooks/v1/failed, authenticated by the writeKey.

The FAQ's "we can expose an endpoint to share this": a partner's backend fetches its own
failed requests, with their payloads, and replays them on its side.
"""

from flask import Blueprint, request

from ..auth.writekey import HEADER
from ..errors import ApiError
from ..numbers import whole
from ..openapi.declare import KEY, declare, param
from ..outgoing import views
from .common import call, ok, write_key_auth

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.get("/v1/failed")
@declare(
    "Your failed outgoing requests (dead letters) with their payloads, paged",
    "webhooks",
    KEY,
    "FailedDeliveries",
    errors=(400, 401),
    params=[
        param("page", schema={"type": "integer", "minimum": 1, "maximum": 100_000}),
        param("limit", schema={"type": "integer", "minimum": 1, "maximum": 200}),
    ],
)
def failed():
    """Answer the tenant's dead letters, newest first: ?page=1&limit=50 (limit at most 200)."""
    c = call()
    tenant = write_key_auth(c, (HEADER,))

    def number(key, default, high):
        value = whole(request.args.get(key, "").strip() or str(default), high)
        if not value:  # None, or 0
            raise ApiError(
                400,
                f"{key} must be a whole number from 1 to {high}",
                f"bad_{key}",
                "Send ?page=1&limit=50.",
            )
        return value

    page, limit = number("page", 1, 100_000), number("limit", 50, 200)
    return ok(views.failed_page(c.rt.store, tenant["id"], page, limit))
