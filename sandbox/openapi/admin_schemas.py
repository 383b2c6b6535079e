"""OpenAPI component schemas of the sandbox's own API under /_sandbox."""

from ..domain import faults
from .schema_kit import BOOL, INT, NSTR, OBJ, STR, nullable, obj, ref

NUM = {"type": "number"}
NNUM = {"type": ["number", "null"]}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


# One draw, as the play and the draws list both show it.
_DRAW = {
    "seq": INT,
    "roll": NUM,
    "thresholds": _array(NUM),
    "variant": NSTR,
    "rewardId": NSTR,
    "code": NSTR,
    "outcome": STR,
}

ADMIN_SCHEMAS = {
    "Explain": obj(
        {
            "userId": STR,
            "campaignId": STR,
            "granted": BOOL,
            "summary": STR,
            "plays": _array(OBJ),
            "events": _array(obj({"granted": BOOL, "reason": STR})),
        }
    ),
    "SheetCampaigns": obj(
        {
            "campaigns": _array(
                obj({"campaignId": STR, "variants": _array(OBJ), "noRewardChance": NUM})
            )
        },
        {"imported": BOOL},
    ),
    "PlayRequest": obj(
        {
            "userId": {"type": "string", "minLength": 1, "maxLength": 256},
            "campaignId": {"type": "string", "minLength": 1},
        },
        {"count": {"type": "integer", "minimum": 1, "maximum": 1000}},
    ),
    "Plays": obj({"plays": _array(obj({**_DRAW, "alreadyPlayed": BOOL}))}),
    "Draws": obj(
        {
            "campaignId": STR,
            "total": INT,
            "byVariant": _array(
                obj({"variant": NSTR, "configured": NUM, "draws": INT, "observed": NNUM})
            ),
            "draws": _array(obj({**_DRAW, "userId": STR, "at": STR})),
        }
    ),
    "Health": obj(
        {
            "status": STR,
            "store": STR,
            "schemaVersion": INT,
            "uptimeSeconds": {"type": "number"},
            "pid": INT,
            "streams": obj(
                {
                    "open": INT,
                    "capPerWorker": INT,
                    "heartbeatSeconds": INT,
                    "workers": {
                        "type": "array",
                        "items": obj(
                            {
                                "pid": INT,
                                "connections": {"type": ["integer", "null"]},
                                "sse": INT,
                                "ws": INT,
                                "refused": INT,
                            }
                        ),
                    },
                }
            ),
        },
        {"reason": STR},
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
    "TenantCreate": {
        "type": "object",
        "required": ["name"],
        "description": "name; region (in, us, me); timezone (IANA); the webhook URLs; empty: "
        "true for no campaigns (default: the demo set).",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
            "region": {"enum": ["in", "us", "me"]},
            "timezone": {"type": "string"},
            "rewardWebhookUrl": {"type": ["string", "null"]},
            "nudgeWebhookUrl": {"type": ["string", "null"]},
            "empty": {"type": "boolean"},
        },
    },
    "SecretImported": obj({"tenant": STR, "webhookSecret": STR}),
    "TlsRotated": obj({"fingerprint": STR, "folder": STR}),
    "ConformanceAsk": {
        "type": "object",
        "description": "url: test this receiver instead of the tenant's reward webhook URL.",
        "properties": {"url": {"type": "string"}},
    },
    "ViewerTokenAsk": {
        "type": "object",
        "description": "ttlDays (how long it opens the tenant's traffic; 30 by default), note.",
        "properties": {
            "ttlDays": {"type": "number", "exclusiveMinimum": 0, "maximum": 366},
            "note": {"type": "string", "maxLength": 200},
        },
    },
    "ViewerToken": obj({"tokenId": STR, "token": STR, "expiresAt": NUM, "inspector": STR}),
    "ViewerTokens": obj(
        {"viewerTokens": _array(obj({"tokenId": STR, "expiresAt": NUM, "revokedAt": NNUM}))}
    ),
    "Revoked": obj({"tokenId": STR, "revoked": BOOL}),
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
        },
        # A filter no index serves looked at a window of entries and stopped (journal/window.py).
        {"window": obj({"entries": INT, "reached": INT, "message": STR})},
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
    "SnapshotAsk": obj(
        {"name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}},
        {
            "tenants": nullable(_array(STR)),
            "journal": nullable(BOOL),
            "replace": nullable(BOOL),
        },
    ),
    "Snapshot": obj(
        {
            "format": STR,
            "name": STR,
            "takenAt": STR,
            "journal": BOOL,
            "migrations": _array(STR),
            "tenants": _array(obj({"id": STR, "name": STR})),
            "counts": OBJ,
            "parts": _array(obj({"name": STR, "bytes": INT, "sha256": STR})),
        },
        {"version": STR, "seed": STR, "testMode": BOOL, "clock": OBJ, "bytes": INT},
    ),
    "Snapshots": obj({"snapshots": _array(OBJ)}),
    "Restored": obj({"restored": ref("Snapshot"), "restoredAt": STR, "warnings": _array(STR)}),
    "Deleted": obj({"deleted": STR}),
    "FaultRule": obj(
        {"id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}},
        {
            "route": {"type": "string", "description": "a path pattern: /server/v4, /user/*, *"},
            "method": {"enum": ["*", "GET", "POST", "PUT", "PATCH", "DELETE"]},
            "status": {"enum": list(faults.STATUSES)},
            "retryAfter": {"type": "number", "minimum": 0, "maximum": 3600},
            "latencyMs": {"type": "number", "minimum": 0, "maximum": faults.MAX_LATENCY_MS},
            "reset": BOOL,
            "truncate": BOOL,
            "probability": {"type": "number", "minimum": 0, "maximum": 1},
            "count": {"type": "integer", "minimum": 1},
            "skip": {"type": "integer", "minimum": 0},
            "from": STR,
            "until": STR,
            "rateLimit": obj(
                {"requests": {"type": "integer", "minimum": 1}},
                {"perSeconds": {"type": "number", "minimum": 0.1}},
            ),
            "applied": INT,
        },
    ),
    "FaultPlanAsk": obj(
        {"rules": {"type": "array", "minItems": 1, "maxItems": 50, "items": ref("FaultRule")}},
        {"seed": nullable(STR)},
    ),
    "FaultPlan": obj({"rules": _array(ref("FaultRule")), "updatedAt": STR}, {"seed": NSTR}),
    "FaultsCleared": obj({"tenant": STR, "removed": BOOL}),
    "ClientChecks": obj(
        {
            "runId": STR,
            "tenantId": STR,
            "startedAt": STR,
            "requests": INT,
            "passed": BOOL,
            "results": _array(
                obj(
                    {
                        "check": STR,
                        "title": STR,
                        "result": {"enum": ["pass", "fail", "not_seen"]},
                        "notes": _array(STR),
                    }
                )
            ),
        },
        {"plan": OBJ, "after": INT},
    ),
    "ClientCheckRuns": obj(
        {
            "tenant": STR,
            "runs": _array(obj({"runId": STR, "tenantId": STR, "startedAt": STR, "after": INT})),
            "latest": nullable(ref("ClientChecks")),
        }
    ),
}
