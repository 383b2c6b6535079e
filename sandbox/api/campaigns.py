"""Load campaigns and the wallet (api host): /reward/v1.1/..., /reward/v2/user/..."""

from flask import Blueprint, Response, request

from ..auth import tokens
from ..auth.writekey import HEADER
from ..domain import campaigns
from ..domain.rewards import wallet
from ..errors import ApiError
from ..openapi.declare import BEARER, EXAMPLE_CAMPAIGN, KEY, NONE, declare, param
from .common import base_url, bearer_auth, call, json_body, ok, write_key_auth

bp = Blueprint("campaigns", __name__, url_prefix="/reward")
PAGE_TYPES = {"filter": "object", "limit": "number", "page": "number"}
PAGE_REQUEST = {"body": "PageRequest", "example": {"page": 1, "limit": 10}, "body_required": False}


def _load(filters: dict):
    c = call()
    tenant, user, _claims = bearer_auth(c)
    unknown = campaigns.unknown_filter_keys(c.rt.store, tenant["id"], filters)
    if unknown:
        c.flag(
            "filter_matches_nothing",
            f"filter key(s) {', '.join(unknown)} match no campaign attribute",
        )
    token = tokens.issue_page_token(tenant, user, c.rt.clock.time())
    return campaigns.load(c.rt.store, tenant["id"], user["userId"], token, base_url(), filters)


@bp.get("/v1.1/user")
@declare(
    "Load campaigns and the wallet URL (query keys filter)",
    "campaigns",
    BEARER,
    "Campaigns",
    params=[param("type"), param("campaignId")],
)
def load_campaigns():
    """Answer the user's campaigns and wallet URL; query keys filter (type, campaignId, ...)."""
    return _load({k: v for k, v in request.args.items() if k not in ("x-api-key",)})


@bp.get("/v1.1/user/<campaign_id>")
@declare(
    "Load one campaign (by id or banner tag)",
    "campaigns",
    BEARER,
    "Campaigns",
    params=[param("campaign_id", "path", True, example=EXAMPLE_CAMPAIGN)],
)
def load_campaign_by_id(campaign_id):
    """Answer one campaign (matched by campaignId or banner tag) in the same shape."""
    return _load({"campaignId": campaign_id})


def _paged_ask():
    """Authenticate a webview proxy call (Bearer) and read its filter and page from the body."""
    c = call()
    tenant, user, _claims = bearer_auth(c)
    body = json_body(c, allow_empty=True, types=PAGE_TYPES)
    page, limit = campaigns.paging(body)
    return c, tenant, user, (campaigns.filter_ids(body), page, limit)


@bp.post("/v2/user/program")
@declare(
    "The user's programs (webview proxy)",
    "campaigns",
    BEARER,
    "Programs",
    **PAGE_REQUEST,
)
def programs():
    """Answer the user's programs (the webview's FE proxy), filtered and paged."""
    c, tenant, _user, (ids, page, limit) = _paged_ask()
    return ok(campaigns.programs(c.rt.store, tenant["id"], ids, page, limit))


@bp.post("/v2/user/reward")
@declare(
    "The user's rewards (webview proxy)",
    "campaigns",
    BEARER,
    "Rewards",
    **PAGE_REQUEST,
)
def rewards():
    """Answer the user's won rewards, newest first (the webview's FE proxy)."""
    c, tenant, user, (ids, page, limit) = _paged_ask()
    found, total = wallet.user_rewards(c.rt.store, tenant["id"], user["userId"], page, limit, ids)
    return ok({"rewards": found, "page": page, "limit": limit, "total": total})


@bp.get("/v1.1/client/assets")
@declare("Hash and URL of the precache bundle", "campaigns", KEY, "Assets")
def client_assets():
    """Answer the hash and URL of the tenant's precache bundle (Android)."""
    c = call()
    tenant = write_key_auth(c, (HEADER,))
    digest, _data = campaigns.asset_bundle(c.rt.store, tenant["id"])
    url = f"{base_url()}/reward/v1.1/client/assets/{tenant['id']}/{digest}.zip"
    return ok({"hash": digest, "compressedAssets": url}, message="Assets fetched")


@bp.get("/v1.1/client/assets/<tenant_id>/<digest>.zip")
@declare(
    "Download the precache bundle",
    "campaigns",
    NONE,
    None,
    errors=(503,),
    params=[param("tenant_id", "path", True), param("digest", "path", True)],
    ok_type="application/zip",
)
def client_assets_zip(tenant_id, digest):
    """Serve the precache bundle named by client_assets (the URL itself is the credential)."""
    c = call()
    current, data = campaigns.asset_bundle(c.rt.store, tenant_id)
    if digest != current:
        raise ApiError(
            404,
            "No such asset bundle",
            "asset_bundle_not_found",
            "The tenant's assets changed; fetch /reward/v1.1/client/assets again.",
        )
    c.note(tenant_id=tenant_id)
    return Response(data, mimetype="application/zip")
