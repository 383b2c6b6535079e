"""Entry points (api host): /entrypoints/v2/list/<writeKey>, /entrypoints/v1/..."""

import secrets

from flask import Blueprint, request

from ..auth import tokens
from ..auth.writekey import HEADER, PATH
from ..domain import catalog, entrypoints
from ..errors import ApiError
from ..openapi.declare import BEARER, KEY, NONE, declare, param
from .common import bearer_auth, call, json_body, ok, write_key_auth

bp = Blueprint("entrypoints", __name__, url_prefix="/entrypoints")
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
@declare(
    "Entry points for the writeKey in the path (iOS)",
    "entrypoints",
    NONE,
    "EntryPoints",
    params=[param("write_key", "path", True), param("consumer"), param("campaignIds")],
)
def list_v2(write_key):
    """List entry points for the writeKey in the path (iOS); ?campaignIds= narrows them."""
    c = call()
    tenant = write_key_auth(c, (PATH,), path_key=write_key)
    csv = request.args.get("campaignIds")
    wanted = {c for c in csv.split(",") if c} if csv else None
    user_id = _optional_user(tenant)
    if user_id:
        c.note(user_id=str(user_id))
    items = entrypoints.listing(
        c.rt.store, tenant["id"], user_id, request.args.get("consumer", "MOBILE"), campaigns=wanted
    )
    return ok(items)


@bp.get("/v1/list")
@declare(
    "Entry points for the token's user (Android)",
    "entrypoints",
    BEARER,
    "EntryPoints",
    params=[param("consumer"), param("id")],
    ok_headers={"etag": {"schema": {"type": "string"}, "required": True}},
)
def list_v1():
    """List entry points for the token's user (Android); ?id= picks one; etag header."""
    c = call()
    tenant, user, _claims = bearer_auth(c)
    only = {request.args["id"]} if request.args.get("id") else None
    items = entrypoints.listing(
        c.rt.store,
        tenant["id"],
        user["userId"],
        request.args.get("consumer", "MOBILE"),
        only_ids=only,
    )
    return ok(items), 200, {"etag": entrypoints.etag(items)}


@bp.get("/v1/user/state")
@declare("The user's entry-point states", "entrypoints", BEARER, "UserStates")
def user_state():
    """Answer the user's entry-point states."""
    c = call()
    tenant, user, _claims = bearer_auth(c)
    return ok(entrypoints.user_states(c.rt.store, tenant["id"], user["userId"]))


@bp.post("/v1/user/state")
@declare(
    "Record a click or complete-view",
    "entrypoints",
    BEARER,
    "UserStates",
    errors=(401, 404, 503),
    body="UserStateUpdate",
    example={"entrypointId": "62a1f0c3e4b0a1b2c3d4e501", "entryPointClicked": True},
)
def set_user_state():
    """Record that the user clicked (or completed) an entry point; answer the states."""
    c = call()
    tenant, user, _claims = bearer_auth(c)
    body = json_body(c, required=("entrypointId",), types=STATE_TYPES)
    known = {ep["_id"] for ep in catalog.entrypoints(c.rt.store, tenant["id"])}
    if body["entrypointId"] not in known:
        raise ApiError(
            404,
            f"No entry point {body['entrypointId']!r}",
            "entrypoint_not_found",
            "Use an _id from GET /entrypoints/v1/list.",
        )
    states, write = entrypoints.save_state(
        c.rt.store,
        tenant["id"],
        user["userId"],
        body,
        secrets.token_hex(12),
        c.rt.clock.isoformat(),
    )
    c.write(write)
    return ok(states)


@bp.post("/v1/config")
@declare(
    "Register activity, banner and embed ids for a platform",
    "entrypoints",
    KEY,
    "PlatformIdLists",
    body="IdLists",
    body_required=False,
    params=[param("platform", "header", True, {"enum": ["android", "ios"]}, "android")],
    example={"activityIdList": ["MainActivity"], "bannerIds": ["home-banner"]},
)
def config():
    """Register the app's activity, banner and embed ids (test users' screens) per platform."""
    c = call()
    tenant = write_key_auth(c, (HEADER,))
    platform = (request.headers.get("platform") or "").lower()
    if platform not in entrypoints.PLATFORMS:
        raise ApiError(
            400,
            "The platform header must be android or ios",
            "bad_platform",
            "Send the header 'platform: android' or 'platform: ios'.",
            got=request.headers.get("platform"),
        )
    body = json_body(c, types={k: "array" for k in entrypoints.ID_LISTS})
    bad = next((k for k in entrypoints.ID_LISTS if not _strings(body.get(k) or [])), None)
    if bad:
        raise ApiError(400, f"{bad} must be a list of strings", "bad_field", field=bad)
    merged, write = entrypoints.add_platform_ids(c.rt.store, tenant["id"], platform, body)
    c.write(write)
    return ok(merged)


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(i, str) for i in value)
