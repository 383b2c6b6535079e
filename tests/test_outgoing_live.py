"""Outgoing requests against the live server: the whole retry cycle in virtual time with a GPG-
encrypted report, signatures checked by a real receiver, and a kill -9 of the delivery loop."""

import hashlib
import hmac
import json
import os
import signal
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.conftest import DEMO_KEY, DEMO_TENANT, LiveServer, free_port

ADMIN = "outgoing-admin"
HEADERS = {"X-Sandbox-Admin-Token": ADMIN}


def _admin(server, method, path, headers=None, **kwargs):
    resp = requests.request(
        method, f"{server.url}/_sandbox{path}", headers=headers or HEADERS, timeout=120, **kwargs
    )
    assert resp.status_code == 200, (path, resp.text)
    return resp


def _wait(predicate, timeout=20.0, what="condition", step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def _deliveries(server, **filters):
    return _admin(server, "GET", "/deliveries", params={"limit": 500, **filters}).json()[
        "deliveries"
    ]


def _delivery(server, delivery_id):
    return _admin(server, "GET", f"/deliveries/{delivery_id}").json()


COUPON_SHEET = (
    "Campaign ID,Campaign Type,Reward Variant,Reward Type,Reward Name,Coupon API,"
    "Coupon Code Path,Winning chance Percentage\n"
    "live-coupons,scratchcard,partner,coupons,Partner voucher,{url},code,100\n"
)


def test_the_whole_cycle_in_virtual_time_ends_in_an_encrypted_report(tmp_path, partner_gpg):
    gpg, fingerprint, public = partner_gpg
    public_key = public.read_text()
    server = LiveServer(tmp_path / "data", {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_TEST_MODE": "1"})
    try:
        hooks = f"{server.url}/_sandbox/hooks"
        _admin(server, "PUT", "/hooks/partner", json={"statuses": [500]})
        _admin(server, "PUT", "/hooks/coupons", json={"statuses": [503]})
        _admin(
            server,
            "PATCH",
            f"/tenants/{DEMO_TENANT}",
            json={
                "rewardWebhookUrl": f"{hooks}/partner",
                "timezone": "Asia/Kolkata",
                "delivery": {"jitter": 0},
                "gpgPublicKey": public_key,
            },
        )
        sheet = COUPON_SHEET.format(url=f"{hooks}/coupons").encode()
        _admin(
            server,
            "POST",
            f"/tenants/{DEMO_TENANT}/campaigns/import",
            data=sheet,
            headers={**HEADERS, "Content-Type": "text/csv"},
        )
        hook = _trigger(server, "cycle-user")
        played = _admin(
            server,
            "POST",
            f"/tenants/{DEMO_TENANT}/plays",
            json={"userId": "coupon-user", "campaignId": "live-coupons", "count": 1},
        ).json()["plays"][0]
        coupon = _wait(
            lambda: [d for d in _deliveries(server, kind="coupon_request") if d["attempts"]],
            what="the coupon request's first try (real time, by the delivery loop)",
        )[0]
        assert coupon["rewardId"] == played["rewardId"]

        # Three tries at the schedule: 0 s, +60 s, +300 s, then the dead letter.
        _admin(server, "POST", "/clock/advance", json={"seconds": 400})
        for delivery_id in (hook["deliveryId"], coupon["deliveryId"]):
            d = _delivery(server, delivery_id)
            assert d["status"] == "failed" and d["attempts"] == 3, d["decision"]
            at = [datetime.fromisoformat(a["at"]) for a in d["attemptList"]]
            gaps = [(b - a).total_seconds() for a, b in zip(at, at[1:], strict=False)]
            assert gaps[0] == pytest.approx(60, abs=2) and gaps[1] == pytest.approx(300, abs=2)
            assert "dead letter" in d["decision"]
        failed = requests.get(
            f"{server.url}/webhooks/v1/failed", headers={"x-api-key": DEMO_KEY}, timeout=5
        ).json()["data"]
        assert {d["deliveryId"] for d in failed["deliveries"]} == {
            hook["deliveryId"],
            coupon["deliveryId"],
        }

        # The partner fixes the coupon API before the evening; the webhook receiver stays down.
        _admin(server, "PUT", "/hooks/coupons", json={"statuses": [200], "couponCode": "EOD-1"})
        now = datetime.fromisoformat(_admin(server, "GET", "/clock").json()["now"])
        local = now.astimezone(ZoneInfo("Asia/Kolkata"))
        evening = local.replace(hour=18, minute=0, second=0, microsecond=0)
        if evening <= local:
            evening += timedelta(days=1)
        _admin(
            server,
            "POST",
            "/clock/advance",
            json={"seconds": (evening - local).total_seconds() + 30},
        )

        d = _delivery(server, hook["deliveryId"])
        last = d["attemptList"][-1]
        assert d["status"] == "failed" and last["trigger"] == "end_of_day"
        tried_at = datetime.fromisoformat(last["at"]).astimezone(ZoneInfo("Asia/Kolkata"))
        assert (tried_at.hour, tried_at.minute) == (18, 0)
        c = _delivery(server, coupon["deliveryId"])
        assert c["status"] == "delivered" and c["attemptList"][-1]["trigger"] == "end_of_day"
        webhooks = _deliveries(server, kind="reward_webhook", user="coupon-user")
        assert len(webhooks) == 1 and webhooks[0]["payload"]["code"] == "EOD-1"

        reports = _admin(server, "GET", "/reports", params={"tenant": DEMO_TENANT}).json()
        assert len(reports["reports"]) == 1
        rpt = reports["reports"][0]
        assert rpt["encrypted"] is True, rpt
        assert rpt["recipient"] == fingerprint and rpt["rows"] == 1
        armored = _admin(server, "GET", f"/reports/{rpt['reportId']}").text
        assert armored.startswith("-----BEGIN PGP MESSAGE-----")
        rows = json.loads(str(gpg.decrypt(armored)))["rows"]
        assert [r["deliveryId"] for r in rows] == [hook["deliveryId"]]
        assert rows[0]["attempts"] == 4 and rows[0]["userId"] == "cycle-user"
        csv_text = str(
            gpg.decrypt(
                _admin(server, "GET", f"/reports/{rpt['reportId']}", params={"format": "csv"}).text
            )
        )
        assert csv_text.splitlines()[0].startswith("deliveryId,kind,rewardId")
        assert hook["deliveryId"] in csv_text
    finally:
        server.stop()


class _Receiver(BaseHTTPRequestHandler):
    """A partner's receiver: verifies both signatures as the docs and the stock verifier do."""

    secret = ""
    seen: list = []
    delay = 0.0

    def do_POST(self):  # noqa: N802 - http.server's naming
        from standardwebhooks.webhooks import Webhook

        from sandbox.outgoing.signing import standard_secret

        raw = self.rfile.read(int(self.headers["Content-Length"]))
        # The docs' Python sample: parse, re-serialise compactly, HMAC-SHA1, compare.
        body = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":"))
        expected = hmac.new(self.secret.encode(), body.encode(), hashlib.sha1).hexdigest()
        cg_ok = hmac.compare_digest(expected, self.headers["X-CG-SIGNATURE"])
        try:
            Webhook(standard_secret(self.secret)).verify(raw, dict(self.headers.items()))
            std_ok = True
        except Exception:
            std_ok = False
        self.numbers.append((self.headers["X-CG-Delivery-Id"], self.headers["X-CG-Attempt"]))
        if self.delay:
            time.sleep(self.delay)
        self.seen.append((self.headers["X-CG-Delivery-Id"], cg_ok, std_ok))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the sandbox sends 16 at once; socketserver's default is 5


def _receiver(secret: str, delay: float = 0.0):
    handler = type(
        "Receiver", (_Receiver,), {"secret": secret, "seen": [], "numbers": [], "delay": delay}
    )
    httpd = _Server(("127.0.0.1", free_port()), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, handler


def _secret_of(server) -> str:
    shown = requests.get(
        f"{server.url}/_sandbox/tenants/{DEMO_TENANT}", headers=HEADERS, timeout=5
    ).json()
    assert shown["webhookSecret"]  # masked; read the store for the real one
    import sqlite3

    with sqlite3.connect(server.data_dir / "sandbox.db") as db:
        return db.execute(
            "SELECT webhook_secret FROM tenants WHERE id = ?", (DEMO_TENANT,)
        ).fetchone()[0]


def _trigger(server, user_id: str) -> dict:
    """Fire a reward webhook for `user_id` now; return the delivery."""
    return _admin(
        server,
        "POST",
        f"/tenants/{DEMO_TENANT}/trigger",
        json={"kind": "reward", "userId": user_id},
    ).json()


def _win(server, users):
    for user in users:
        body = {
            "event_id": f"open-{user}",
            "event_name": "appOpen",
            "user_id": user,
            "timestamp": "2026-12-02T10:00:00Z",
            "event_properties": {},
        }
        r = requests.post(
            f"{server.url}/server/v4", json=body, headers={"x-api-key": DEMO_KEY}, timeout=5
        )
        assert r.status_code == 200
        # The demo wheel always wins (ratios 1:2:3): each play queues one reward webhook.
        _admin(
            server,
            "POST",
            f"/tenants/{DEMO_TENANT}/plays",
            json={"userId": user, "campaignId": "demo-wheel", "count": 1},
        )


def test_a_real_receiver_verifies_both_signatures_on_every_delivery(tmp_path):
    server = LiveServer(
        tmp_path / "data",
        {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_TEST_MODE": "1", "SANDBOX_WORKERS": "2"},
    )
    httpd, handler = _receiver(_secret_of(server))
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/cglu"
        _admin(
            server,
            "PATCH",
            f"/tenants/{DEMO_TENANT}",
            json={"rewardWebhookUrl": url, "delivery": {"standardWebhooks": True}},
        )
        _win(server, [f"signed-{i}" for i in range(20)])
        _admin(
            server,
            "POST",
            f"/tenants/{DEMO_TENANT}/trigger",
            json={"kind": "reward", "userId": "ünïcødé-用户"},
        )
        _wait(lambda: len(handler.seen) >= 21, what="21 deliveries at the receiver")
        assert all(cg and std for _id, cg, std in handler.seen), handler.seen
        assert len({d for d, _c, _s in handler.seen}) == 21
    finally:
        httpd.shutdown()
        httpd.server_close()
        server.stop()


@pytest.mark.heavy
def test_kill_9_of_the_delivery_loop_loses_nothing(tmp_path):
    data = tmp_path / "data"
    env = {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_TEST_MODE": "1", "SANDBOX_WORKERS": "2"}
    server = LiveServer(data, env)
    httpd, handler = _receiver(_secret_of(server), delay=0.2)
    users = [f"crash-{i}" for i in range(60)]
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/cglu"
        _admin(
            server,
            "PATCH",
            f"/tenants/{DEMO_TENANT}",
            json={"rewardWebhookUrl": url, "delivery": {"connectTimeout": 1, "readTimeout": 2}},
        )
        _win(server, users)
        # Kill while an attempt is in flight: received (numbers) and not yet answered (seen);
        # the receiver holds each one 0.2 s, time enough for the kill to land inside it.
        _wait(
            lambda: len(handler.seen) >= 5 and len(handler.numbers) > len(handler.seen),
            what="the first deliveries, one in flight",
            step=0.01,  # seen early in its 0.2 s
        )
        leader = int((data / "delivery.lock").read_text().split()[-1])
        os.kill(leader, signal.SIGKILL)  # mid-delivery: up to 16 rows are claimed by it
        server.stop()
        server = LiveServer(data, env)
        # What failed while the process died (a reset connection) waits for its retry: move
        # the virtual clock past the schedule instead of waiting a minute.
        _admin(server, "POST", "/clock/advance", json={"seconds": 400})
        _wait(
            lambda: len({d for d, _c, _s in handler.seen}) >= 60,
            timeout=60,
            what="every delivery after the restart",
        )
        ids = [d for d, _c, _s in handler.seen]
        rows = _deliveries(server, kind="reward_webhook")
        assert len(rows) == 60 and {r["deliveryId"] for r in rows} == set(ids)
        assert all(r["status"] == "delivered" for r in rows)
        # A repeat (a row the killed process had sent but not recorded) keeps its id, and
        # carries the next attempt number: the record shows the interrupted one.
        assert len(ids) >= 60
        sent: dict = {}
        for delivery_id, number in handler.numbers:
            sent.setdefault(delivery_id, []).append(number)
        cut = [d for d, numbers in sent.items() if len(numbers) > 1]
        assert cut, "the kill -9 landed with no attempt in flight"
        for delivery_id in cut:
            assert len(set(sent[delivery_id])) == len(sent[delivery_id]), sent[delivery_id]
            shown = _delivery(server, delivery_id)["attemptList"]
            assert any(a["errorClass"] == "interrupted" for a in shown), shown
            assert shown[-1]["n"] == len(sent[delivery_id]) and shown[-1]["response"]["status"]
    finally:
        httpd.shutdown()
        httpd.server_close()
        server.stop()


@pytest.fixture(scope="module")
def rehearsal_server(tmp_path_factory):
    """One server (no delivery loop) for the four rehearsals: each programs a hook of its own."""
    env = {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_DELIVERY": "0"}
    with LiveServer(tmp_path_factory.mktemp("rehearsal") / "data", env) as server:
        yield server


@pytest.mark.xdist_group("rehearsal")
@pytest.mark.parametrize(
    "hook, program, kind",
    [
        ("close", {"behaviour": "close"}, "connection"),
        ("stall", {"behaviour": "stall"}, "timeout"),
        ("slow", {"behaviour": "timeout", "delaySeconds": 3}, "timeout"),
        ("busy", {"statuses": [503], "retryAfter": 90}, "http_status"),
    ],
)
def test_the_built_in_receiver_rehearses_failures_below_http(rehearsal_server, hook, program, kind):
    server = rehearsal_server
    _admin(server, "PUT", f"/hooks/{hook}", json=program)
    _admin(
        server,
        "PATCH",
        f"/tenants/{DEMO_TENANT}",
        json={
            "rewardWebhookUrl": f"{server.url}/_sandbox/hooks/{hook}",
            "delivery": {"readTimeout": 1},
        },
    )
    d = _trigger(server, "rehearsal")
    first = d["attemptList"][0]
    assert first["errorClass"] == kind, first
    if "retryAfter" in program:
        assert d["decision"].startswith("retry in 90 s: Retry-After")
    calls = _admin(server, "GET", f"/hooks/{hook}").json()["calls"]
    assert len(calls) == 1 and calls[0]["headers"]["X-Cg-Delivery-Id"] == d["deliveryId"]
