"""Against the production server on 127.0.0.1: the iOS and Android SDK call sequences end to end,
SSE nudges, and 1,000 concurrent event posts all journaled."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from sandbox.masking import mask
from sandbox.store import Store
from tests.conftest import DEMO_KEY, DEMO_TENANT, LiveServer
from tests.helpers import event

# The module's server starts once: its tests run on one xdist worker (a start and stop
# cost 0.6 s of CPU).
pytestmark = pytest.mark.xdist_group("live-sdk")

IOS = {
    "Content-Type": "application/json",
    "x-api-key": DEMO_KEY,
    "x-app-name": "DemoApp",
    "platform": "ios",
    "sandbox": "true",
    "cg-sdk-version": "3.1.6",
}
ANDROID = {
    "Accept": "application/json",
    "Content-Type": "application/json",
    "cg-sdk-version": "2.3.14",
    "cg-sdk-platform": "ANDROID",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = LiveServer(
        tmp_path_factory.mktemp("live") / "data",
        {"SANDBOX_SSE_MAX_SECONDS": "5", "SANDBOX_ADMIN_TOKEN": "live-admin"},
    )
    yield srv
    srv.stop()


def decoded(resp):
    """Check what both SDKs need of every answer: 200 exactly and a JSON body."""
    assert resp.status_code == 200, (resp.request.url, resp.text)
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers["X-Sandbox-Request-Id"].startswith("req_")
    return resp.json()


def test_ios_sdk_sequence(server):
    base, user = server.url, f"ios-{uuid.uuid4().hex[:8]}"
    config = decoded(
        requests.get(f"{base}/client/v1/sdk/config?x-api-key={DEMO_KEY}", headers=IOS, timeout=5)
    )
    assert (
        config["success"] is True and "127.0.0.1" in config["data"]["mobile"]["whiteListedDomains"]
    )
    reg = decoded(
        requests.post(
            f"{base}/user/v1/user/sdk/generateusertoken?token=true",
            headers=IOS,
            timeout=5,
            json={
                "userId": user,
                "writeKey": DEMO_KEY,
                "deviceType": "ios",
                "deviceId": "D8CF26D0",
                "deviceName": "x86_64",
                "appVersion": "1.0",
                "firebaseToken": "",
                "apnsDeviceToken": "apns-1",
            },
        )
    )
    token = reg["data"]["token"]
    assert reg["data"]["user"]["client"] == DEMO_TENANT
    auth = {**IOS, "Authorization": f"Bearer {token}", "X-GLU-AUTH": f"Bearer {token}"}
    wallet = decoded(requests.get(f"{base}/reward/v1.1/user", headers=auth, timeout=5))
    assert wallet["defaultUrl"].startswith(base + "/wallet/?token=")
    assert all(c["campaignId"] and "?" in c["url"] for c in wallet["campaigns"])
    csv = ",".join(c["campaignId"] for c in wallet["campaigns"])
    eps = decoded(
        requests.get(
            f"{base}/entrypoints/v2/list/{DEMO_KEY}?consumer=MOBILE"
            f"&x-api-key={DEMO_KEY}&campaignIds={csv}",
            headers=auth,
            timeout=5,
        )
    )
    assert len(eps["data"]) == 4
    state = decoded(requests.get(f"{base}/entrypoints/v1/user/state", headers=auth, timeout=5))
    assert state == {"success": True, "data": []}
    ev = decoded(
        requests.post(
            f"{base}/server/v4",
            headers=auth,
            timeout=5,
            json=event(event_id=str(uuid.uuid4()), user_id=user, event_properties={"amount": 1}),
        )
    )
    assert set(ev) == {"ShardId", "SequenceNumber"}
    journal = requests.get(
        f"{base}/_sandbox/journal", params={"user": user, "token": "live-admin"}, timeout=5
    ).json()
    paths = [e["path"] for e in reversed(journal["entries"])]
    assert paths == [
        "/user/v1/user/sdk/generateusertoken",
        "/reward/v1.1/user",
        f"/entrypoints/v2/list/{mask(DEMO_KEY)}",  # a writeKey is masked wherever it shows
        "/entrypoints/v1/user/state",
        "/server/v4",
    ]


def test_android_sdk_sequence_with_reregister_on_401(server):
    base, user = server.url, f"android-{uuid.uuid4().hex[:8]}"
    decoded(
        requests.get(
            f"{base}/client/v1/sdk/config", headers={**ANDROID, "x-api-key": DEMO_KEY}, timeout=5
        )
    )

    def register():
        return decoded(
            requests.post(
                f"{base}/user/v1/user/sdk?token=true",
                headers={**ANDROID, "sandbox": "true"},
                timeout=5,
                json={
                    "userId": user,
                    "writeKey": DEMO_KEY,
                    "deviceType": "android",
                    "deviceId": "a1b2",
                    "appVersion": "2.0",
                },
            )
        )["data"]["token"]

    token = register()
    stale = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    # Android re-registers on a 401 and repeats the call, exactly as CGRetryable does.
    resp = requests.get(
        f"{base}/reward/v1.1/user",
        headers={**ANDROID, "Authorization": f"Bearer {stale}"},
        timeout=5,
    )
    assert resp.status_code == 401 and resp.json()["reason"] == "token_bad_signature"
    token = register()
    auth = {**ANDROID, "Authorization": f"Bearer {token}"}
    campaigns = decoded(requests.get(f"{base}/reward/v1.1/user", headers=auth, timeout=5))
    assert campaigns["success"] is True
    eps = requests.get(f"{base}/entrypoints/v1/list?consumer=MOBILE", headers=auth, timeout=5)
    assert decoded(eps)["success"] is True and eps.headers["etag"]
    decoded(
        requests.post(
            f"{base}/server/v4",
            headers={**ANDROID, "x-api-key": DEMO_KEY},
            timeout=5,
            json=event(
                event_id=str(uuid.uuid4()),
                event_name="addToCart",
                user_id=user,
                timestamp="2026-11-27T10:00:00.000Z",  # Android's format
                event_properties={},
            ),
        )
    )
    decoded(
        requests.post(
            f"{base}/v4/sdk",
            timeout=5,
            headers={**ANDROID, "x-api-key": DEMO_KEY, "X-GLU-AUTH": f"Bearer {token}"},
            json={
                "event_name": "ENTRY_POINT_LOAD",
                "event_id": str(uuid.uuid4()),
                "analytics_version": "4.0.0",
                "type": "track",
                "user_id": user,
                "timestamp": "2026-11-27T10:00:00.000Z",
                "platform_details": {
                    "device_type": "phone",
                    "os": "ANDROID",
                    "sdk_version": "2.3.14",
                },
            },
        )
    )
    assets = decoded(
        requests.get(
            f"{base}/reward/v1.1/client/assets",
            headers={**ANDROID, "x-api-key": DEMO_KEY},
            timeout=5,
        )
    )
    zipped = requests.get(assets["data"]["compressedAssets"], timeout=5)
    assert zipped.status_code == 200 and zipped.content[:2] == b"PK"


def test_sse_nudge_reaches_the_connected_user_and_is_acked(server):
    base, user = server.url, f"sse-{uuid.uuid4().hex[:8]}"
    token = decoded(
        requests.post(
            f"{base}/user/v1/user/sdk?token=true",
            timeout=5,
            json={"userId": user, "writeKey": DEMO_KEY},
        )
    )["data"]["token"]
    frames, connected = [], threading.Event()

    def listen():
        with requests.get(
            f"{base}/sse",
            params={"userId": user, "clientId": DEMO_TENANT},
            headers={"Accept": "text/event-stream"},
            stream=True,
            timeout=10,
        ) as resp:
            assert resp.headers["Content-Type"].startswith("text/event-stream")
            for line in resp.iter_lines(decode_unicode=True):
                connected.set()
                if line.startswith("data: "):
                    frames.append(line[6:])
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert connected.wait(5)
    sent = decoded(
        requests.post(
            f"{base}/integrations/v1/nudge/sdk/test",
            timeout=5,
            json={"userId": user},
            headers={"Authorization": f"Bearer {token}"},
        )
    )
    thread.join(8)
    import json

    frame = json.loads(frames[0])["data"]
    assert frame["nudgeId"] == sent["data"]["nudgeId"]
    assert isinstance(frame["relativeHeight"], str) and isinstance(frame["opacity"], str)
    ack = decoded(
        requests.post(
            f"{base}/ack-nudge",
            timeout=5,
            headers={"x-api-key": DEMO_KEY},
            json={"userId": user, "clientId": DEMO_TENANT, "nudgeId": frame["nudgeId"]},
        )
    )
    assert ack == {"status": "success"}


def test_1000_concurrent_event_posts_are_all_journaled(server):
    run = uuid.uuid4().hex[:8]

    def post(i):
        return requests.post(
            f"{server.url}/server/v4",
            headers={"x-api-key": DEMO_KEY},
            timeout=30,
            json={
                "event_id": f"{run}-{i}",
                "event_name": "load",
                "user_id": f"u{i % 50}",
                "timestamp": "2026-11-27T10:00:00Z",
                "event_properties": {"i": i},
            },
        ).status_code

    with ThreadPoolExecutor(max_workers=48) as pool:
        statuses = list(pool.map(post, range(1000)))
    assert statuses.count(200) == 1000
    store = Store(server.data_dir / "sandbox.db")  # reads every worker's journal shard
    try:
        journaled = store.journal_one(
            "SELECT count(*) n FROM journal WHERE event_id LIKE ?", (f"{run}-%",)
        )["n"]
        events = store.journal_one(
            "SELECT count(*) n FROM events WHERE event_id LIKE ?", (f"{run}-%",)
        )
    finally:
        store.close()
    assert journaled == 1000 and events["n"] == 1000


def test_virtual_clock_is_shared_by_every_worker(tmp_path):
    srv = LiveServer(
        tmp_path / "data",
        {"SANDBOX_TEST_MODE": "1", "SANDBOX_WORKERS": "2", "SANDBOX_ADMIN_TOKEN": "clock-admin"},
    )
    try:
        token = decoded(
            requests.post(
                f"{srv.url}/user/v1/user/sdk?token=true",
                timeout=5,
                json={"userId": "clock", "writeKey": DEMO_KEY},
            )
        )["data"]["token"]
        moved = requests.post(
            f"{srv.url}/_sandbox/clock/advance",
            timeout=5,
            json={"seconds": 366 * 86400},
            headers={"X-Sandbox-Admin-Token": "clock-admin"},
        )
        assert moved.status_code == 200
        # New connections spread over both workers: each must see the moved clock.
        reasons = {
            requests.get(
                f"{srv.url}/reward/v1.1/user",
                timeout=5,
                headers={"Authorization": f"Bearer {token}", "Connection": "close"},
            ).json()["reason"]
            for _ in range(12)
        }
        assert reasons == {"token_expired"}
    finally:
        srv.stop()
