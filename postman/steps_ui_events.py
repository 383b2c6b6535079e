"""Folders 1 and 2 of the collection: load the UI (config, registration, campaigns, entry
points), then send events."""

from items import (
    BEARER_HEADER,
    KEY_HEADER,
    OK,
    SUCCESS,
    folder,
    request,
)

from sandbox.api.events import EXAMPLE_EVENT


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


# The route's own example, with the ids this run chains.
EVENT = {**EXAMPLE_EVENT, "event_id": "{{eventId}}", "user_id": "{{userId}}"}
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
