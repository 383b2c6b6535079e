"""Outgoing requests through `responses` (an ordered registry): success, retries on the virtual
clock, dead letters, error classes, 410, 3xx, Retry-After, signatures, coupon requests."""

import hashlib
import hmac
import json

import pytest
import requests
import responses
from responses.registries import OrderedRegistry

from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import register

HOOK = "https://partner.test/hooks/reward"
ADMIN = {"X-Sandbox-Admin-Token": "test-admin-token"}


def _patch(client, **body):
    resp = client.patch(f"/_sandbox/tenants/{DEMO_TENANT}", json=body, headers=ADMIN)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _trigger(client, user="alice", kind="reward"):
    resp = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/trigger",
        json={"kind": kind, "userId": user},
        headers=ADMIN,
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _advance(client, seconds):
    resp = client.post("/_sandbox/clock/advance", json={"seconds": seconds}, headers=ADMIN)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _delivery(client, delivery_id):
    return client.get(f"/_sandbox/deliveries/{delivery_id}", headers=ADMIN).get_json()


def _secret(app):
    store = app.extensions["sandbox.store"]
    return store.one("SELECT webhook_secret FROM tenants WHERE id = ?", (DEMO_TENANT,))[
        "webhook_secret"
    ]


@responses.activate(registry=OrderedRegistry)
def test_first_try_success_is_signed_as_the_docs_python_sample_verifies(app, client):
    responses.post(HOOK, status=200, json={"ok": True})
    _patch(client, rewardWebhookUrl=HOOK)
    d = _trigger(client)
    assert d["status"] == "delivered" and d["attempts"] == 1
    sent = responses.calls[0].request
    payload = json.loads(sent.body)
    # The docs' Python verifier: re-serialise compactly, non-ASCII as is, HMAC-SHA1 hex.
    expected = hmac.new(
        _secret(app).encode(),
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(),
        hashlib.sha1,
    ).hexdigest()
    assert sent.headers["X-CG-SIGNATURE"] == expected
    assert sent.headers["X-CG-Delivery-Id"] == d["deliveryId"]
    assert d["attemptList"][0]["decision"].startswith("delivered: HTTP 200")


@responses.activate(registry=OrderedRegistry)
def test_500_500_200_is_three_attempts_on_the_schedule_then_delivered(client):
    for status in (500, 500, 200):
        responses.post(HOOK, status=status)
    _patch(client, rewardWebhookUrl=HOOK, delivery={"jitter": 0})
    d = _trigger(client)
    assert d["status"] == "retrying"
    assert d["decision"] == "retry in 60 s: try 1 of 3 failed (HTTP 500)"
    _advance(client, 59)
    assert _delivery(client, d["deliveryId"])["attempts"] == 1  # not before its time
    _advance(client, 2)
    second = _delivery(client, d["deliveryId"])
    assert second["attempts"] == 2 and "retry in 300 s" in second["decision"]
    _advance(client, 300)
    done = _delivery(client, d["deliveryId"])
    assert done["status"] == "delivered" and [
        a["response"]["status"] for a in done["attemptList"]
    ] == [
        500,
        500,
        200,
    ]
    ids = {c.request.headers["X-CG-Delivery-Id"] for c in responses.calls}
    assert ids == {d["deliveryId"]}  # the partner's dedupe key is the same on every try


@responses.activate(registry=OrderedRegistry)
def test_three_failures_make_a_dead_letter_the_partner_can_fetch(client):
    for _ in range(3):
        responses.post(HOOK, status=503)
    _patch(client, rewardWebhookUrl=HOOK)
    d = _trigger(client, user="bob")
    _advance(client, 1800)
    failed = _delivery(client, d["deliveryId"])
    assert failed["status"] == "failed" and failed["attempts"] == 3
    assert "dead letter" in failed["decision"]
    listed = client.get("/webhooks/v1/failed", headers={"x-api-key": DEMO_KEY}).get_json()
    assert listed["data"]["total"] == 1
    assert listed["data"]["deliveries"][0]["payload"]["userId"] == "bob"
    admin = client.get("/_sandbox/deliveries?status=failed", headers=ADMIN).get_json()
    assert [x["deliveryId"] for x in admin["deliveries"]] == [d["deliveryId"]]
    assert client.get("/webhooks/v1/failed").status_code == 401


