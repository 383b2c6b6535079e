"""Contract tests: every endpoint's answer against the shapes of the API reference (sections 3-10),
including the iOS decode-strictness rules."""

import io
import zipfile

import pytest

from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import bearer, event, register

KEY = {"x-api-key": DEMO_KEY}
SPIN = "4e47a509-22db-436e-bfb9-71fff7e57583"
REFERRAL = "31bad6a2-dcb2-4237-8468-f50f99676bd7"
VIP = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def ok_json(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    return resp.get_json()


def assert_success(body):
    assert body["success"] is True  # a JSON boolean, never "true"


@pytest.fixture
def token(client):
    return register(client, "alice")[0]


def test_registration_shape(client):
    _token, body = register(
        client,
        "alice",
        deviceId="D8CF",
        deviceName="x86_64",
        profile={"city": "Pune"},
        identities={"mparticle_d": "mp-1"},
        customAttributes={"tier": "gold"},
    )
    assert_success(body)
    user = body["data"]["user"]
    for key in (
        "id",
        "userId",
        "gluId",
        "userName",
        "email",
        "phone",
        "cookieId",
        "appVersion",
        "client",
        "referralLink",
        "referredBy",
        "referralCode",
        "profile",
        "identities",
        "sessionId",
        "deviceId",
        "deviceType",
        "deviceName",
        "anonymousId",
    ):
        assert key in user, key
    assert user["client"] == DEMO_TENANT and len(user["id"]) == 24
    assert set(user["profile"]) == {"firstName", "lastName", "age", "city", "country", "timezone"}
    assert user["profile"]["city"] == "Pune"
    assert user["identities"]["mparticle_id"] == "mp-1"
    assert body["data"]["token"].count(".") == 2


def test_ios_register_path_and_update_user(client):
    resp = client.post(
        "/user/v1/user/sdk/generateusertoken?token=true",
        json={"userId": "ios-1", "writeKey": DEMO_KEY, "deviceType": "ios"},
    )
    token = ok_json(resp)["data"]["token"]
    resp = client.post(
        "/user/v1/user/sdk/updateuser?token=true",
        headers=bearer(token),
        json={"customAttributes": {"tier": "gold"}, "profile": {"age": 30}},
    )
    body = ok_json(resp)
    assert_success(body)
    assert body["data"]["user"]["profile"]["age"] == 30
    assert body["data"]["user"]["customAttributes"] == {"tier": "gold"}


def test_registration_without_token_flag_is_flagged(client, admin_headers):
    resp = client.post("/user/v1/user/sdk", json={"userId": "a", "writeKey": DEMO_KEY})
    body = ok_json(resp)
    assert "token" not in body["data"]
    entry = client.get(
        f"/_sandbox/journal/{resp.headers['X-Sandbox-Request-Id']}", headers=admin_headers
    ).get_json()
    assert "no_token" in entry["flags"]


def test_load_campaigns_shape_and_ios_strictness(client, token):
    body = ok_json(client.get("/reward/v1.1/user", headers=bearer(token)))
    assert_success(body)
    assert body["defaultUrl"] and "?" in body["defaultUrl"]
    assert body["defaultUrl"].startswith("http://sandbox.test/wallet/?token=")
    assert body["defaultBanner"] == {"liveCampaignCount": 6, "totalRewardCount": 0}
    assert len(body["campaigns"]) == 6  # the ended and the segment-only one are hidden
    for c in body["campaigns"]:
        for key in ("campaignId", "url", "type", "status"):
            assert isinstance(c[key], str) and c[key], (key, c)
        assert "?" in c["url"]
        assert all(isinstance(v, str) for v in c.get("banner", {}).values())
    by_type = {c["type"]: c for c in body["campaigns"]}
    assert "/reward/?token=" in by_type["scratchcard"]["url"]
    assert "&rewardUserId=" in by_type["scratchcard"]["url"]
    assert "/program/?token=" in by_type["referral"]["url"]
    assert by_type["referral"]["banner"]["totalSteps"] == "3"


def test_load_campaigns_filters(client, token):
    def ids(query):
        resp = client.get(f"/reward/v1.1/user?{query}", headers=bearer(token))
        return [c["campaignId"] for c in ok_json(resp)["campaigns"]]

    assert ids("type=spinthewheel") == [SPIN]
    assert ids(f"campaignId={SPIN}") == [SPIN]
    assert ids("campaignId=daily-spin") == [SPIN]  # banner.tag matches like a campaignId
    assert len(ids("category=engagement")) == 3
    assert ids("nosuchkey=1") == []
    body = ok_json(
        client.get(f"/reward/v1.1/user/{REFERRAL}?campaignId={REFERRAL}", headers=bearer(token))
    )
    assert [c["campaignId"] for c in body["campaigns"]] == [REFERRAL]


def test_segment_endpoints_and_segment_only_campaign(client, token):
    path = f"/segment/{VIP}/user"
    assert ok_json(client.post(f"{path}/status", json={"userId": "alice"}, headers=KEY))[
        "data"
    ] == {"isPresent": False}
    added = ok_json(client.post(f"{path}/add", json={"userId": "alice"}, headers=KEY))
    assert added == {"success": True, "message": "User added to campaign successfully"}
    assert ok_json(client.post(f"{path}/status", json={"userId": "alice"}, headers=KEY))[
        "data"
    ] == {"isPresent": True}
    campaigns = ok_json(client.get("/reward/v1.1/user", headers=bearer(token)))["campaigns"]
    assert VIP in [c["campaignId"] for c in campaigns]
    removed = ok_json(client.delete(f"{path}/delete", json={"userId": "alice"}, headers=KEY))
    assert removed == {"success": True, "message": "User removed from campaign successfully"}
    missing = client.post("/segment/nope/user/add", json={"userId": "alice"}, headers=KEY)
    assert missing.status_code == 404 and missing.get_json()["success"] is False


def test_events_shape(client):
    body = ok_json(client.post("/server/v4", json=event(), headers=KEY))
    assert body["ShardId"] == "shardId-000000000000"
    assert body["SequenceNumber"].isdigit() and len(body["SequenceNumber"]) == 56
    sdk = ok_json(
        client.post(
            "/v4/sdk",
            headers=KEY,
            json={
                "event_name": "ENTRY_POINT_LOAD",
                "event_id": "a1",
                "analytics_version": "4.0.0",
                "type": "track",
                "user_id": "alice",
                "timestamp": "2026-11-27T10:00:00.000Z",
                "platform_details": {"os": "ANDROID"},
            },
        )
    )
    assert set(sdk) == {"ShardId", "SequenceNumber"}


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/sdk/v4", {"type": "log", "event_name": "x", "event_id": "1"}),
        ("put", "/api/v1/report", {"Method Name": "register", "CGLog": "boom"}),
    ],
)
def test_telemetry_is_accepted(client, method, path, body):
    assert ok_json(getattr(client, method)(path, json=body, headers=KEY)) == {"success": True}


