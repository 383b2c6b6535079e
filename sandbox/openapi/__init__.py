"""The OpenAPI 3.1 document of the emulated API and the admin API, served at /_sandbox/openapi.json.

Kept true by tests: every route must be described here, and live responses are
validated against these schemas (tests/test_openapi.py, schemathesis in CI).
"""

from ..config import VERSION
from .schemas import SCHEMAS, ref

JSON = "application/json"
KEY = [{"writeKey": []}]
KEY_OR_QUERY = [{"writeKey": []}, {"writeKeyQuery": []}]
BEARER = [{"bearer": []}]
ADMIN = [{"adminToken": []}, {"adminTokenQuery": []}]
NONE: list = [{}]
DESCRIPTIONS = {
    400: "Bad body or parameters (invalid JSON with position, wrong content type, missing fields)",
    401: "Credential check failed: reason, hint and checks[] say which and why",
    404: "Unknown route (with suggestions) or unknown entity",
    409: "Conflicts with the sandbox's state (e.g. the clock is not virtual)",
    503: "The store could not commit the request; it was not acknowledged",
}


def _param(name: str, where: str = "query", required: bool = False, schema=None) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema or {"type": "string"}}


def _op(
    summary: str,
    tag: str,
    security: list,
    ok: str | dict | None,
    errors=(401, 503),
    body: str | None = None,
    params=(),
    ok_type: str = JSON,
    ok_headers=None,
) -> dict:
    admin = tag == "admin"
    error_schema = ref("AdminError" if admin else "ApiError")
    responses = {}
    if ok_type == JSON:
        schema = ok if isinstance(ok, dict) else ref(ok)
        responses["200"] = {"description": "OK", "content": {JSON: {"schema": schema}}}
    else:
        responses["200"] = {
            "description": "OK",
            "content": {ok_type: {"schema": {"type": "string"}}},
        }
    if ok_headers:
        responses["200"]["headers"] = ok_headers
    codes = set(errors)
    if body:
        codes.add(400)
    if any(p["in"] == "path" for p in params):
        codes.add(404)
    for code in sorted(codes):
        responses[str(code)] = {
            "description": DESCRIPTIONS[code],
            "content": {JSON: {"schema": error_schema}},
        }
    op = {"summary": summary, "tags": [tag], "security": security, "responses": responses}
    if params:
        op["parameters"] = list(params)
    if body:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(body)}}}
    return op


