"""Entry points (api host): /entrypoints/v2/list/<writeKey>, /entrypoints/v1/..."""

import secrets

from flask import Blueprint, request

from ..auth import tokens
from ..auth.writekey import HEADER, PATH
from ..domain import catalog, entrypoints
from ..errors import ApiError
from ..http import path as pipeline
from .common import bearer_auth, clock, json_body, ok, store, write_key_auth

bp = Blueprint("entrypoints", __name__, url_prefix="/entrypoints")
PLATFORMS = ("android", "ios")
STATE_TYPES = {
    "entrypointId": "string",
    "userId": "string",
    "campaignId": "string",
    "entryPointClicked": "boolean",
    "entryPointCompleteStateViewed": "boolean",
}


def _optional_user(tenant: dict) -> str | None:
    """Return the user of a valid bearer token sent alongside, else None (iOS sends one)."""
    claims = tokens.claims_signed_by(tokens.sent_token(request.headers), tenant["jwt_secret"])
    return None if claims is None else claims.get("userId")


@bp.get("/v2/list/<write_key>")
def list_v2(write_key):
    """List entry points for the writeKey in the path (iOS); ?campaignIds= narrows them."""
    tenant = write_key_auth((PATH,), path_key=write_key)
    csv = request.args.get("campaignIds")
    wanted = {c for c in csv.split(",") if c} if csv else None
    user_id = _optional_user(tenant)
    if user_id:
        pipeline.note(user_id=str(user_id))
    items = entrypoints.listing(
        store(), tenant["id"], user_id, request.args.get("consumer", "MOBILE"), campaigns=wanted
    )
    return ok(items)


@bp.get("/v1/list")
def list_v1():
    """List entry points for the token's user (Android); ?id= picks one; etag header."""
    tenant, user, _claims = bearer_auth()
    only = {request.args["id"]} if request.args.get("id") else None
    items = entrypoints.listing(
        store(), tenant["id"], user["userId"], request.args.get("consumer", "MOBILE"), only_ids=only
    )
    return ok(items), 200, {"etag": entrypoints.etag(items)}


@bp.get("/v1/user/state")
def user_state():
    """Answer the user's entry-point states."""
    tenant, user, _claims = bearer_auth()
    return ok(entrypoints.user_states(store(), tenant["id"], user["userId"]))


@bp.post("/v1/user/state")
def set_user_state():
    """Record that the user clicked (or completed) an entry point; answer the states."""
    tenant, user, _claims = bearer_auth()
    body = json_body(required=("entrypointId",), types=STATE_TYPES)
    known = {ep["_id"] for ep in catalog.entrypoints(store(), tenant["id"])}
    if body["entrypointId"] not in known:
        raise ApiError(
            404,
            f"No entry point {body['entrypointId']!r}",
            "entrypoint_not_found",
            "Use an _id from GET /entrypoints/v1/list.",
        )
    state_id = secrets.token_hex(12)
    store().write(
        entrypoints.save_state(tenant["id"], user["userId"], body, state_id, clock().isoformat())
    )
    return ok(entrypoints.user_states(store(), tenant["id"], user["userId"]))


@bp.post("/v1/config")
def config():
    """Register the app's activity, banner and embed ids (test users' screens) per platform."""
    tenant = write_key_auth((HEADER,))
    platform = (request.headers.get("platform") or "").lower()
    if platform not in PLATFORMS:
        raise ApiError(
            400,
            "The platform header must be android or ios",
            "bad_platform",
            "Send the header 'platform: android' or 'platform: ios'.",
            got=request.headers.get("platform"),
        )
    body = json_body(types={k: "array" for k in ("activityIdList", "bannerIds", "embedIds")})
    settings = catalog.sdk_settings(store(), tenant["id"])
    merged = {}
    for key in ("activityIdList", "bannerIds", "embedIds"):
        current = settings.get(key) or {p: [] for p in PLATFORMS}
        ids = body.get(key) or []
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ApiError(400, f"{key} must be a list of strings", "bad_field", field=key)
        current[platform] = sorted(set(current.get(platform, [])) | set(ids))
        merged[key] = current

    def write(conn):
        for key, value in merged.items():
            catalog.set_sdk_setting(conn, tenant["id"], key, value)

    store().write(write)
    return ok(merged)