def test_sdk_config_shape(client):
    for resp in (
        client.get("/client/v1/sdk/config", headers=KEY),
        client.get(f"/client/v1/sdk/config?x-api-key={DEMO_KEY}"),
    ):
        body = ok_json(resp)
        assert_success(body)
        mobile = body["data"]["mobile"]
        assert mobile["enableSse"] is True and mobile["enableMqtt"] is False
        assert mobile["enableSslPinning"] is False and mobile["allowProxy"] is False
        assert "sandbox.test" in mobile["whiteListedDomains"]
        assert "localhost" in mobile["whiteListedDomains"]
        assert mobile["allowedRetryCount"] == 3
        assert mobile["testUserIds"] == ["sandbox-tester-1", "sandbox-tester-2"]


def _assert_entry_point(ep):
    assert ep["_id"] and ep["consumer"] == "MOBILE"
    container = ep["mobile"]["container"]
    assert container["type"] in ("BANNER", "EMBEDDED", "FLOATING", "POPUP", "PIP", "AD_POPUP")
    for key in ("height", "width", "vertical_padding", "horizontal_padding", "borderRadius"):
        assert isinstance(container[key], str)
    if container["type"] == "BANNER":
        int(container["height"])  # iOS force-unwraps Int(container.height)
    assert isinstance(ep["mobile"]["content"], list)
    assert isinstance(ep["mobile"]["conditions"]["showCount"]["count"], int)
    assert set(ep["visibility"]) == {"entryPointClicked", "entryPointCompleteStateViewed"}


def test_entry_points_v2_and_v1(client, token):
    body = ok_json(
        client.get(
            f"/entrypoints/v2/list/{DEMO_KEY}?consumer=MOBILE&x-api-key={DEMO_KEY}"
            f"&campaignIds={SPIN}",
            headers={**KEY, **bearer(token)},
        )
    )
    assert_success(body)
    names = {ep["name"] for ep in body["data"]}
    assert names == {"Wallet button", "Daily spin popup"}  # wallet + the loaded campaign
    for ep in body["data"]:
        _assert_entry_point(ep)
    resp = client.get("/entrypoints/v1/list?consumer=MOBILE", headers=bearer(token))
    v1 = ok_json(resp)
    assert len(v1["data"]) == 4 and resp.headers["etag"].startswith('"')
    one = ok_json(
        client.get("/entrypoints/v1/list?id=62a1f0c3e4b0a1b2c3d4e502", headers=bearer(token))
    )
    assert [ep["_id"] for ep in one["data"]] == ["62a1f0c3e4b0a1b2c3d4e502"]


