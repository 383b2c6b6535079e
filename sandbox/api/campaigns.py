"""Load campaigns and the wallet (api host): /reward/v1.1/..., /reward/v2/user/..."""

from flask import Blueprint, Response, request

from ..auth import tokens
from ..auth.writekey import HEADER
from ..domain import campaigns, catalog
from ..errors import ApiError
from ..http import path as pipeline
from .common import base_url, bearer_auth, clock, json_body, ok, store, write_key_auth

bp = Blueprint("reward", __name__, url_prefix="/reward")
PAGE_TYPES = {"filter": "object", "limit": "number", "page": "number"}


def _load(filters: dict):
    tenant, user, _claims = bearer_auth()
    unknown = campaigns.unknown_filter_keys(store(), tenant["id"], filters)
    if unknown:
        pipeline.flag(
            "filter_matches_nothing",
            f"filter key(s) {', '.join(unknown)} match no campaign attribute",
        )
    token = tokens.issue(tenant, user, clock().time())
    return campaigns.load(store(), tenant["id"], user["userId"], token, base_url(), filters)


@bp.get("/v1.1/user")
def load_campaigns():
    """Answer the user's campaigns and wallet URL; query keys filter (type, campaignId, ...)."""
    return _load({k: v for k, v in request.args.items() if k not in ("x-api-key",)})


@bp.get("/v1.1/user/<campaign_id>")
def load_campaign_by_id(campaign_id):
    """Answer one campaign (matched by campaignId or banner tag) in the same shape."""
    return _load({"campaignId": campaign_id})


def _page(body: dict) -> tuple[int, int]:
    def number(key, default):
        value = body.get(key, default)
        return value if isinstance(value, int) and value > 0 else default

    return number("page", 1), min(number("limit", 50), 500)


def _filter_ids(body: dict) -> set[str] | None:
    wanted = (
        ((body.get("filter") or {}).get("campaignId"))
        if isinstance(body.get("filter"), dict)
        else None
    )
    if isinstance(wanted, dict):
        return {k for k, v in wanted.items() if v}
    return None


@bp.post("/v2/user/program")
def programs():
    """Answer the user's programs (the webview's FE proxy), filtered and paged."""
    tenant, user, _claims = bearer_auth()
    body = json_body(allow_empty=True, types=PAGE_TYPES)
    page, limit = _page(body)
    ids = _filter_ids(body)
    items = [
        {
            "campaignId": c["campaignId"],
            "type": c["type"],
            "name": c.get("name"),
            "status": "pristine",
            "banner": campaigns.banner(c),
        }
        for c in catalog.campaigns(store(), tenant["id"])
        if c.get("status", "active") == "active" and (ids is None or c["campaignId"] in ids)
    ]
    start = (page - 1) * limit
    return ok(
        {
            "programs": items[start : start + limit],
            "page": page,
            "limit": limit,
            "total": len(items),
        }
    )


@bp.post("/v2/user/reward")
def rewards():
    """Answer the user's rewards (the webview's FE proxy): none until a game is played."""
    bearer_auth()
    body = json_body(allow_empty=True, types=PAGE_TYPES)
    page, limit = _page(body)
    return ok({"rewards": [], "page": page, "limit": limit, "total": 0})


@bp.get("/v1.1/client/assets")
def client_assets():
    """Answer the hash and URL of the tenant's precache bundle (Android)."""
    tenant = write_key_auth((HEADER,))
    digest, _data = campaigns.asset_bundle(store(), tenant["id"])
    url = f"{base_url()}/reward/v1.1/client/assets/{tenant['id']}/{digest}.zip"
    return ok({"hash": digest, "compressedAssets": url}, message="Assets fetched")


@bp.get("/v1.1/client/assets/<tenant_id>/<digest>.zip")
def client_assets_zip(tenant_id, digest):
    """Serve the precache bundle named by client_assets (the URL itself is the credential)."""
    current, data = campaigns.asset_bundle(store(), tenant_id)
    if digest != current:
        raise ApiError(
            404,
            "No such asset bundle",
            "asset_bundle_not_found",
            "The tenant's assets changed; fetch /reward/v1.1/client/assets again.",
        )
    pipeline.note(tenant_id=tenant_id)
    return Response(data, mimetype="application/zip")
