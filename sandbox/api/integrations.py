"""The SDK's "test integration" screen (api host): /integrations/v1/onboarding/sdk/..."""

from flask import Blueprint

from ..auth.writekey import HEADER
from ..domain import users
from ..errors import ApiError
from ..openapi.declare import KEY, declare
from .common import call, json_body, ok, write_key_auth

bp = Blueprint("integrations", __name__, url_prefix="/integrations/v1/onboarding/sdk")


@bp.post("/notification-config")
@declare(
    "Which push credentials exist",
    "integrations",
    KEY,
    "NotificationConfig",
    errors=(401, 404, 503),
    body="SegmentUser",
    example={"userId": "postman-user"},
)
def notification_config():
    """Answer which push credentials exist for the user (device tokens) and the tenant (keys)."""
    c = call()
    tenant = write_key_auth(c, (HEADER,))
    body = json_body(c, required=("userId",), types={"userId": "string"})
    user = users.get_user(c.rt.store, tenant["id"], str(body["userId"]))
    if user is None:
        raise ApiError(
            404, f"No user {body['userId']!r}", "user_not_found", "Register the user first."
        )
    c.note(user_id=user["userId"])
    return ok(
        {
            "apnsDeviceToken": bool(user.get("apnsDeviceToken")),
            "firebaseToken": bool(user.get("firebaseToken")),
            # The sandbox sends no push notifications, so it holds no push keys.
            "privateKeyApns": False,
            "privateKeyFirebase": False,
        }
    )


@bp.post("/test-steps")
@declare(
    "Accept the SDK's self-test results",
    "integrations",
    KEY,
    "TestStepsReceived",
    body="TestSteps",
    example={"user_id": "postman-user", "platform": "android", "data": []},
)
def test_steps():
    """Accept the SDK's self-test results; they are journaled for the onboarding checklist."""
    c = call()
    write_key_auth(c, (HEADER,))
    body = json_body(
        c,
        required=("user_id", "platform"),
        types={
            "user_id": "string",
            "platform": "string",
            "data": "array",
            "cg_sdk_version": "string",
        },
    )
    steps = body.get("data") or []
    if not isinstance(steps, list):
        raise ApiError(400, "data must be a list of steps", "bad_field", field="data")
    c.note(user_id=str(body["user_id"]))
    return ok({"received": len(steps)})