@pytest.mark.parametrize(
    "error, kind",
    [
        (requests.ConnectTimeout("connect timed out"), "timeout"),
        (requests.ReadTimeout("read timed out"), "timeout"),
        (requests.ConnectionError("[Errno 111] Connection refused"), "refused"),
        (requests.exceptions.SSLError("certificate verify failed"), "tls"),
        (requests.ConnectionError("NameResolutionError: Failed to resolve"), "dns"),
        (requests.exceptions.ChunkedEncodingError("Connection broken"), "connection"),
    ],
)
@responses.activate(registry=OrderedRegistry)
def test_errors_below_http_are_classified(client, error, kind):
    responses.post(HOOK, body=error)
    _patch(client, rewardWebhookUrl=HOOK)
    d = _trigger(client)
    assert d["attemptList"][0]["errorClass"] == kind and d["status"] == "retrying"


@responses.activate(registry=OrderedRegistry)
def test_410_disables_the_endpoint_until_its_url_is_set_again(client):
    responses.post(HOOK, status=410)
    responses.post(HOOK, status=200)
    responses.post(HOOK, status=200)
    _patch(client, rewardWebhookUrl=HOOK)
    gone = _trigger(client)
    assert gone["status"] == "disabled" and "410" in gone["decision"]
    held = _trigger(client)
    assert held["status"] == "held" and "disabled by a 410" in held["decision"]
    assert len(responses.calls) == 1
    shown = _patch(client, rewardWebhookUrl=HOOK)  # re-enables and releases what was held
    assert shown["delivery"]["disabled"] == {}
    _advance(client, 0)  # both go again: the one the 410 stopped, and the one held
    assert _delivery(client, held["deliveryId"])["status"] == "delivered"
    assert _delivery(client, gone["deliveryId"])["status"] == "delivered"


@responses.activate(registry=OrderedRegistry)
def test_a_3xx_is_a_failure_and_is_not_followed(client):
    responses.post(HOOK, status=302, headers={"Location": "https://elsewhere.test/"})
    _patch(client, rewardWebhookUrl=HOOK)
    d = _trigger(client)
    assert d["status"] == "retrying" and "3xx is a failure" in d["decision"]
    assert len(responses.calls) == 1


@responses.activate(registry=OrderedRegistry)
def test_429_with_retry_after_waits_that_long(client):
    responses.post(HOOK, status=429, headers={"Retry-After": "120"})
    responses.post(HOOK, status=200)
    _patch(client, rewardWebhookUrl=HOOK)
    d = _trigger(client)
    assert d["decision"].startswith("retry in 120 s: Retry-After")
    _advance(client, 119)
    assert _delivery(client, d["deliveryId"])["attempts"] == 1
    _advance(client, 2)
    assert _delivery(client, d["deliveryId"])["status"] == "delivered"


def test_no_url_holds_the_request_and_setting_one_sends_it(client):
    d = _trigger(client)
    assert d["status"] == "held" and "rewardWebhookUrl" in d["decision"]
    with responses.RequestsMock() as mock:
        mock.post(HOOK, status=200)
        _patch(client, rewardWebhookUrl=HOOK)
        _advance(client, 0)
    assert _delivery(client, d["deliveryId"])["status"] == "delivered"


@responses.activate(registry=OrderedRegistry)
def test_standard_webhooks_headers_pass_the_stock_verifier(app, client):
    from standardwebhooks.webhooks import Webhook

    from sandbox.outgoing.signing import standard_secret

    responses.post(HOOK, status=200)
    _patch(client, rewardWebhookUrl=HOOK, delivery={"standardWebhooks": True})
    _trigger(client)
    sent = responses.calls[0].request
    verified = Webhook(standard_secret(_secret(app))).verify(sent.body, dict(sent.headers))
    assert verified["userId"] == "alice"
    with pytest.raises(Exception):  # noqa: B017 - the package raises its own error class
        Webhook(standard_secret("another-secret")).verify(sent.body, dict(sent.headers))


COUPON_API = "https://partner.test/coupons"
SHEET = (
    "Campaign ID,Campaign Type,Reward Variant,Reward Type,Reward Name,Coupon API,"
    "Coupon Code Path,Winning chance Percentage\n"
    f"api-coupons,scratchcard,partner,coupons,Partner voucher,{COUPON_API},data.code,100\n"
)