def test_entry_point_user_state(client, token):
    assert ok_json(client.get("/entrypoints/v1/user/state", headers=bearer(token))) == {
        "success": True,
        "data": [],
    }
    body = ok_json(
        client.post(
            "/entrypoints/v1/user/state",
            headers=bearer(token),
            json={
                "entrypointId": "62a1f0c3e4b0a1b2c3d4e501",
                "userId": "alice",
                "campaignId": "0a0c1792-5959-4bcb-bbab-b7df29f9910c",
                "entryPointClicked": True,
            },
        )
    )
    state = body["data"][0]
    assert state["entryPointClicked"] is True and state["entryPointCompleteStateViewed"] is False
    assert {"id", "entrypointId", "client", "userId", "campaignId", "v"} <= set(state)
    listed = ok_json(client.get("/entrypoints/v1/list", headers=bearer(token)))["data"]
    banner = next(ep for ep in listed if ep["_id"] == "62a1f0c3e4b0a1b2c3d4e501")
    assert banner["visibility"]["entryPointClicked"] is True


def test_entry_point_state_answer_is_what_is_then_stored(client, token):
    """The POST answers the states before its write commits: they must be the stored ones."""
    url, auth = "/entrypoints/v1/user/state", bearer(token)
    posts = [
        {"entrypointId": "62a1f0c3e4b0a1b2c3d4e501", "entryPointClicked": True, "campaignId": "c1"},
        {"entrypointId": "62a1f0c3e4b0a1b2c3d4e502", "entryPointClicked": True},
        {"entrypointId": "62a1f0c3e4b0a1b2c3d4e501", "entryPointCompleteStateViewed": True},
        {"entrypointId": "62a1f0c3e4b0a1b2c3d4e502", "campaignId": ""},
    ]
    for body in posts:
        answered = ok_json(client.post(url, headers=auth, json=body))["data"]
        assert answered == ok_json(client.get(url, headers=auth))["data"], body
    first = answered[0]
    assert first["v"] == 1 and first["entryPointClicked"] and first["entryPointCompleteStateViewed"]
    assert first["campaignId"] == "c1" and answered[1]["campaignId"] == ""


def test_entry_points_config(client):
    body = ok_json(
        client.post(
            "/entrypoints/v1/config",
            headers={**KEY, "platform": "android"},
            json={"activityIdList": ["MainActivity"], "bannerIds": ["b1"], "embedIds": []},
        )
    )
    assert body["data"]["activityIdList"] == {"android": ["MainActivity"], "ios": []}
    assert body["data"]["bannerIds"]["android"] == ["b1"]
    assert set(body["data"]) == {"activityIdList", "bannerIds", "embedIds"}


def test_wormhole_shape(client):
    body = ok_json(client.get("/api/v1/wormhole/sdk/url?id=spin-today", headers=KEY))
    assert_success(body)
    data = body["data"]
    assert set(data) == {"anonymous", "client", "container", "content"}
    assert isinstance(data["container"]["absoluteHeight"], int)  # Android reads Integer
    assert isinstance(data["container"]["relativeHeight"], int)
    assert data["content"]["campaignId"] == SPIN and isinstance(body["message"], str)
    missing = client.get("/api/v1/wormhole/sdk/url?id=nope", headers=KEY)
    assert missing.status_code == 404 and missing.get_json()["success"] is False


def test_program_and_reward_proxy(client, token):
    body = ok_json(
        client.post(
            "/reward/v2/user/program",
            headers=bearer(token),
            json={"filter": {"campaignId": {REFERRAL: True}}, "limit": 50, "page": 1},
        )
    )
    assert [p["campaignId"] for p in body["data"]["programs"]] == [REFERRAL]
    rewards = ok_json(
        client.post("/reward/v2/user/reward", headers=bearer(token), json={"limit": 50, "page": 1})
    )
    assert rewards["data"]["rewards"] == [] and rewards["data"]["total"] == 0


def test_client_assets_bundle_is_a_real_zip(client):
    body = ok_json(client.get("/reward/v1.1/client/assets", headers=KEY))
    data = body["data"]
    assert len(data["hash"]) == 32 and data["compressedAssets"].endswith(".zip")
    path = data["compressedAssets"].replace("http://sandbox.test", "")
    resp = client.get(path)
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    assert names == ["campaigns.json", "entrypoints.json"]
    again = ok_json(client.get("/reward/v1.1/client/assets", headers=KEY))
    assert again["data"]["hash"] == data["hash"]  # stable, so Android's cache holds


