"""Folders 3 to 5 of the collection: nudges, segments and deep links, the admin journal."""

from items import (
    ADMIN_HEADER,
    BEARER_HEADER,
    KEY_HEADER,
    OK,
    SUCCESS,
    folder,
    request,
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
