"""OpenAPI component schemas: the JSON shapes of the emulated API, the admin API merged in."""

from .admin_schemas import ADMIN_SCHEMAS
from .inspector_schemas import INSPECTOR_SCHEMAS
from .outgoing_schemas import OUTGOING_SCHEMAS
from .schema_kit import BOOL, INT, NEED, NSTR, OBJ, STR, nullable, obj, ref, success

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
        "description": "userId, or anonymousId for an anonymous user; writeKey is required. "
        "deviceType is android, ios or default. A null field is read as absent.",
        "properties": {
            **{
                k: nullable(STR)
                for k in (
                    "userId",
                    "writeKey",
                    "anonymousId",
                    "userName",
                    "email",
                    "phone",
                    "deviceId",
                    "deviceType",
                    "deviceName",
                    "firebaseToken",
                    "apnsDeviceToken",
                    "cookieId",
                    "appVersion",
                    "referredBy",
                    "referralCode",
                )
            },
            **{k: nullable(OBJ) for k in ("customAttributes", "profile", "identities")},
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
        "description": "Any JSON value is accepted (200), as the real service accepts it: "
        "validation is deferred. What breaks the event schema (EventSchema) is flagged in "
        "the journal and in X-Sandbox-Event-Problems, not refused.",
    },
    "EventSchema": {
        "type": "object",
        "required": ["event_id", "event_name", "user_id", "timestamp"],
        "properties": {
            "event_id": STR,
            "event_name": STR,
            "user_id": STR,
            "timestamp": {"type": "string", "description": "ISO 8601 (…T10:00:00+0530)"},
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
        {"entrypointId": NEED},
        {
            "userId": nullable(STR),
            "campaignId": nullable(STR),
            "entryPointClicked": nullable(BOOL),
            "entryPointCompleteStateViewed": nullable(BOOL),
        },
    ),
    "IdLists": {
        "type": "object",
        "properties": {
            k: nullable({"type": "array", "items": STR})
            for k in ("activityIdList", "bannerIds", "embedIds")
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
    "SegmentUser": obj({"userId": NEED}),
    "SegmentChanged": success(message=STR),
    "SegmentStatus": success(obj({"isPresent": BOOL})),
    "PageRequest": {
        "type": "object",
        "description": "page and limit: positive whole numbers (others read as the defaults 1 "
        "and 50; limit at most 500).",
        "properties": {
            "filter": nullable(OBJ),
            "limit": nullable({"type": "number"}),
            "page": nullable({"type": "number"}),
        },
    },
    "Programs": success(
        obj({"programs": {"type": "array", "items": OBJ}, "page": INT, "limit": INT, "total": INT})
    ),
    "Rewards": success(
        obj({"rewards": {"type": "array", "items": OBJ}, "page": INT, "limit": INT, "total": INT})
    ),
    "GameOutcome": obj(
        {
            "won": BOOL,
            "variant": NSTR,
            "segment": nullable(INT),
            "reward": nullable(
                obj(
                    {
                        "rewardId": STR,
                        "rewardType": NSTR,
                        "rewardName": NSTR,
                        "rewardAmount": INT,
                        "code": STR,
                        "status": STR,
                    }
                )
            ),
            "outcome": STR,
            "seq": INT,
            "roll": {"type": "number"},
            "thresholds": {"type": "array", "items": {"type": "number"}},
            "alreadyPlayed": BOOL,
        }
    ),
    "Assets": success(obj({"hash": STR, "compressedAssets": STR}), message=STR),
    "NudgeTest": success(obj({"nudgeId": STR, "channel": STR, "stream": STR})),
    "NudgeAck": obj({"userId": NEED, "nudgeId": NEED}, {"clientId": nullable(STR)}),
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
        {"user_id": NEED, "platform": NEED},
        {"cg_sdk_version": nullable(STR), "data": nullable({"type": "array"})},
    ),
    "TestStepsReceived": success(obj({"received": INT})),
}
SCHEMAS.update(ADMIN_SCHEMAS)
SCHEMAS.update(OUTGOING_SCHEMAS)
SCHEMAS.update(INSPECTOR_SCHEMAS)
