"""Streams and slow clients on the live server: they never starve the API, and close cleanly."""

import json
import signal
import socket
import threading
import time

import pytest
import requests
from simple_websocket import ConnectionClosed

from sandbox.cli.client import websocket
from sandbox.streams import Hub, StreamsFull
from tests.conftest import DEMO_KEY, DEMO_TENANT, LiveServer
from tests.streaming import open_sse, slow_client

ADMIN = "streams-admin"


def _server(tmp_path, **env) -> LiveServer:
    return LiveServer(
        tmp_path / "data",
        {"SANDBOX_ADMIN_TOKEN": ADMIN, **{f"SANDBOX_{k}": str(v) for k, v in env.items()}},
    )


def _health(server) -> dict:
    return requests.get(server.url + "/_sandbox/health", timeout=5).json()["streams"]


def _upgrade(server, params: dict):
    """Ask for the echo WebSocket with plain HTTP (to read a refusal's JSON body)."""
    return requests.get(
        server.url + "/_sandbox/ws/echo",
        params=params,
        headers={
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        },
        timeout=5,
    )


def _ws_url(server) -> str:
    return f"ws://127.0.0.1:{server.port}/_sandbox/ws/echo?token={ADMIN}"


@pytest.fixture(scope="module")
def streams_server(tmp_path_factory):
    """One server for the tests that leave it as they found it (a start and stop cost
    0.6 s of CPU); they run on one xdist worker (the group) so it starts once."""
    with _server(tmp_path_factory.mktemp("streams"), HEAD_TIMEOUT=3) as server:
        yield server


