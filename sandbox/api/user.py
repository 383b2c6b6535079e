"""Device/user registration (api host): /user/v1/user/sdk and its iOS variants."""

from flask import Blueprint, request

from ..auth import tokens
from ..auth.writekey import BODY
from ..domain import users
from ..errors import ApiError
from ..http import path as pipeline
from .common import base_url, bearer_auth, clock, json_body, ok, store, write_key_auth

bp = Blueprint("user", __name__, url_prefix="/user/v1/user")


def _registered(tenant: dict, user: dict) -> dict:
    data = {"user": users.public_view(user, tenant, base_url())}
    if request.args.get("token", "").lower() == "true":
        data["token"] = tokens.issue(tenant, user, clock().time())
    else:
        pipeline.flag(
            "no_token",
            "?token=true is missing: the response carries no token, and the SDKs need one",
        )
    pipeline.note(user_id=user["userId"])
    return ok(data)


def _register():
    body = json_body(types=users.BODY_TYPES)
    tenant = write_key_auth((BODY,), body)
    try:
        user = users.register(store(), tenant["id"], body, clock().isoformat())
    except users.RegistrationError as exc:
        raise ApiError(
            400,
            f"Missing required field(s): {exc}",
            "missing_fields",
            "Send userId, or anonymousId for a user who has not logged in.",
            missing=["userId"],
        ) from exc
    return _registered(tenant, user)


@bp.post("/sdk")
def register():
    """Register a device/user (writeKey in the body); answer the user and its token."""
    return _register()


@bp.post("/sdk/generateusertoken")
def generate_user_token():
    """Register as the iOS SDK 3.x does; same body and answer as /sdk."""
    return _register()


@bp.post("/sdk/updateuser")
def update_user():
    """Update a registered user's attributes (Bearer); answer the user and a fresh token."""
    tenant, user, _claims = bearer_auth()
    body = json_body(types=users.BODY_TYPES)
    updated = users.update(store(), tenant["id"], user["userId"], body, clock().isoformat())
    return _registered(tenant, updated)
