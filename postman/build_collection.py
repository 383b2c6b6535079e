"""Build the Postman collection and environment (postman/*.json).

Folder 0 is made from the sandbox's route declarations (from_openapi.py); the folders after
it walk the integration steps as a partner would, with the chained token and the checks of
each answer's meaning.

Run `python postman/build_collection.py` after changing it; tests/test_postman.py fails when the
committed JSON files differ from what this script writes.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the sandbox, whose routes make the first folder
from from_openapi import every_route  # noqa: E402

from sandbox.openapi.declare import EXAMPLE_CAMPAIGN  # noqa: E402

COLLECTION = HERE / "customerglu-sandbox.postman_collection.json"
ENVIRONMENT = HERE / "localhost.postman_environment.json"
# The demo tenant lives in one place, the fixtures the sandbox seeds itself from.
DEMO_KEY = json.loads((HERE.parent / "fixtures" / "tenants.json").read_text())["tenants"][0][
    "writeKey"
]
VIP_CAMPAIGN = EXAMPLE_CAMPAIGN

JSON_HEADER = {"key": "Content-Type", "value": "application/json"}
KEY_HEADER = {"key": "x-api-key", "value": "{{writeKey}}"}
BEARER_HEADER = {"key": "Authorization", "value": "Bearer {{token}}"}
ADMIN_HEADER = {"key": "X-Sandbox-Admin-Token", "value": "{{adminToken}}"}

OK = [
    "pm.test('status is 200', () => pm.response.to.have.status(200));",
    "pm.test('JSON body', () => pm.response.to.be.json);",
]
SUCCESS = OK + [
    "const body = pm.response.json();",
    "pm.test('success is the boolean true', () => pm.expect(body.success).to.equal(true));",
]
B64URL = [
    "const cjs = require('crypto-js');",
    "const b64url = (words) => cjs.enc.Base64.stringify(words).replace(/=+$/, '')"
    ".replace(/\\+/g, '-').replace(/\\//g, '_');",
    "const enc = (obj) => b64url(cjs.enc.Utf8.parse(JSON.stringify(obj)));",
    "const dec = (part) => JSON.parse(cjs.enc.Base64.parse(part.replace(/-/g, '+')"
    ".replace(/_/g, '/')).toString(cjs.enc.Utf8));",
    "const [head, payload, sig] = pm.collectionVariables.get('token').split('.');",
    "const claims = dec(payload);",
]


def request(name, method, path, body=None, headers=(), tests=(), pre=(), description=""):
    """Return one collection item."""
    item = {
        "name": name,
        "request": {"method": method, "header": list(headers), "url": "{{baseUrl}}" + path},
    }
    if description:
        item["request"]["description"] = description
    if body is not None:
        raw = body if isinstance(body, str) else json.dumps(body, indent=2)
        item["request"]["body"] = {
            "mode": "raw",
            "raw": raw,
            "options": {"raw": {"language": "json"}},
        }
        if JSON_HEADER not in item["request"]["header"]:
            item["request"]["header"].insert(0, JSON_HEADER)
    events = []
    if pre:
        events.append(
            {"listen": "prerequest", "script": {"type": "text/javascript", "exec": list(pre)}}
        )
    if tests:
        events.append(
            {"listen": "test", "script": {"type": "text/javascript", "exec": list(tests)}}
        )
    if events:
        item["event"] = events
    return item


def folder(name, description, items):
    """Return one collection folder."""
    return {"name": name, "description": description, "item": items}


def explained_401(reason):
    """Return the Postman tests of an explained 401 with the given reason code."""
    return [
        "pm.test('status is 401', () => pm.response.to.have.status(401));",
        "const body = pm.response.json();",
        "pm.test('the SDKs can read it', () => { pm.expect(body.success).to.equal(false); "
        "pm.expect(body.message).to.be.a('string'); });",
        f"pm.test('reason is {reason}', () => pm.expect(body.reason).to.equal('{reason}'));",
        "pm.test('explained: hint, checks[], journal link', () => {",
        "  pm.expect(body.hint).to.be.a('string');",
        "  pm.expect(body.checks[body.checks.length - 1].result).to.equal('fail');",
        "  pm.expect(body.journal).to.include('/_sandbox/journal/');",
        "});",
        "pm.test('no secret echoed whole', () => pm.expect(pm.response.text())"
        ".not.to.include(pm.environment.get('writeKey') || pm.collectionVariables.get("
        "'writeKey')));",
    ]


def load_ui():
    """Folder 1: what the SDKs call to show campaigns and entry points."""
    return folder(
        "1 Load UI",
        "Config, registration, campaigns, entry points and their state, "
        "in the order the iOS SDK calls them.",
        [
            request(
                "SDK config",
                "GET",
                "/client/v1/sdk/config",
                headers=[KEY_HEADER],
                tests=SUCCESS
                + [
                    "const mobile = body.data.mobile;",
                    "pm.test('SSE on, MQTT off, no SSL pinning', () => { "
                    "pm.expect(mobile.enableSse).to.equal(true); "
                    "pm.expect(mobile.enableMqtt).to.equal(false); "
                    "pm.expect(mobile.enableSslPinning).to.equal(false); });",
                    "pm.test('the sandbox host is whitelisted', () => pm.expect("
                    "mobile.whiteListedDomains).to.include(pm.request.url.getHost()));",
                ],
            ),
            request(
                "Register user",
                "POST",
                "/user/v1/user/sdk?token=true",
                body={
                    "userId": "{{userId}}",
                    "writeKey": "{{writeKey}}",
                    "deviceType": "android",
                    "deviceId": "postman-device",
                    "deviceName": "Postman",
                    "appVersion": "1.0",
                    "customAttributes": {"source": "postman"},
                },
                pre=[
                    "// A fresh user every run, so the collection can run again and again.",
                    "pm.collectionVariables.set('userId', 'pm-' + Date.now() + '-' + "
                    "Math.floor(Math.random() * 1e6));",
                ],
                tests=SUCCESS
                + [
                    "pm.test('a JWT and the user', () => { "
                    "pm.expect(body.data.token.split('.').length).to.equal(3); "
                    "pm.expect(body.data.user.userId).to.equal("
                    "pm.collectionVariables.get('userId')); });",
                    "pm.collectionVariables.set('token', body.data.token);",
                    "pm.collectionVariables.set('clientId', body.data.user.client);",
                ],
            ),
            request(
                "Update user attributes",
                "POST",
                "/user/v1/user/sdk/updateuser?token=true",
                headers=[BEARER_HEADER],
                body={"profile": {"city": "Pune"}, "customAttributes": {"tier": "gold"}},
                tests=SUCCESS
                + [
                    "pm.test('attributes stored', () => { "
                    "pm.expect(body.data.user.profile.city).to.equal('Pune'); "
                    "pm.expect(body.data.user.customAttributes.tier).to.equal('gold'); });",
                    "pm.collectionVariables.set('token', body.data.token);",
                ],
            ),
            request(
                "Load campaigns (wallet)",
                "GET",
                "/reward/v1.1/user",
                headers=[BEARER_HEADER],
                tests=SUCCESS
                + [
                    "pm.test('wallet URL contains ?', () => pm.expect(body.defaultUrl)"
                    ".to.include('?'));",
                    "pm.test('every campaign decodes on iOS', () => body.campaigns.forEach(c => "
                    "['campaignId', 'url', 'type', 'status'].forEach(k => pm.expect(c[k])"
                    ".to.be.a('string').and.not.empty)));",
                    "pm.test('campaign URLs contain ?', () => body.campaigns.forEach(c => "
                    "pm.expect(c.url).to.include('?')));",
                    "pm.collectionVariables.set('campaignId', body.campaigns[0].campaignId);",
                    "pm.collectionVariables.set('campaignIds', body.campaigns.map(c => "
                    "c.campaignId).join(','));",
                ],
            ),
            request(
                "Load one campaign",
                "GET",
                "/reward/v1.1/user/{{campaignId}}?campaignId={{campaignId}}",
                headers=[BEARER_HEADER],
                tests=SUCCESS
                + [
                    "pm.test('exactly that campaign', () => { "
                    "pm.expect(body.campaigns.length).to.equal(1); "
                    "pm.expect(body.campaigns[0].campaignId).to.equal("
                    "pm.collectionVariables.get('campaignId')); });"
                ],
            ),
            request(
                "Entry points (iOS)",
                "GET",
                "/entrypoints/v2/list/{{writeKey}}?consumer=MOBILE&x-api-key={{writeKey}}"
                "&campaignIds={{campaignIds}}",
                headers=[KEY_HEADER, BEARER_HEADER],
                tests=SUCCESS
                + [
                    "pm.test('fields iOS force-unwraps', () => body.data.forEach(ep => { "
                    "pm.expect(ep.mobile.container.type).to.be.a('string'); "
                    "pm.expect(ep.mobile.content).to.be.an('array'); "
                    "pm.expect(ep.mobile.conditions.showCount.count).to.be.a('number'); }));",
                    "pm.collectionVariables.set('entrypointId', body.data[0]._id);",
                ],
            ),
            request(
                "Entry points (Android)",
                "GET",
                "/entrypoints/v1/list?consumer=MOBILE",
                headers=[BEARER_HEADER],
                tests=SUCCESS
                + [
                    "pm.test('etag header', () => pm.response.to.have.header('etag'));",
                    "pm.test('a list', () => pm.expect(body.data).to.be.an('array'));",
                ],
            ),
            request(
                "Record entry point click",
                "POST",
                "/entrypoints/v1/user/state",
                headers=[BEARER_HEADER],
                body={
                    "entrypointId": "{{entrypointId}}",
                    "userId": "{{userId}}",
                    "campaignId": "{{campaignId}}",
                    "entryPointClicked": True,
                },
                tests=SUCCESS
                + [
                    "pm.test('click stored', () => pm.expect("
                    "body.data[0].entryPointClicked).to.equal(true));"
                ],
            ),
            request(
                "User state",
                "GET",
                "/entrypoints/v1/user/state",
                headers=[BEARER_HEADER],
                tests=SUCCESS
                + ["pm.test('one state', () => pm.expect(body.data.length).to.equal(1));"],
            ),
        ],
    )


EVENT = {
    "event_id": "{{eventId}}",
    "event_name": "completePurchase",
    "user_id": "{{userId}}",
    "timestamp": "2026-11-27T10:00:00+0530",
    "event_properties": {"amount": 500},
}
KINESIS = OK + [
    "const body = pm.response.json();",
    "pm.test('ShardId / SequenceNumber', () => { "
    "pm.expect(body.ShardId).to.equal('shardId-000000000000'); "
    "pm.expect(body.SequenceNumber).to.match(/^[0-9]+$/); });",
]


def events():
    """Folder 2: events ingest and SDK telemetry."""
    return folder(
        "2 Events",
        "Server events, SDK analytics and diagnostics.",
        [
            request(
                "Send event",
                "POST",
                "/server/v4",
                headers=[KEY_HEADER],
                body=EVENT,
                pre=["pm.collectionVariables.set('eventId', pm.variables.replaceIn('{{$guid}}'));"],
                tests=KINESIS
                + [
                    "pm.test('valid: no problems flagged', () => pm.response.to.not.have"
                    ".header('X-Sandbox-Event-Valid'));",
                    "pm.collectionVariables.set('eventRequestId', "
                    "pm.response.headers.get('X-Sandbox-Request-Id'));",
                ],
            ),
            request(
                "Send the same event again",
                "POST",
                "/server/v4",
                headers=[KEY_HEADER],
                body=EVENT,
                tests=KINESIS
                + [
                    "pm.test('stored once, flagged duplicate', () => pm.expect("
                    "pm.response.headers.get('X-Sandbox-Duplicate')).to.match(/^true/));"
                ],
            ),
            request(
                "Send an event that breaks the schema",
                "POST",
                "/server/v4",
                headers=[KEY_HEADER],
                body={
                    "event_id": "{{$guid}}",
                    "event_name": "completePurchase",
                    "user_id": "{{userId}}",
                    "timestamp": "yesterday",
                },
                tests=KINESIS
                + [
                    "pm.test('answered 200 but flagged', () => { "
                    "pm.expect(pm.response.headers.get('X-Sandbox-Event-Valid')).to.equal("
                    "'false'); pm.expect(pm.response.headers.get('X-Sandbox-Event-Problems'))"
                    ".to.include('timestamp'); });"
                ],
            ),
            request(
                "SDK analytics event",
                "POST",
                "/v4/sdk",
                headers=[KEY_HEADER, {"key": "X-GLU-AUTH", "value": "Bearer {{token}}"}],
                body={
                    "event_name": "ENTRY_POINT_CLICK",
                    "event_id": "{{$guid}}",
                    "analytics_version": "4.0.0",
                    "type": "track",
                    "user_id": "{{userId}}",
                    "timestamp": "2026-11-27T10:00:00.000Z",
                    "platform_details": {
                        "device_type": "phone",
                        "os": "ANDROID",
                        "sdk_version": "2.3.14",
                    },
                },
                tests=KINESIS,
            ),
            request(
                "Diagnostics record",
                "POST",
                "/sdk/v4",
                headers=[KEY_HEADER],
                body={
                    "timestamp": "2026-11-27T10:00:00.000Z",
                    "type": "log",
                    "log_type": "INFO",
                    "event_name": "SDK_INIT",
                    "event_id": "{{$guid}}",
                    "user_id": "{{userId}}",
                },
                tests=SUCCESS,
            ),
            request(
                "Crash report",
                "PUT",
                "/api/v1/report",
                headers=[KEY_HEADER],
                body={
                    "timestamp": "2026-11-27T10:00:00.000Z",
                    "platform": "android",
                    "stack_trace": "java.lang.NullPointerException",
                    "version": "1.0",
                    "user_id": "{{userId}}",
                    "app_name": "Postman",
                },
                tests=SUCCESS,
            ),
        ],
    )


def nudges():
    """Folder 3: the nudge test (a frame on the user's SSE stream) and its acknowledgement."""
    return folder(
        "3 Nudges",
        "Open GET {{baseUrl}}/sse?userId={{userId}}&clientId={{clientId}} "
        "in a browser or with curl -N to watch the frame arrive.",
        [
            request(
                "Send test nudge (SSE)",
                "POST",
                "/integrations/v1/nudge/sdk/test",
                headers=[BEARER_HEADER],
                body={"userId": "{{userId}}"},
                tests=SUCCESS
                + [
                    "pm.test('queued for SSE', () => pm.expect(body.data.channel).to.equal("
                    "'sse'));",
                    "pm.collectionVariables.set('nudgeId', body.data.nudgeId);",
                ],
            ),
            request(
                "Acknowledge nudge",
                "POST",
                "/ack-nudge",
                headers=[KEY_HEADER],
                body={"userId": "{{userId}}", "clientId": "{{clientId}}", "nudgeId": "{{nudgeId}}"},
                tests=OK
                + [
                    "pm.test('acknowledged', () => pm.expect(pm.response.json().status)"
                    ".to.equal('success'));"
                ],
            ),
            request(
                "Notification config",
                "POST",
                "/integrations/v1/onboarding/sdk/notification-config",
                headers=[KEY_HEADER],
                body={"userId": "{{userId}}"},
                tests=SUCCESS
                + [
                    "pm.test('booleans', () => Object.values(body.data).forEach(v => "
                    "pm.expect(v).to.be.a('boolean')));"
                ],
            ),
        ],
    )


def segments_and_links():
    """Folder 4: API segmentation and deep links."""
    seg = "/segment/{{segmentCampaignId}}/user"
    user = {"userId": "{{userId}}"}
    return folder(
        "4 Segments and deep links",
        "A segment-only campaign appears once the user is added to its segment.",
        [
            request(
                "Add user to segment",
                "POST",
                f"{seg}/add",
                headers=[KEY_HEADER],
                body=user,
                tests=SUCCESS
                + [
                    "pm.test('added', () => pm.expect(body.message).to.equal("
                    "'User added to campaign successfully'));"
                ],
            ),
            request(
                "Segment status",
                "POST",
                f"{seg}/status",
                headers=[KEY_HEADER],
                body=user,
                tests=SUCCESS
                + ["pm.test('present', () => pm.expect(body.data.isPresent).to.equal(true));"],
            ),
            request(
                "Segment campaign is now loaded",
                "GET",
                "/reward/v1.1/user",
                headers=[BEARER_HEADER],
                tests=SUCCESS
                + [
                    "pm.test('the segment campaign is listed', () => pm.expect(body.campaigns"
                    ".map(c => c.campaignId)).to.include(pm.variables.get("
                    "'segmentCampaignId')));"
                ],
            ),
            request(
                "Remove user from segment",
                "DELETE",
                f"{seg}/delete",
                headers=[KEY_HEADER],
                body=user,
                tests=SUCCESS
                + [
                    "pm.test('removed', () => pm.expect(body.message)"
                    ".to.equal('User removed from campaign "
                    "successfully'));"
                ],
            ),
            request(
                "Resolve deep link",
                "GET",
                "/api/v1/wormhole/sdk/url?id=spin-today",
                headers=[KEY_HEADER],
                tests=SUCCESS
                + [
                    "pm.test('integer heights (Android reads Integer)', () => { "
                    "pm.expect(Number.isInteger(body.data.container.absoluteHeight)).to.be"
                    ".true; pm.expect(Number.isInteger(body.data.container.relativeHeight))"
                    ".to.be.true; });"
                ],
            ),
            request(
                "Asset bundle",
                "GET",
                "/reward/v1.1/client/assets",
                headers=[KEY_HEADER],
                tests=SUCCESS
                + [
                    "pm.test('hash and zip URL', () => { "
                    "pm.expect(body.data.hash).to.have.lengthOf(32); "
                    "pm.expect(body.data.compressedAssets).to.match(/\\.zip$/); "
                    "});"
                ],
            ),
        ],
    )


def admin():
    """Folder 5: the admin API, answering "did you receive it?"."""
    admin_ok = OK + ["const body = pm.response.json();"]
    return folder(
        "5 Admin",
        "Needs adminToken (the banner prints it; also in <data dir>/admin_token).",
        [
            request(
                "Health (open)",
                "GET",
                "/_sandbox/health",
                tests=admin_ok
                + ["pm.test('store ok', () => pm.expect(body.store).to.equal('ok'));"],
            ),
            request(
                "Did you receive my event?",
                "GET",
                "/_sandbox/journal?event_id={{eventId}}",
                headers=[ADMIN_HEADER],
                tests=admin_ok
                + [
                    "pm.test('both posts are journaled', () => pm.expect(body.count).to.equal(2));",
                    "pm.test('newest first, the duplicate flagged', () => pm.expect("
                    "body.entries[0].flags).to.include('duplicate'));",
                ],
            ),
            request(
                "The event's journal entry",
                "GET",
                "/_sandbox/journal/{{eventRequestId}}",
                headers=[ADMIN_HEADER],
                tests=admin_ok
                + [
                    "pm.test('stored with its verdict', () => { "
                    "pm.expect(body.status).to.equal(200); "
                    "pm.expect(body.auth_result).to.equal('pass'); "
                    "pm.expect(body.event_id).to.equal(pm.collectionVariables.get('eventId'));"
                    " });",
                    "pm.test('the key is masked', () => pm.expect(body.headers['X-Api-Key'] || "
                    "body.headers['x-api-key']).to.include('sha256:'));",
                ],
            ),
            request(
                "Tenants",
                "GET",
                "/_sandbox/tenants",
                headers=[ADMIN_HEADER],
                tests=admin_ok
                + [
                    "pm.test('secrets masked', () => body.tenants.forEach(t => "
                    "pm.expect(t.jwtSecret).to.include('sha256:')));"
                ],
            ),
            request(
                "OpenAPI document",
                "GET",
                "/_sandbox/openapi.json",
                headers=[ADMIN_HEADER],
                tests=admin_ok
                + ["pm.test('OpenAPI 3.1', () => pm.expect(body.openapi).to.equal('3.1.0'));"],
            ),
        ],
    )


def _crafted(name, lines):
    """Return pre-request lines that store a crafted token in the variable `name`."""
    return B64URL + lines + [f"pm.variables.set('{name}', crafted);"]


def auth_failures():
    """Folder 6: one request per explained 401 reason the collection can produce."""
    ev = "/server/v4"
    body = {
        "event_id": "{{$guid}}",
        "event_name": "authCheck",
        "user_id": "{{userId}}",
        "timestamp": "2026-11-27T10:00:00Z",
        "event_properties": {},
    }
    load = "/reward/v1.1/user"
    mangle = ["const key = pm.variables.get('writeKey');"]

    def key_case(reason, headers=(), path=ev, b=body, pre=()):
        return request(
            reason,
            "POST" if b is not None else "GET",
            path,
            headers=headers,
            body=b,
            pre=pre,
            tests=explained_401(reason),
        )

    def bearer_case(reason, value, pre=()):
        return request(
            reason,
            "GET",
            load,
            headers=[{"key": "Authorization", "value": value}],
            pre=pre,
            tests=explained_401(reason),
        )

    return folder(
        "6 Auth failures",
        "Every explained 401 the collection can trigger; the "
        "pytest suite covers the ones that need a tenant's secrets.",
        [
            key_case("writekey_missing"),
            key_case("writekey_wrong_place", [{"key": "Authorization", "value": "{{writeKey}}"}]),
            key_case("writekey_quoted", [{"key": "x-api-key", "value": '"{{writeKey}}"'}]),
            request(
                "writekey_whitespace",
                "POST",
                "/user/v1/user/sdk?token=true",
                body={"userId": "{{userId}}", "writeKey": "{{writeKey}}\n"},
                tests=explained_401("writekey_whitespace"),
            ),
            key_case(
                "writekey_truncated",
                [{"key": "x-api-key", "value": "{{shortKey}}"}],
                pre=mangle
                + ["pm.variables.set('shortKey', key.slice(0, Math.ceil(key.length * 0.8)));"],
            ),
            key_case(
                "writekey_typo",
                [{"key": "x-api-key", "value": "{{typoKey}}"}],
                pre=mangle
                + [
                    "const c = key[5] === 'x' ? 'y' : 'x';",
                    "pm.variables.set('typoKey', key.slice(0, 5) + c + key.slice(6));",
                ],
            ),
            key_case("writekey_unknown", [{"key": "x-api-key", "value": "no-such-key-{{$guid}}"}]),
            key_case("writekey_is_token", [{"key": "x-api-key", "value": "{{token}}"}]),
            request(
                "writekey_mismatch",
                "GET",
                "/entrypoints/v2/list/{{writeKey}}?consumer=MOBILE",
                headers=[{"key": "x-api-key", "value": "another-key-{{$guid}}"}],
                tests=explained_401("writekey_mismatch"),
            ),
            key_case(
                "event_user_mismatch",
                [KEY_HEADER, BEARER_HEADER],
                b={**body, "user_id": "someone-else"},
            ),
            request(
                "bearer_missing",
                "GET",
                load,
                headers=[KEY_HEADER],
                tests=explained_401("bearer_missing"),
            ),
            bearer_case("bearer_wrong_scheme", "Basic {{token}}"),
            bearer_case("bearer_prefix_missing", "{{token}}"),
            bearer_case("bearer_is_writekey", "Bearer {{writeKey}}"),
            bearer_case("token_malformed", "Bearer not-a-jwt"),
            bearer_case(
                "token_alg_not_allowed",
                "Bearer {{noneToken}}",
                _crafted(
                    "noneToken",
                    ["const crafted = enc({alg: 'none', typ: 'JWT'}) + '.' + payload + '.';"],
                ),
            ),
            bearer_case(
                "token_claims_missing",
                "Bearer {{noClaims}}",
                _crafted(
                    "noClaims",
                    [
                        "delete claims.userId;",
                        "const crafted = head + '.' + enc(claims) + '.' + sig;",
                    ],
                ),
            ),
            bearer_case(
                "token_unknown_client",
                "Bearer {{otherClient}}",
                _crafted(
                    "otherClient",
                    [
                        "claims.client = '00000000-0000-0000-0000-000000000000';",
                        "const crafted = head + '.' + enc(claims) + '.' + sig;",
                    ],
                ),
            ),
            bearer_case(
                "token_bad_signature",
                "Bearer {{badSig}}",
                _crafted(
                    "badSig",
                    [
                        "const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);",
                        "const crafted = head + '.' + payload + '.' + flipped;",
                    ],
                ),
            ),
            bearer_case(
                "token_signed_with_writekey",
                "Bearer {{keySigned}}",
                _crafted(
                    "keySigned",
                    [
                        "const input = head + '.' + payload;",
                        "const crafted = input + '.' + b64url(cjs.HmacSHA256(input, "
                        "pm.variables.get('writeKey')));",
                    ],
                ),
            ),
        ],
    )


def collection() -> dict:
    """Return the whole Postman collection (v2.1)."""
    return {
        "info": {
            "_postman_id": "6f1d2c3b-4a5e-4f60-9a7b-8c9d0e1f2a3b",
            "name": "CustomerGlu sandbox",
            "description": "Runs green against a CustomerGlu sandbox: the integration steps in "
            "order, then the admin journal and every explained 401. Set "
            "baseUrl, writeKey and adminToken in the environment.",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": [
            every_route(),
            load_ui(),
            events(),
            nudges(),
            segments_and_links(),
            admin(),
            auth_failures(),
        ],
        "variable": [
            {"key": k, "value": v}
            for k, v in (
                ("userId", ""),
                ("token", ""),
                ("clientId", ""),
                ("campaignId", ""),
                ("campaignIds", ""),
                ("entrypointId", ""),
                ("eventId", ""),
                ("eventRequestId", ""),
                ("nudgeId", ""),
                ("segmentCampaignId", VIP_CAMPAIGN),
                ("assetTenant", ""),
                ("assetDigest", ""),
                ("journalRequestId", ""),
            )
        ],
    }


def environment() -> dict:
    """Return the environment for a sandbox on localhost:8080 with the demo tenant."""
    return {
        "id": "0b7d3c2a-1e4f-4a5b-8c6d-7e8f9a0b1c2d",
        "name": "CustomerGlu sandbox (localhost)",
        "values": [
            {
                "key": "baseUrl",
                "value": "http://localhost:8080",
                "type": "default",
                "enabled": True,
            },
            {"key": "writeKey", "value": DEMO_KEY, "type": "default", "enabled": True},
            {"key": "adminToken", "value": "", "type": "secret", "enabled": True},
        ],
        "_postman_variable_scope": "environment",
    }


def render(data: dict) -> str:
    """Return the JSON text written for `data` (stable, for diffs and the sync test)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    COLLECTION.write_text(render(collection()))
    ENVIRONMENT.write_text(render(environment()))
    print(f"wrote {COLLECTION.name} and {ENVIRONMENT.name}")
