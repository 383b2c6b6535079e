"""The feed over a real WebSocket on the live server: an event arrives live; after a disconnect,
100 events through several workers arrive exactly once from the last cursor."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from sandbox.cli.client import websocket
from tests.conftest import DEMO_KEY, LiveServer
from tests.helpers import event

ADMIN = "feed-admin"


def _frames(ws, until, timeout=10.0):
    """Collect frames until `until(frames)` holds; return them.

    The sockets come from sandbox.cli.client.websocket: simple-websocket's own client left a
    frame that arrived with the handshake's answer unread until the server's next ping (15 s),
    which made these tests wait that long now and then.
    """
    frames, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = ws.receive(timeout=0.5)
        if raw is not None:
            frames.append(json.loads(raw))
            if until(frames):
                return frames
    raise AssertionError(f"timed out; got {[f['type'] for f in frames]}")


def _items(frames):
    return [i for f in frames if f["type"] == "batch" for i in f["items"]]


def _post(server, event_id):
    resp = requests.post(
        f"{server.url}/server/v4",
        json=event(event_id=event_id),
        headers={"x-api-key": DEMO_KEY},
        timeout=10,
    )
    assert resp.status_code == 200
    return resp.headers["X-Sandbox-Request-Id"]


def test_live_feed_and_resume_from_the_last_cursor(tmp_path):
    server = LiveServer(tmp_path / "data", {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_WORKERS": "3"})
    ws_url = server.url.replace("http://", "ws://") + "/_sandbox/feed"
    try:
        ws = websocket(f"{ws_url}?token={ADMIN}&kinds=request&backfill=0", {})
        _frames(ws, lambda f: any(x["type"] == "caught_up" for x in f))
        first = _post(server, "live-1")
        got = _frames(ws, lambda f: any(i["id"] == first for i in _items(f)), timeout=5)
        cursor = [f for f in got if f["type"] == "batch"][-1]["cursor"]
        ws.close()

        with ThreadPoolExecutor(8) as pool:  # spread over the workers (SO_REUSEPORT)
            sent = set(pool.map(lambda n: _post(server, f"gap-{n}"), range(100)))
        ws = websocket(f"{ws_url}?token={ADMIN}&kinds=request&cursor={cursor}", {})
        frames = _frames(
            ws, lambda f: len(_items(f)) >= 100 and any(x["type"] == "caught_up" for x in f)
        )
        ids = [i["id"] for i in _items(frames)]
        assert len(ids) == 100 and set(ids) == sent  # exactly those: no gap, no repeat
        pids = {
            requests.get(f"{server.url}/_sandbox/health", timeout=5).json()["pid"]
            for _ in range(30)
        }
        assert len(pids) > 1  # several workers wrote them
        ws.close()
        bad = requests.get(
            f"{server.url}/_sandbox/feed?token={ADMIN}&cursor=nope",
            headers={
                "Upgrade": "websocket",
                "Connection": "Upgrade",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version": "13",
            },
            timeout=5,
        )
        assert bad.status_code == 400 and bad.json()["reason"] == "bad_cursor"
        refused = requests.get(
            f"{server.url}/_sandbox/feed",
            headers={
                "Upgrade": "websocket",
                "Connection": "Upgrade",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version": "13",
            },
            timeout=5,
        )
        assert refused.status_code == 401
    finally:
        server.stop()


def test_a_viewer_feed_carries_only_its_tenant(tmp_path):
    import subprocess
    import sys

    from tests.conftest import DEMO_TENANT, ROOT

    server = LiveServer(tmp_path / "data", {"SANDBOX_ADMIN_TOKEN": ADMIN})
    try:
        made = subprocess.run(
            [sys.executable, "-m", "sandbox", "tenants", "create", "Other Co", "--empty"],
            cwd=ROOT,
            env={
                **__import__("os").environ,
                "SANDBOX_DATA_DIR": str(server.data_dir),
                "SANDBOX_ADMIN_TOKEN": ADMIN,
            },
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert made.returncode == 0, made.stderr
        other_key = made.stdout.split("writeKey")[1].split()[0].strip(":= ")
        token = requests.post(
            f"{server.url}/_sandbox/tenants/{DEMO_TENANT}/viewer-tokens",
            headers={"X-Sandbox-Admin-Token": ADMIN},
            timeout=5,
        ).json()["token"]
        ws = websocket(
            server.url.replace("http://", "ws://") + f"/_sandbox/feed?token={token}&backfill=0", {}
        )
        _frames(ws, lambda f: any(x["type"] == "caught_up" for x in f))
        mine = _post(server, "mine-1")
        requests.post(
            f"{server.url}/server/v4",
            json=event(event_id="theirs-1"),
            headers={"x-api-key": other_key},
            timeout=5,
        )
        last = _post(server, "mine-2")
        frames = _frames(ws, lambda f: any(i["id"] == last for i in _items(f)), timeout=5)
        got = _items(frames)
        assert {i["id"] for i in got if i["kind"] == "request"} == {mine, last}
        assert all(i["tenant"] == DEMO_TENANT for i in got)
        ws.close()
    finally:
        server.stop()


def test_a_connected_inspector_gets_every_entry_of_a_burst_exactly_once(tmp_path):
    server = LiveServer(tmp_path / "data", {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_WORKERS": "3"})
    ws_url = server.url.replace("http://", "ws://") + "/_sandbox/feed"
    try:
        watchers = [
            websocket(f"{ws_url}?token={ADMIN}&kinds=request&backfill=0", {}) for _ in range(3)
        ]
        for ws in watchers:
            _frames(ws, lambda f: any(x["type"] == "caught_up" for x in f))
        with ThreadPoolExecutor(12) as pool:  # while they follow the shared tail
            sent = set(pool.map(lambda n: _post(server, f"burst-{n}"), range(300)))
        for ws in watchers:
            frames = _frames(ws, lambda f: len(_items(f)) >= 300, timeout=30)
            ids = [i["id"] for i in _items(frames)]
            assert len(ids) == 300 and set(ids) == sent
            ws.close()
    finally:
        server.stop()
