"""Device/user registration (api host): /user/v1/user/sdk and its iOS variants."""

from flask import Blueprint, request

from ..auth import tokens
from ..auth.writekey import BODY
from ..domain import users
from ..errors import ApiError
from ..http.path import Call
from ..openapi.declare import BEARER, NONE, declare, param
from .common import base_url, bearer_auth, call, json_body, ok, write_key_auth

bp = Blueprint("user", __name__, url_prefix="/user/v1/user")
# Every registration route reads this body and answers the token only with ?token=true.
REGISTRATION = {
    "body": "Registration",
    "params": [param("token", example="true")],
    "example": {"userId": "postman-user", "writeKey": "{{writeKey}}", "deviceType": "android"},
}


def _registered(c: Call, tenant: dict, user: dict) -> dict:
    data = {"user": users.public_view(user, tenant, base_url())}
    if request.args.get("token", "").lower() == "true":
        data["token"] = tokens.issue(tenant, user, c.rt.clock.time())
    else:
        c.flag(
            "no_token",
            "?token=true is missing: the response carries no token, and the SDKs need one",
        )
    c.note(user_id=user["userId"])
    return ok(data)


def _refuse_secret_ids(c: Call, body: dict) -> None:
    """Refuse a user id that is a secret of this sandbox: the answer would echo it."""
    known = set(c.rt.masker().known)
    for field in ("userId", "anonymousId"):
        if body.get(field) in known:
            raise ApiError(
                400,
                f"{field} is a secret of this sandbox (a writeKey, signing secret or admin token)",
                "user_id_is_secret",
                "Send the app's own user id as userId, and the writeKey as writeKey "
                "(were the two swapped?).",
                field=field,
            )


def _register():
    c = call()
    body = json_body(c, types=users.BODY_TYPES)
    tenant = write_key_auth(c, (BODY,), body)
    _refuse_secret_ids(c, body)
    try:
        user, write = users.register(c.rt.store, tenant["id"], body, c.rt.clock.isoformat())
    except users.RegistrationError as exc:
        raise ApiError(
            400,
            f"Missing required field(s): {exc}",
            "missing_fields",
            "Send userId, or anonymousId for a user who has not logged in.",
            missing=["userId"],
        ) from exc
    c.write(write)
    return _registered(c, tenant, user)


@bp.post("/sdk")
@declare(
    "Register a device/user (writeKey in the body)",
    "registration",
    NONE,
    "Registered",
    **REGISTRATION,
)
def register():
    """Register a device/user (writeKey in the body); answer the user and its token."""
    return _register()


@bp.post("/sdk/generateusertoken")
@declare(
    "Register as the iOS SDK does",
    "registration",
    NONE,
    "Registered",
    **REGISTRATION,
)
def generate_user_token():
    """Register as the iOS SDK 3.x does; same body and answer as /sdk."""
    return _register()


@bp.post("/sdk/updateuser")
@declare(
    "Update the token's user",
    "registration",
    BEARER,
    "Registered",
    **{**REGISTRATION, "example": {"profile": {"city": "Pune"}}, "body_required": False},
)
def update_user():
    """Update a registered user's attributes (Bearer); answer the user and a fresh token."""
    c = call()
    tenant, user, _claims = bearer_auth(c)
    body = json_body(c, types=users.BODY_TYPES)
    _refuse_secret_ids(c, body)
    updated, write = users.update(tenant["id"], user, body, c.rt.clock.isoformat())
    c.write(write)
    return _registered(c, tenant, updated)
