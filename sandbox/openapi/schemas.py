"""OpenAPI component schemas: the JSON shapes of the emulated API and the admin API."""

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
OBJ = {"type": "object"}


def ref(name: str) -> dict:
    """Return a $ref to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: dict, optional: dict | None = None) -> dict:
    """Return an object schema with required and optional properties (others allowed)."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


def success(data: dict | None = None, **extra) -> dict:
    """Return the {"success": true, "data": ...} envelope schema."""
    required = {"success": {"const": True}}
    if data is not None:
        required["data"] = data
    return obj(required, extra)


CHECK = obj(
    {
        "name": STR,
        "result": {"enum": ["pass", "fail", "skip"]},
        "expected": NSTR,
        "got": {"type": ["string", "null"]},
    }
)

SCHEMAS = {
    "Check": CHECK,
    "ApiError": obj(
        {"success": {"const": False}, "message": STR, "reason": STR},
        {
            "hint": STR,
            "checks": {"type": "array", "items": ref("Check")},
            "requestId": NSTR,
            "journal": NSTR,
            "missing": {"type": "array", "items": STR},
            "suggestions": {"type": "array", "items": STR},
            "allowed": {"type": "array", "items": STR},
            "error": obj({"message": STR}),
        },
    ),
    "AdminError": obj({"error": STR, "message": STR, "reason": STR}, {"hint": STR}),
    "Registration": {
        "type": "object",
        "description": "userId, or anonymousId for an anonymous user; writeKey is required.",
        "properties": {
            "userId": STR,
            "writeKey": STR,
            "anonymousId": STR,
            "userName": STR,
            "email": STR,
            "phone": STR,
            "deviceId": STR,
            "deviceType": {"enum": ["android", "ios", "default"]},
            "deviceName": STR,
            "firebaseToken": STR,
            "apnsDeviceToken": STR,
            "cookieId": STR,
            "appVersion": STR,
            "referredBy": STR,
            "referralCode": STR,
            "customAttributes": OBJ,
            "profile": OBJ,
            "identities": OBJ,
        },
    },
    "User": obj(
        {
            "id": STR,
            "userId": STR,
            "gluId": STR,
            "client": STR,
            "anonymousId": NSTR,
            "userName": NSTR,
            "email": NSTR,
            "phone": NSTR,
            "cookieId": NSTR,
            "appVersion": NSTR,
            "referralLink": NSTR,
            "referredBy": NSTR,
            "referralCode": NSTR,
            "sessionId": NSTR,
            "deviceId": NSTR,
            "deviceType": NSTR,
            "deviceName": NSTR,
            "profile": obj(
                {k: {} for k in ("firstName", "lastName", "age", "city", "country", "timezone")}
            ),
            "identities": OBJ,
        }
    ),
    "Registered": success(obj({"user": ref("User")}, {"token": STR})),
    "Banner": {"type": "object", "additionalProperties": STR},
    "Campaign": obj(
        {
            "campaignId": STR,
            "url": {"type": "string", "pattern": r"\?"},
            "type": STR,
            "status": STR,
        },
        {"banner": ref("Banner")},
    ),
    "Campaigns": obj(
        {
            "success": {"const": True},
            "defaultUrl": {"type": "string", "pattern": r"\?"},
            "defaultBanner": obj({"liveCampaignCount": INT, "totalRewardCount": INT}),
            "campaigns": {"type": "array", "items": ref("Campaign")},
        }
    ),
    "Event": {
        "type": "object",
        "description": "Accepted loosely; schema breaks are flagged.",
        "properties": {
            "event_id": STR,
            "event_name": STR,
            "user_id": STR,
            "timestamp": STR,
            "event_properties": OBJ,
        },
    },
    "KinesisAck": obj(
        {"ShardId": STR, "SequenceNumber": {"type": "string", "pattern": "^[0-9]+$"}}
    ),
    "Success": success(),
    "SdkConfig": success(
        obj(
            {
                "mobile": obj(
                    {
                        "enableSse": BOOL,
                        "enableMqtt": {"const": False},
                        "enableSslPinning": {"const": False},
                        "allowedRetryCount": INT,
                        "whiteListedDomains": {"type": "array", "items": STR},
                        "testUserIds": {"type": "array", "items": STR},
                    }
                )
            }
        )
    ),
    "EntryPoint": obj(
        {
            "_id": STR,
            "consumer": STR,
            "visibility": obj({"entryPointClicked": BOOL, "entryPointCompleteStateViewed": BOOL}),
            "mobile": obj(
                {
                    "container": obj(
                        {
                            "type": {
                                "enum": [
                                    "BANNER",
                                    "EMBEDDED",
                                    "FLOATING",
                                    "POPUP",
                                    "PIP",
                                    "AD_POPUP",
                                ]
                            },
                            "height": STR,
                            "width": STR,
                        }
                    ),
                    "content": {"type": "array", "items": OBJ},
                    "conditions": obj({"showCount": obj({"count": INT})}),
                }
            ),
        }
    ),
    "EntryPoints": success({"type": "array", "items": ref("EntryPoint")}),
    "UserState": obj(
        {
            "id": STR,
            "entrypointId": STR,
            "client": STR,
            "userId": STR,
            "campaignId": STR,
            "v": INT,
            "entryPointClicked": BOOL,
            "entryPointCompleteStateViewed": BOOL,
        }
    ),
    "UserStates": success({"type": "array", "items": ref("UserState")}),
    "UserStateUpdate": obj(
        {"entrypointId": STR},
        {
            "userId": STR,
            "campaignId": STR,
            "entryPointClicked": BOOL,
            "entryPointCompleteStateViewed": BOOL,
        },
    ),
    "IdLists": {
        "type": "object",
        "properties": {
            k: {"type": "array", "items": STR} for k in ("activityIdList", "bannerIds", "embedIds")
        },
    },
    "PlatformIdLists": success(
        {
            "type": "object",
            "additionalProperties": obj(
                {"android": {"type": "array", "items": STR}, "ios": {"type": "array", "items": STR}}
            ),
        }
    ),
    "Deeplink": success(
        obj(
            {
                "anonymous": BOOL,
                "client": STR,
                "container": obj({"type": STR, "absoluteHeight": INT, "relativeHeight": INT}),
                "content": obj(
                    {"campaignId": STR, "closeOnDeepLink": BOOL, "type": STR, "url": STR}
                ),
            }
        ),
        message=STR,
    ),
    "SegmentUser": obj({"userId": STR}),
    "SegmentChanged": success(message=STR),
    "SegmentStatus": success(obj({"isPresent": BOOL})),
    "PageRequest": {"type": "object", "properties": {"filter": OBJ, "limit": INT, "page": INT}},
    "Programs": success(
        obj({"programs": {"type": "array", "items": OBJ}, "page": INT, "limit": INT, "total": INT})
    ),
    "Rewards": success(
        obj({"rewards": {"type": "array", "items": OBJ}, "page": INT, "limit": INT, "total": INT})
    ),
    "Assets": success(obj({"hash": STR, "compressedAssets": STR}), message=STR),
    "NudgeTest": success(obj({"nudgeId": STR, "channel": STR, "stream": STR})),
    "NudgeAck": obj({"userId": STR, "nudgeId": STR}, {"clientId": STR}),
    "NudgeAcked": obj({"status": {"const": "success"}}),
    "NotificationConfig": success(
        obj(
            {
                k: BOOL
                for k in (
                    "apnsDeviceToken",
                    "firebaseToken",
                    "privateKeyApns",
                    "privateKeyFirebase",
                )
            }
        )
    ),
    "TestSteps": obj(
        {"user_id": STR, "platform": STR}, {"cg_sdk_version": STR, "data": {"type": "array"}}
    ),
    "TestStepsReceived": success(obj({"received": INT})),
    "Health": obj(
        {
            "status": STR,
            "store": STR,
            "schemaVersion": INT,
            "uptimeSeconds": {"type": "number"},
            "pid": INT,
        }
    ),
    "AdminIndex": obj(
        {
            "sandbox": STR,
            "version": STR,
            "baseUrl": STR,
            "testMode": BOOL,
            "clock": OBJ,
            "journalEntries": INT,
            "routes": {"type": "array", "items": STR},
        }
    ),
    "Tenant": obj(
        {
            "id": STR,
            "name": STR,
            "region": STR,
            "writeKey": STR,
            "jwtSecret": STR,
            "webhookSecret": STR,
            "timezone": NSTR,
            "created_at": NSTR,
            "reward_webhook_url": NSTR,
            "nudge_webhook_url": NSTR,
        }
    ),
    "Tenants": obj({"tenants": {"type": "array", "items": ref("Tenant")}}),
    "JournalSummary": obj(
        {
            "id": INT,
            "request_id": STR,
            "ts": STR,
            "method": STR,
            "path": STR,
            "status": {"type": ["integer", "null"]},
            "url": STR,
            "flags": {"type": "array", "items": STR},
        }
    ),
    "JournalPage": obj(
        {
            "entries": {"type": "array", "items": ref("JournalSummary")},
            "count": INT,
            "next": {"type": ["object", "null"]},
        }
    ),
    "JournalEntry": obj(
        {
            "id": INT,
            "request_id": STR,
            "method": STR,
            "path": STR,
            "headers": OBJ,
            "status": {"type": ["integer", "null"]},
            "checks": {"type": ["array", "null"]},
        }
    ),
    "Clock": obj(
        {"virtual": BOOL, "now": STR},
        {"offset": {"type": "number"}, "frozen_at": {"type": ["number", "null"]}},
    ),
    "ClockAdvance": obj({"seconds": {"type": "number", "minimum": 0}}),
}