@pytest.mark.xdist_group("streams_server")
def test_200_streams_and_50_slow_clients_leave_every_request_answered(streams_server):
    url = streams_server.url
    token = requests.post(
        url + "/user/v1/user/sdk?token=true",
        json={"userId": "sse-0", "writeKey": DEMO_KEY, "deviceType": "android"},
        timeout=5,
    ).json()["data"]["token"]
    streams = [open_sse(url, f"sse-{i}", DEMO_TENANT) for i in range(200)]
    slow = [slow_client(url) for _ in range(50)]
    try:
        assert {s.status for s in streams} == {200}
        assert _health(streams_server)["open"] == 200
        answers = []

        def send(i):
            if i % 2:
                r = requests.get(
                    url + "/client/v1/sdk/config", headers={"x-api-key": DEMO_KEY}, timeout=5
                )
            else:
                r = requests.post(
                    url + "/server/v4",
                    json={"userId": f"u{i}", "eventName": "tick", "eventProperties": {}},
                    headers={"x-api-key": DEMO_KEY},
                    timeout=5,
                )
            answers.append(r.status_code)

        started = time.monotonic()
        threads = [threading.Thread(target=send, args=(i,)) for i in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert answers.count(200) == 100, answers
        assert time.monotonic() - started < 10

        # A nudge reaches its user's stream while all of that is open.
        sent = requests.post(
            url + "/integrations/v1/nudge/sdk/test",
            json={"userId": "sse-0"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert sent.status_code == 200
        assert streams[0].read_until(b"\ndata: ", 2)
        frame = streams[0].data.split(b"\ndata: ", 1)[1].split(b"\n", 1)[0]
        assert json.loads(frame)["data"]["nudgeId"] == sent.json()["data"]["nudgeId"]
        assert not streams[1].read_until(b"\ndata: ", 0.3)  # only its own user's stream

        # Health tells per worker how many streams and connections each holds.
        workers = _health(streams_server)["workers"]
        assert sum(w["sse"] for w in workers) == 200
        assert sum(w["connections"] for w in workers) >= 250
    finally:
        for s in streams:
            s.close()
        for s in slow:
            s.close()
    # Clients that leave are noticed without waiting for a heartbeat.
    deadline = time.monotonic() + 5
    while _health(streams_server)["open"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _health(streams_server)["open"] == 0


@pytest.mark.xdist_group("streams_server")
def test_a_client_that_never_finishes_its_head_is_closed_after_the_timeout(streams_server):
    sock = slow_client(streams_server.url)
    started = time.monotonic()
    sock.settimeout(10)
    closed = False
    try:
        while time.monotonic() - started < 8:
            sock.send(b"X")  # one byte a second, as slowloris does
            try:
                sock.settimeout(1)
                if sock.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
    except OSError:
        closed = True
    finally:
        sock.close()
    assert closed
    assert 2.5 < time.monotonic() - started < 6  # SANDBOX_HEAD_TIMEOUT=3


def test_past_the_cap_streams_are_refused_with_a_json_503(tmp_path):
    server = _server(tmp_path, WORKERS=1, STREAMS_MAX=3)
    held = []
    try:
        held.extend(open_sse(server.url, f"cap-{i}", DEMO_TENANT) for i in range(3))
        refused = requests.get(
            server.url + "/sse", params={"userId": "cap-x", "clientId": DEMO_TENANT}, timeout=5
        )
        assert refused.status_code == 503
        assert refused.headers["Retry-After"].isdigit()
        body = refused.json()
        assert body["success"] is False and body["reason"] == "too_many_streams"
        assert body["cap"] == 3 and "SANDBOX_STREAMS_MAX" in body["hint"]
        answer = _upgrade(server, {"token": ADMIN})  # refused before any handshake
        assert answer.status_code == 503 and answer.json()["reason"] == "too_many_streams"
        assert answer.json()["error"] == "Service Unavailable"  # the admin surface's shape
        assert _health(server)["workers"][0]["refused"] == 2
        # The refusals are journaled like any other answer.
        found = requests.get(
            server.url + "/_sandbox/journal",
            params={"path": "/sse", "status": 503},
            headers={"X-Sandbox-Admin-Token": ADMIN},
            timeout=5,
        ).json()
        assert found["entries"], found
        # A slot frees when a stream closes.
        held.pop().close()
        deadline = time.monotonic() + 5
        while _health(server)["open"] > 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        again = open_sse(server.url, "cap-y", DEMO_TENANT)
        assert again.status == 200
        held.append(again)
    finally:
        for s in held:
            s.close()
        server.stop()


@pytest.mark.xdist_group("streams_server")
def test_the_websocket_echo_answers_and_bounds_its_messages(streams_server):
    ws = websocket(_ws_url(streams_server), {})
    try:
        ws.send("hello")
        assert ws.receive(timeout=5) == "hello"
        ws.send(b"\x00\xff")
        assert ws.receive(timeout=5) == b"\x00\xff"
        assert _health(streams_server)["workers"] and _health(streams_server)["open"] == 1
        ws.send("x" * (64 * 1024 + 1))
        with pytest.raises(ConnectionClosed):
            ws.receive(timeout=5)
        assert ws.close_reason == 1009  # message too big
    finally:
        if ws.connected:
            ws.close()
        ws.sock.close()
    refused = _upgrade(streams_server, {})  # the admin token is required
    assert refused.status_code == 401 and refused.json()["reason"] == "admin_token_missing"


def test_sigterm_closes_every_stream_and_the_server_exits_in_its_graceful_timeout(tmp_path):
    server = _server(tmp_path)
    streams = [open_sse(server.url, f"term-{i}", DEMO_TENANT) for i in range(40)]
    sockets = [websocket(_ws_url(server), {}) for _ in range(5)]
    idle = requests.Session()
    idle.get(server.url + "/_sandbox/health", timeout=5)  # a keep-alive connection, idle
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    try:
        for s in streams:
            assert s.read_to_eof(5), "an SSE stream stayed open after SIGTERM"
            assert b"shutting down" in s.data
        for ws in sockets:
            with pytest.raises(ConnectionClosed):
                ws.receive(timeout=5)
            assert ws.close_reason == 1001
        server.proc.wait(8)
        # gunicorn's graceful_timeout is 5 s: the streams did not hold it up to there.
        assert time.monotonic() - started < 5
        assert server.proc.returncode == 0
    finally:
        for s in streams:
            s.close()
        server.stop()


def test_hub_caps_wakes_by_key_and_shuts_down():
    hub = Hub(cap=2, heartbeat=1)
    a = hub.open("sse", ("t", "alice"))
    b = hub.open("ws")
    with pytest.raises(StreamsFull):
        hub.open("sse", ("t", "bob"))
    assert hub.counts() == {"sse": 1, "ws": 1, "cap": 2, "refused": 1}
    assert hub.notify(("t", "alice")) == 1 and a.wait(0) is True
    assert a.wait(0.01) is False  # woken once per notification
    assert hub.notify(("t", "nobody")) == 0
    closed = []
    b.on_close = lambda: closed.append("ws")
    assert hub.shutdown() == 2
    assert not a.live and a.wait(0) and closed == ["ws"]
    with pytest.raises(StreamsFull) as refusal:
        hub.open("sse", ("t", "carol"))
    assert refusal.value.closing
    a.close()
    a.close()  # idempotent
    b.close()
    assert hub.count() == 0


def test_hub_reaps_streams_whose_client_left():
    left, right = socket.socketpair()
    try:
        hub = Hub(cap=5, heartbeat=1)
        stream = hub.open("sse", "k")
        stream.peer = left.fileno()
        assert hub.reap() == 0 and stream.live
        right.close()
        assert hub.reap() == 1 and stream.gone and stream.wait(0)
    finally:
        left.close()
