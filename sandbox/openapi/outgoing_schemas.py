"""Schemas of the outgoing-requests routes: deliveries, attempts, reports, settings, receiver."""

from ..domain.nudges import definitions
from .schema_kit import BOOL, INT, NSTR, OBJ, STR, nullable, obj, success

NINT = {"type": ["integer", "null"]}
_DELIVERY = {
    "deliveryId": STR,
    "tenantId": STR,
    "kind": STR,
    "status": STR,
    "attempts": INT,
    "decision": NSTR,
    "payload": OBJ,
}
ATTEMPT = obj(
    {
        "n": INT,
        "trigger": STR,
        "at": STR,
        "url": STR,
        "request": OBJ,
        "response": obj({"status": NINT}),
        "errorClass": NSTR,
        "decision": STR,
        "nextAttemptAt": NSTR,
    }
)

NUDGE = obj({"nudgeId": STR, "userId": STR, "trigger": STR, "state": STR, "channels": OBJ})

OUTGOING_SCHEMAS = {
    "NudgeDefinitions": obj({"nudges": {"type": "array", "items": obj({"nudgeId": STR})}}),
    "Nudges": obj({"nudges": {"type": "array", "items": NUDGE}}),
    "Nudge": NUDGE,
    "NudgeSent": obj({"nudgeId": STR}),
    "NudgeSend": {
        "type": "object",
        "required": ["userId"],
        "description": "userId, and optionally title, body, image, clickAction, pageType, button, "
        "channels (inapp, webhook, push), delaySeconds, expirySeconds, campaignId.",
        "properties": {
            "userId": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": "\\S"},
            "title": {"type": "string"},
            "channels": {
                "type": "array",
                "items": {"enum": list(definitions.CHANNELS)},
            },
            "pageType": {"enum": list(definitions.PAGE_TYPES)},
            "delaySeconds": {"type": "number", "minimum": 0, "maximum": 31622400},
            "expirySeconds": {"type": "number", "minimum": 0, "maximum": 31622400},
        },
    },
    "Deliveries": obj(
        {"deliveries": {"type": "array", "items": obj(_DELIVERY)}, "total": INT, "limit": INT},
        # total counts up to 10,000 matches; past that it is 10,000 and this is true.
        {"totalCapped": {"type": "boolean"}},
    ),
    "Delivery": obj(
        {**_DELIVERY, "schedule": STR, "attemptList": {"type": "array", "items": ATTEMPT}}
    ),
    "Resend": {
        "type": "object",
        "description": "Optional: {url} sends this one attempt to another URL.",
        "properties": {"url": {"type": "string", "minLength": 1}},
    },
    "Retried": obj({"retried": INT, "results": {"type": "array", "items": OBJ}}),
    "Reports": obj(
        {
            "reports": {
                "type": "array",
                "items": obj({"reportId": STR, "rows": INT, "encrypted": BOOL, "note": NSTR}),
            }
        }
    ),
    "TenantPatch": {
        "type": "object",
        "description": "Any of: rewardWebhookUrl, nudgeWebhookUrl (URL or null), timezone "
        "(IANA), delivery {tries, baseSeconds, factor, jitter, maxSeconds, connectTimeout, "
        "readTimeout, standardWebhooks, endOfDay}, gpgPublicKey (armored or null).",
        "properties": {
            "rewardWebhookUrl": nullable(STR),
            "nudgeWebhookUrl": nullable(STR),
            "timezone": STR,
            "delivery": OBJ,
            "gpgPublicKey": nullable(STR),
        },
    },
    "TenantSettings": obj(
        {"id": STR, "name": STR, "delivery": obj({"schedule": STR, "reportsEncrypted": BOOL})}
    ),
    "TenantPatched": obj(
        {
            "id": STR,
            "name": STR,
            "delivery": obj({"schedule": STR, "reportsEncrypted": BOOL}),
            "warnings": {"type": "array", "items": STR},
        }
    ),
    "Trigger": obj(
        {"kind": {"enum": ["reward", "nudge"]}, "userId": {"type": "string", "minLength": 1}}
    ),
    "HookProgram": {
        "type": "object",
        "description": "statuses (a sequence; the last repeats), behaviour (answer, timeout, "
        "close, stall), delaySeconds, retryAfter, couponCode (a code or 'sequence').",
        "properties": {
            "statuses": {
                "type": "array",
                "minItems": 1,
                "maxItems": 100,
                "items": {"type": "integer", "minimum": 200, "maximum": 599},
            },
            "behaviour": {"enum": ["answer", "timeout", "close", "stall"]},
            "delaySeconds": {"type": "number", "minimum": 0, "maximum": 120},
            "retryAfter": {"type": ["integer", "null"], "minimum": 0},
            "couponCode": {"type": ["string", "null"], "minLength": 1, "maxLength": 100},
        },
    },
    "Hook": obj(
        {"name": STR, "url": STR, "program": OBJ, "served": INT, "calls": {"type": "array"}}
    ),
    "FailedDeliveries": success(
        obj(
            {
                "deliveries": {"type": "array", "items": obj({"deliveryId": STR, "payload": OBJ})},
                "page": INT,
                "limit": INT,
                "total": INT,
            },
            {"totalCapped": {"type": "boolean"}},
        )
    ),
}