def _import(client):
    resp = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/campaigns/import",
        data=SHEET.encode(),
        headers={**ADMIN, "Content-Type": "text/csv"},
    )
    assert resp.status_code == 200, resp.get_json()


def _play(client, user="carol"):
    resp = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/plays",
        json={"userId": user, "campaignId": "api-coupons", "count": 1},
        headers=ADMIN,
    )
    return resp.get_json()["plays"][0]


def _rewards(app, reward_id):
    store = app.extensions["sandbox.store"]
    reward = store.one("SELECT status, code FROM rewards WHERE reward_id = ?", (reward_id,))
    hooks = store.all(
        "SELECT payload FROM outbox WHERE kind = 'reward_webhook' AND reward_id = ?", (reward_id,)
    )
    return reward, hooks


@responses.activate(registry=OrderedRegistry)
def test_a_coupon_api_answering_500_500_then_a_code_completes_the_reward_once(app, client):
    responses.post(COUPON_API, status=500)
    responses.post(COUPON_API, status=500)
    responses.post(COUPON_API, status=200, json={"data": {"code": "PARTNER-42"}})
    responses.post(HOOK, status=200)
    _patch(client, rewardWebhookUrl=HOOK)
    _import(client)
    played = _play(client)
    reward, hooks = _rewards(app, played["rewardId"])
    assert reward == {"status": "pending", "code": None} and hooks == []
    _advance(client, 1800)
    reward, hooks = _rewards(app, played["rewardId"])
    assert reward == {"status": "redeemable-unseen", "code": "PARTNER-42"}
    assert len(hooks) == 1 and json.loads(hooks[0]["payload"])["code"] == "PARTNER-42"
    coupon_calls = [c for c in responses.calls if c.request.url == COUPON_API]
    keys = {c.request.headers["Idempotency-Key"] for c in coupon_calls}
    assert len(coupon_calls) == 3 and len(keys) == 1  # one idempotency key: transactionId
    assert [c.request.url for c in responses.calls][-1] == HOOK  # its webhook, sent at once


@responses.activate(registry=OrderedRegistry)
def test_a_2xx_without_a_code_is_a_failure_with_that_reason(app, client):
    responses.post(COUPON_API, status=200, json={"data": {}})
    responses.post(COUPON_API, status=200, body="not json")
    _import(client)
    played = _play(client, user="dave")
    store = app.extensions["sandbox.store"]
    row = store.one(
        "SELECT delivery_id FROM outbox WHERE kind = 'coupon_request' AND reward_id = ?",
        (played["rewardId"],),
    )
    _advance(client, 0)
    d = _delivery(client, row["delivery_id"])
    assert d["attemptList"][0]["errorClass"] == "no_code"
    assert "no code at 'data.code'" in d["attemptList"][0]["error"]
    _advance(client, 70)
    d = _delivery(client, row["delivery_id"])
    assert "not JSON" in d["attemptList"][1]["error"]
    assert _rewards(app, played["rewardId"])[0]["status"] == "pending"
    register(client, "dave")
    wallet = client.get(
        f"/wallet/?writekey={DEMO_KEY}&userId=dave", headers={"Accept": "text/html"}
    ).get_data(as_text=True)
    assert 'data-testid="pending">on its way' in wallet


def test_settings_are_checked_all_at_once_and_change_nothing_when_wrong(client):
    bad = client.patch(
        f"/_sandbox/tenants/{DEMO_TENANT}",
        json={"rewardWebhookUrl": "ftp://x", "delivery": {"tries": 0, "nope": 1}, "timezone": "X"},
        headers=ADMIN,
    )
    assert bad.status_code == 400
    message = bad.get_json()["message"]
    for part in (
        "rewardWebhookUrl",
        "tries must be",
        "unknown delivery setting 'nope'",
        "timezone",
    ):
        assert part in message
    shown = client.get(f"/_sandbox/tenants/{DEMO_TENANT}", headers=ADMIN).get_json()
    assert shown["reward_webhook_url"] is None


