"""Nudges on the live server: a user connected to /sse gets a nudge within a second of the event
that triggers it, its ack marks it acknowledged; a user who connects later gets it then."""

import json
import threading
import time

import requests

from tests.conftest import DEMO_KEY, DEMO_TENANT, LiveServer
from tests.helpers import event
from tests.sdk_models import decode_sse

ADMIN = "nudge-admin"


def _listen(base, user, frames, connected, want=1, seconds=10):
    with requests.get(
        f"{base}/sse",
        params={"userId": user, "clientId": DEMO_TENANT},
        headers={"Accept": "text/event-stream"},
        stream=True,
        timeout=seconds,
    ) as resp:
        for line in resp.iter_lines(decode_unicode=True):
            connected.set()
            if line.startswith("data: "):
                frames.append((time.perf_counter(), json.loads(line[6:])))
                if len(frames) >= want:
                    return


def _nudge(base, nudge_id):
    return requests.get(
        f"{base}/_sandbox/nudges/{nudge_id}", headers={"X-Sandbox-Admin-Token": ADMIN}, timeout=5
    ).json()


def test_a_connected_user_gets_the_nudge_within_a_second_and_acks_it(tmp_path):
    server = LiveServer(tmp_path / "data", {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_WORKERS": "2"})
    base = server.url
    try:
        frames, connected = [], threading.Event()
        listener = threading.Thread(
            target=_listen, args=(base, "live-opener", frames, connected, 2), daemon=True
        )
        listener.start()
        assert connected.wait(5)
        t0 = time.perf_counter()
        sent = requests.post(
            f"{base}/server/v4",
            json=event(event_id="live-open", event_name="appOpen", user_id="live-opener"),
            headers={"x-api-key": DEMO_KEY},
            timeout=5,
        )
        assert sent.status_code == 200
        listener.join(8)
        assert len(frames) == 2, frames  # welcome-back and the wheel's play-granted
        assert frames[0][0] - t0 < 1.0
        titles = {f["data"]["title"] for _t, f in frames}
        assert titles == {"Welcome back!", "You earned a spin"}
        for _t, f in frames:
            decode_sse(f)
        nudge_id = frames[0][1]["data"]["nudgeId"]
        assert _nudge(base, nudge_id)["state"] == "delivered"
        ack = requests.post(
            f"{base}/ack-nudge",
            json={"userId": "live-opener", "clientId": DEMO_TENANT, "nudgeId": nudge_id},
            headers={"x-api-key": DEMO_KEY},
            timeout=5,
        )
        assert ack.json() == {"status": "success"}
        shown = _nudge(base, nudge_id)
        assert shown["state"] == "acknowledged" and shown["acknowledgedAt"]

        # Not connected when it is sent: it waits, and comes when the user connects.
        requests.post(
            f"{base}/server/v4",
            json=event(event_id="late-open", event_name="appOpen", user_id="late-user"),
            headers={"x-api-key": DEMO_KEY},
            timeout=5,
        )
        later, connected = [], threading.Event()
        _listen(base, "late-user", later, connected, want=2, seconds=5)
        assert {f["data"]["title"] for _t, f in later} == {"Welcome back!", "You earned a spin"}
    finally:
        server.stop()