CID = _param("campaign_id", "path", True)
PATHS = {
    "/user/v1/user/sdk": {
        "post": _op(
            "Register a device/user (writeKey in the body)",
            "registration",
            NONE,
            "Registered",
            body="Registration",
            params=[_param("token")],
        )
    },
    "/user/v1/user/sdk/generateusertoken": {
        "post": _op(
            "Register as the iOS SDK does",
            "registration",
            NONE,
            "Registered",
            body="Registration",
            params=[_param("token")],
        )
    },
    "/user/v1/user/sdk/updateuser": {
        "post": _op(
            "Update the token's user",
            "registration",
            BEARER,
            "Registered",
            body="Registration",
            params=[_param("token")],
        )
    },
    "/reward/v1.1/user": {
        "get": _op(
            "Load campaigns and the wallet URL (query keys filter)",
            "campaigns",
            BEARER,
            "Campaigns",
            params=[_param("type"), _param("campaignId")],
        )
    },
    "/reward/v1.1/user/{campaign_id}": {
        "get": _op(
            "Load one campaign (by id or banner tag)",
            "campaigns",
            BEARER,
            "Campaigns",
            params=[CID],
        )
    },
    "/reward/v2/user/program": {
        "post": _op(
            "The user's programs (webview proxy)",
            "campaigns",
            BEARER,
            "Programs",
            body="PageRequest",
        )
    },
    "/reward/v2/user/reward": {
        "post": _op(
            "The user's rewards (webview proxy)", "campaigns", BEARER, "Rewards", body="PageRequest"
        )
    },
    "/reward/v1.1/client/assets": {
        "get": _op("Hash and URL of the precache bundle", "campaigns", KEY, "Assets")
    },
    "/reward/v1.1/client/assets/{tenant_id}/{digest}.zip": {
        "get": _op(
            "Download the precache bundle",
            "campaigns",
            NONE,
            None,
            errors=(503,),
            params=[_param("tenant_id", "path", True), _param("digest", "path", True)],
            ok_type="application/zip",
        )
    },
    "/server/v4": {
        "post": _op(
            "Ingest one event (200 even for schema breaks, which are flagged)",
            "events",
            KEY,
            "KinesisAck",
            body="Event",
        )
    },
    "/v4/sdk": {
        "post": _op("Ingest one SDK analytics event", "events", KEY, "KinesisAck", body="Event")
    },
    "/sdk/v4": {
        "post": _op("Accept an SDK diagnostics record", "events", KEY, "Success", body="Event")
    },
    "/api/v1/report": {
        "put": _op("Accept an SDK crash/log report", "events", KEY, "Success", body="Event")
    },
    "/client/v1/sdk/config": {
        "get": _op("SDK configuration (data.mobile)", "config", KEY_OR_QUERY, "SdkConfig")
    },
    "/entrypoints/v2/list/{write_key}": {
        "get": _op(
            "Entry points for the writeKey in the path (iOS)",
            "entrypoints",
            NONE,
            "EntryPoints",
            params=[_param("write_key", "path", True), _param("consumer"), _param("campaignIds")],
        )
    },
    "/entrypoints/v1/list": {
        "get": _op(
            "Entry points for the token's user (Android)",
            "entrypoints",
            BEARER,
            "EntryPoints",
            params=[_param("consumer"), _param("id")],
            ok_headers={"etag": {"schema": {"type": "string"}, "required": True}},
        )
    },
    "/entrypoints/v1/user/state": {
        "get": _op("The user's entry-point states", "entrypoints", BEARER, "UserStates"),
        "post": _op(
            "Record a click or complete-view",
            "entrypoints",
            BEARER,
            "UserStates",
            errors=(401, 404, 503),
            body="UserStateUpdate",
        ),
    },
    "/entrypoints/v1/config": {
        "post": _op(
            "Register activity, banner and embed ids for a platform",
            "entrypoints",
            KEY,
            "PlatformIdLists",
            body="IdLists",
            params=[_param("platform", "header", True, {"enum": ["android", "ios"]})],
        )
    },
    "/api/v1/wormhole/sdk/url": {
        "get": _op(
            "Resolve a deep link",
            "deeplinks",
            KEY,
            "Deeplink",
            errors=(400, 401, 404, 503),
            params=[_param("id", required=True)],
        )
    },
    "/segment/{campaign_id}/user/add": {
        "post": _op(
            "Add a user to a campaign segment",
            "segments",
            KEY,
            "SegmentChanged",
            body="SegmentUser",
            params=[CID],
        )
    },
    "/segment/{campaign_id}/user/status": {
        "post": _op(
            "Is the user in the segment?",
            "segments",
            KEY,
            "SegmentStatus",
            body="SegmentUser",
            params=[CID],
        )
    },
    "/segment/{campaign_id}/user/delete": {
        "delete": _op(
            "Remove a user from a campaign segment",
            "segments",
            KEY,
            "SegmentChanged",
            body="SegmentUser",
            params=[CID],
        )
    },
    "/sse": {
        "get": _op(
            "Server-sent nudges for a user (closes after SANDBOX_SSE_MAX_SECONDS)",
            "nudges",
            NONE,
            None,
            errors=(400, 404, 503),
            params=[_param("userId", required=True), _param("clientId", required=True)],
            ok_type="text/event-stream",
        )
    },
    "/ack-nudge": {
        "post": _op(
            "Acknowledge a nudge",
            "nudges",
            KEY,
            "NudgeAcked",
            errors=(401, 404, 503),
            body="NudgeAck",
        )
    },
    "/integrations/v1/nudge/sdk/test": {
        "post": _op(
            "Send a test nudge to the token's user over SSE",
            "nudges",
            BEARER,
            "NudgeTest",
            body="SegmentUser",
        )
    },
    "/integrations/v1/onboarding/sdk/notification-config": {
        "post": _op(
            "Which push credentials exist",
            "integrations",
            KEY,
            "NotificationConfig",
            errors=(401, 404, 503),
            body="SegmentUser",
        )
    },
    "/integrations/v1/onboarding/sdk/test-steps": {
        "post": _op(
            "Accept the SDK's self-test results",
            "integrations",
            KEY,
            "TestStepsReceived",
            body="TestSteps",
        )
    },
    "/_sandbox/health": {
        "get": _op(
            "Store reachability, schema version, uptime (open)",
            "admin",
            NONE,
            "Health",
            errors=(503,),
        )
    },
    "/_sandbox/": {
        "get": _op(
            "The admin surface: version, base URL, routes",
            "admin",
            ADMIN,
            "AdminIndex",
            errors=(401,),
        )
    },
    "/_sandbox/openapi.json": {
        "get": _op(
            "This document",
            "admin",
            ADMIN,
            {"type": "object", "required": ["openapi", "paths"]},
            errors=(401,),
        )
    },
    "/_sandbox/tenants": {
        "get": _op("Tenants, secrets masked", "admin", ADMIN, "Tenants", errors=(401,))
    },
    "/_sandbox/tenants/{ref}": {
        "get": _op(
            "One tenant by id, name or writeKey",
            "admin",
            ADMIN,
            "Tenant",
            errors=(401,),
            params=[_param("ref", "path", True)],
        )
    },
    "/_sandbox/journal": {
        "get": _op(
            "Search the journal",
            "admin",
            ADMIN,
            "JournalPage",
            errors=(400, 401),
            params=[
                _param(n)
                for n in (
                    "tenant",
                    "user",
                    "event_id",
                    "path",
                    "path_prefix",
                    "method",
                    "status",
                    "reason",
                    "flag",
                    "since",
                    "until",
                    "before",
                    "after",
                    "limit",
                    "q",
                )
            ],
        )
    },
    "/_sandbox/journal/{request_id}": {
        "get": _op(
            "One journal entry, credentials masked",
            "admin",
            ADMIN,
            "JournalEntry",
            errors=(401,),
            params=[_param("request_id", "path", True)],
        )
    },
    "/_sandbox/clock": {"get": _op("The clock", "admin", ADMIN, "Clock", errors=(401,))},
    "/_sandbox/clock/advance": {
        "post": _op(
            "Move the virtual clock forward (test mode)",
            "admin",
            ADMIN,
            "Clock",
            errors=(400, 401, 409),
            body="ClockAdvance",
        )
    },
}


def document(base_url: str) -> dict:
    """Return the OpenAPI document with `base_url` as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CustomerGlu sandbox",
            "version": VERSION,
            "description": "The CustomerGlu API as the sandbox emulates it, and the "
            "sandbox's own admin API under /_sandbox.",
        },
        "servers": [{"url": base_url}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "writeKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                "writeKeyQuery": {"type": "apiKey", "in": "query", "name": "x-api-key"},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "adminToken": {"type": "apiKey", "in": "header", "name": "X-Sandbox-Admin-Token"},
                "adminTokenQuery": {"type": "apiKey", "in": "query", "name": "token"},
            },
        },
    }


def path_of(rule: str) -> str:
    """Return the OpenAPI path template of a Flask rule (/a/<b> -> /a/{b})."""
    import re

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