def test_the_open_receiver_keeps_a_bounded_number_of_names(client, monkeypatch):
    from sandbox.outgoing import receiver as hooks

    monkeypatch.setattr(hooks, "MAX_HOOKS", 2)
    for name in ("one", "two"):
        assert client.post(f"/_sandbox/hooks/{name}", json={}).status_code == 200
    refused = client.post("/_sandbox/hooks/three", json={})
    assert refused.status_code == 404 and refused.get_json()["reason"] == "hook_not_found"
    assert client.post("/_sandbox/hooks/one", json={}).status_code == 200  # known names answer


@responses.activate(registry=OrderedRegistry)
def test_a_reward_won_nudge_waits_for_the_coupon_code(app, client):
    responses.post(COUPON_API, status=500)
    responses.post(COUPON_API, status=200, json={"data": {"code": "PARTNER-7"}})
    responses.post(HOOK, status=200)
    _patch(client, rewardWebhookUrl=HOOK)
    _import(client)
    sheet = "Nudge ID,Trigger,Channel,Title,Body\nwon,reward_won,inapp,You won,See your code\n"
    imported = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/nudges/import",
        data=sheet.encode(),
        headers={**ADMIN, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.get_json()
    played = _play(client, user="dora")

    def won_nudges():
        listed = client.get("/_sandbox/nudges?user=dora", headers=ADMIN).get_json()["nudges"]
        return [n for n in listed if n["definitionId"] == "won"]

    assert won_nudges() == []  # "see your code" while there is no code yet: not sent
    _advance(client, 1800)
    reward, _hooks = _rewards(app, played["rewardId"])
    assert reward["code"] == "PARTNER-7"
    assert [n["trigger"] for n in won_nudges()] == ["reward_won"]  # sent with the code


def _end_of_day_hours_away(client, hours: float) -> str:
    """Return the tenant's local time `hours` from the sandbox's now, as endOfDay takes it:
    a test that moves the clock an hour must not cross the evening retry by the time it runs."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    zone = client.get(f"/_sandbox/tenants/{DEMO_TENANT}", headers=ADMIN).get_json()["timezone"]
    now = client.get("/_sandbox/clock", headers=ADMIN).get_json()["now"]
    local = datetime.fromisoformat(now.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return (local + timedelta(hours=hours)).strftime("%H:%M")


@responses.activate(registry=OrderedRegistry)
def test_a_delivery_shows_the_url_it_goes_to_and_a_dead_letter_says_what_is_next(client):
    responses.post(HOOK, status=500)
    responses.post(HOOK, status=500)
    responses.post(HOOK, status=500)
    _patch(client, rewardWebhookUrl=HOOK, delivery={"endOfDay": _end_of_day_hours_away(client, 6)})
    delivery_id = _trigger(client)["deliveryId"]
    shown = _delivery(client, delivery_id)
    assert shown["url"] == HOOK and shown["urlFrom"] == "tenant"
    _advance(client, 3600)
    dead = _delivery(client, delivery_id)
    assert dead["status"] == "failed"
    assert "to be tried once more at the end of the day" in dead["decision"]


@responses.activate(registry=OrderedRegistry)
def test_a_dead_coupon_request_is_not_on_its_way_in_the_wallet(app, client):
    for _ in range(3):
        responses.post(COUPON_API, status=503)
    _import(client)
    token, _ = register(client, "erin")
    played = _play(client, user="erin")
    wallet = client.get(f"/wallet/?token={token}").get_data(as_text=True)
    assert 'data-testid="pending"' in wallet  # asked for, not answered yet
    _advance(client, 3600)
    reward, _hooks = _rewards(app, played["rewardId"])
    assert reward == {"status": "coupon-failed", "code": None}
    wallet = client.get(f"/wallet/?token={token}").get_data(as_text=True)
    assert 'data-testid="coupon-failed"' in wallet and "on its way" not in wallet


def test_a_server_that_sends_nothing_never_loads_requests(tmp_path):
    """requests is ~5 MB a process: created, the app has not imported it; the first attempt does."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from sandbox import create_app\n"
        "from sandbox.outgoing.engine import Engine\n"
        "app = create_app()\n"
        "rt = app.extensions['sandbox.runtime']\n"
        "engine = Engine(rt.store, rt.clock, 'seed')\n"
        "print('requests' in sys.modules, 'urllib3' in sys.modules)\n"
        "engine.session\n"
        "print('requests' in sys.modules)\n"
        "engine.close()\n"
    )
    env = {"SANDBOX_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False", "True"]