def test_integration_endpoints(client, token):
    register(client, "dora", firebaseToken="fcm-1", apnsDeviceToken="")
    body = ok_json(
        client.post(
            "/integrations/v1/onboarding/sdk/notification-config",
            headers=KEY,
            json={"userId": "dora"},
        )
    )
    assert body["data"] == {
        "apnsDeviceToken": False,
        "firebaseToken": True,
        "privateKeyApns": False,
        "privateKeyFirebase": False,
    }
    steps = ok_json(
        client.post(
            "/integrations/v1/onboarding/sdk/test-steps",
            headers=KEY,
            json={
                "user_id": "dora",
                "platform": "android",
                "cg_sdk_version": "2.3.14",
                "data": [{"step": 1}],
            },
        )
    )
    assert steps["data"] == {"received": 1}
    nudge = ok_json(
        client.post(
            "/integrations/v1/nudge/sdk/test", headers=bearer(token), json={"userId": "alice"}
        )
    )
    assert nudge["data"]["nudgeId"].startswith("ndg_")
    bad = client.post("/integrations/v1/onboarding/sdk/notification-config", headers=KEY, json={})
    assert bad.status_code == 400
    assert bad.get_json()["error"]["message"] == bad.get_json()["message"]


def test_ack_nudge(client, token):
    nudge_id = ok_json(
        client.post(
            "/integrations/v1/nudge/sdk/test", headers=bearer(token), json={"userId": "alice"}
        )
    )["data"]["nudgeId"]
    body = ok_json(
        client.post(
            "/ack-nudge",
            headers=KEY,
            json={"userId": "alice", "clientId": DEMO_TENANT, "nudgeId": nudge_id},
        )
    )
    assert body == {"status": "success"}
    unknown = client.post("/ack-nudge", headers=KEY, json={"userId": "alice", "nudgeId": "x"})
    assert unknown.status_code == 404


def test_sse_requires_user_and_known_client(client):
    assert client.get("/sse?userId=alice").status_code == 400
    assert client.get("/sse?userId=alice&clientId=nobody").status_code == 404


def test_every_success_is_exactly_200_with_json(app):
    """The Android SDK treats any 2xx other than 200 as a failure.

    Every operation documents 200 as its only success, and the ContractClient (conftest)
    fails any test whose response has an undocumented status or content type.
    """
    from tests.contract import doc_of

    paths = doc_of(app)["paths"]
    assert len(paths) > 40  # an empty document would pass the loop below
    for path, ops in paths.items():
        for method, op in ops.items():
            assert op["x-expect"], (method, path)
            successes = [code for code in op["responses"] if code.startswith("2")]
            assert successes == ["200"], (method, path, successes)
            content = op["responses"]["200"]["content"]
            if "application/json" not in content:  # zip, SSE, the webview pages, reports
                downloads = path.endswith(".zip") or path.startswith("/_sandbox/reports/")
                downloads = downloads or path in (
                    "/_sandbox/inspector",
                    "/_sandbox/inspector/session",
                    "/_sandbox/export",
                    "/_sandbox/gpg/public-key",
                    "/_sandbox/tenants/{ref}/secrets/export",  # a PGP message
                    "/_sandbox/docs",  # the documentation site
                    "/_sandbox/docs/",
                    "/_sandbox/docs/{page}",
                    "/_sandbox/ca",  # a certificate or a profile
                    "/_sandbox/ca/page",  # the QR codes
                    "/_sandbox/snapshots/{name}/download",  # a snapshot file
                )
                assert downloads or path == "/sse" or op["tags"] == ["pages"], path


def test_a_second_tenants_entry_points_carry_its_own_client_id(app):
    from tests.helpers import other_tenant, register

    other = other_tenant(app)
    from sandbox.domain import catalog
    from sandbox.store import CoreWrite
    from tests.conftest import ROOT

    store = app.extensions["sandbox.store"]
    store.write(
        CoreWrite(lambda c: catalog.load_tenant_data(c, other["id"], ROOT / "fixtures" / "demo"))
    )
    client = app.test_client()
    token, _ = register(client, "bob", write_key=other["write_key"])
    v2 = ok_json(client.get(f"/entrypoints/v2/list/{other['write_key']}"))
    v1 = ok_json(client.get("/entrypoints/v1/list", headers=bearer(token)))
    for listing in (v1, v2):
        assert listing["data"] and {ep["client"] for ep in listing["data"]} == {other["id"]}