@responses.activate
def test_the_evening_retry_reads_its_dead_letters_a_page_at_a_time(client, monkeypatch):
    """Five dead letters, pages of two: every one retried once, the report lists the five."""
    from sandbox.outgoing import outbox_rows

    responses.post(HOOK, status=500)  # the receiver stays down all day
    _patch(client, rewardWebhookUrl=HOOK, delivery={"endOfDay": _end_of_day_hours_away(client, 6)})
    ids = [_trigger(client, user=f"page-{n}")["deliveryId"] for n in range(5)]
    _advance(client, 3600)
    assert {_delivery(client, i)["status"] for i in ids} == {"failed"}

    monkeypatch.setattr(outbox_rows, "PAGE", 2)
    pages = []
    real = outbox_rows.untried_pages

    def spy(*args, **kwargs):
        for page in real(*args, **kwargs):
            pages.append(len(page))
            yield page

    monkeypatch.setattr(outbox_rows, "untried_pages", spy)
    ran = [
        r
        for r in _advance(client, 6 * 3600)["deliveries"]["endOfDay"]
        if r["tenant"] == "Demo Partner"
    ]
    assert pages == [2, 2, 1]
    assert [(r["retried"], r["stillFailing"]) for r in ran] == [(5, 5)]
    for delivery_id in ids:
        last = _delivery(client, delivery_id)["attemptList"][-1]
        assert last["trigger"] == "end_of_day"
    # A second evening retries none of them again (each was retried once).
    pages.clear()
    again = [
        r
        for r in _advance(client, 24 * 3600)["deliveries"]["endOfDay"]
        if r["tenant"] == "Demo Partner"
    ]
    assert pages == [] and [(r["retried"], r["stillFailing"]) for r in again] == [(0, 0)]
    # Each page seeks the partial index of the untried ones, never (tenant, status, id),
    # which would step over every dead letter earlier evenings left failed.
    conn = client.application.extensions["sandbox.store"]._conn(journal=False)
    plan = conn.execute("EXPLAIN QUERY PLAN " + outbox_rows.UNTRIED, ("t", 0, 2)).fetchall()
    assert [step for *_ids, step in plan] == [
        "SEARCH outbox USING INDEX idx_outbox_evening (tenant_id=? AND id>?)"
    ]


def test_the_attempts_racing_for_the_first_session_share_one(app, monkeypatch):
    """The session is made on first use; sixteen attempts starting at once make one, not many."""
    import threading
    import time

    from sandbox.outgoing import engine as engine_mod
    from sandbox.outgoing import send

    made = []

    class Session:
        def close(self):
            pass

    def slow_session():
        time.sleep(0.01)  # wide enough for every thread to find no session yet
        made.append(Session())
        return made[-1]

    monkeypatch.setattr(send, "session", slow_session)
    rt = app.extensions["sandbox.runtime"]
    engine = engine_mod.Engine(rt.store, rt.clock, "seed")
    seen, start = [], threading.Barrier(16)

    def first_attempt():
        start.wait()
        seen.append(engine.session)

    threads = [threading.Thread(target=first_attempt) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.close()
    assert len(made) == 1 and all(s is made[0] for s in seen)


def test_the_engines_due_queries_seek_by_status_and_time(app):
    """The claim and the idle probe read (status, next_at), soonest first, not every pending
    row in id order through (status, id), which the planner would otherwise prefer."""
    from sandbox.outgoing import outbox_rows

    store = app.extensions["sandbox.store"]
    conn = store._conn(journal=False)
    ran: list[str] = []
    conn.set_trace_callback(ran.append)
    try:
        assert outbox_rows.claimable(conn, 0, 0, 16) == []
        assert outbox_rows.any_claimable(store, 0, 0) is False
    finally:
        conn.set_trace_callback(None)
    due = [sql for sql in ran if "FROM outbox" in sql]
    assert len(due) == 2
    for sql in due:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        assert plan[0] == "SEARCH outbox USING INDEX idx_outbox_due (status=?)", plan
