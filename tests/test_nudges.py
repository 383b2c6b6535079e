"""Nudges: a test per trigger kind, delays on the virtual clock, expiry, audiences, the sheet's
errors, the in-app frame as the Android model reads it, and the nudge webhook's engine."""

import hashlib
import hmac
import json

import responses
from responses.registries import OrderedRegistry

from sandbox.api.nudges import frame
from sandbox.domain.nudges import queue
from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import event, register
from tests.sdk_models import decode_sse

ADMIN = {"X-Sandbox-Admin-Token": "test-admin-token"}
KEY = {"x-api-key": DEMO_KEY}
HOOK = "https://partner.test/nudges"


def _nudges(client, user):
    resp = client.get(f"/_sandbox/nudges?user={user}", headers=ADMIN)
    assert resp.status_code == 200
    return resp.get_json()["nudges"]


def _advance(client, seconds):
    resp = client.post("/_sandbox/clock/advance", json={"seconds": seconds}, headers=ADMIN)
    assert resp.status_code == 200, resp.get_json()


def _post(client, **fields):
    resp = client.post("/server/v4", json=event(**fields), headers=KEY)
    assert resp.status_code == 200
    return resp.headers["X-Sandbox-Request-Id"]


def _sse_rows(app, user):
    store = app.extensions["sandbox.store"]
    clock = app.extensions["sandbox.clock"]
    return queue.pending(store, DEMO_TENANT, user, 0, clock.time())


def test_an_event_triggers_its_nudge_in_the_events_transaction(app, client):
    rid = _post(client, event_id="open-1", event_name="appOpen", user_id="opener")
    found = {n["definitionId"]: n for n in _nudges(client, "opener")}
    welcome = found["welcome-back"]
    assert welcome["trigger"] == "event" and welcome["cause"] == rid
    assert welcome["channels"] == {"inapp": "queued"} and welcome["releasedAt"]
    # The demo wheel's grant (appOpen) sends its own nudge, in-app and to the webhook.
    granted = found["play-granted"]
    assert granted["trigger"] == "campaign_granted"
    assert set(granted["channels"]) == {"inapp", "webhook"}
    frames = _sse_rows(app, "opener")
    assert {json.loads(f["payload"])["title"] for f in frames} == {
        "Welcome back!",
        "You earned a spin",
    }
    # A condition that does not hold sends nothing: big-cart needs amount >= 1000.
    _post(client, event_id="small-1", user_id="buyer", event_properties={"amount": 200})
    assert _nudges(client, "buyer") == []
    _post(client, event_id="big-1", user_id="buyer", event_properties={"amount": 1500})
    big = _nudges(client, "buyer")[0]
    assert big["definitionId"] == "big-cart" and big["push"]["type"] == "CustomerGlu"
    assert big["push"]["glu_message_type"] == "push" and big["state"] == "delivered"


def test_a_reward_won_and_a_reward_about_to_expire(client):
    played = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/plays",
        json={"userId": "winner", "campaignId": "demo-wheel", "count": 1},
        headers=ADMIN,
    ).get_json()["plays"][0]
    won = [n for n in _nudges(client, "winner") if n["trigger"] == "reward_won"]
    assert len(won) == 1 and won[0]["cause"] == played["rewardId"]
    # Until a save10 coupon (72 h) is drawn, play the scratch card; then its expiry nudge
    # is due 24 h before the coupon expires.
    for _ in range(60):
        got = client.post(
            f"/_sandbox/tenants/{DEMO_TENANT}/plays",
            json={"userId": "saver", "campaignId": "demo-scratch-500", "count": 1},
            headers=ADMIN,
        ).get_json()["plays"][0]
        if got["variant"] == "save10":
            break
    expiring = [n for n in _nudges(client, "saver") if n["trigger"] == "reward_expiring"]
    assert len(expiring) == 1 and expiring[0]["releasedAt"] is None
    _advance(client, 48 * 3600 - 5)
    still = [n for n in _nudges(client, "saver") if n["trigger"] == "reward_expiring"]
    assert still[0]["releasedAt"] is None
    _advance(client, 10)
    released = [n for n in _nudges(client, "saver") if n["trigger"] == "reward_expiring"][0]
    assert released["releasedAt"] is not None and released["push"]["title"].startswith(
        "Your coupon"
    )


def test_a_delayed_nudge_waits_for_the_virtual_clock_and_not_a_second_less(app, client):
    _post(client, event_id="cart-1", event_name="cartAbandoned", user_id="hesitant")
    later = _nudges(client, "hesitant")[0]
    assert later["definitionId"] == "come-back-later" and later["releasedAt"] is None
    assert _sse_rows(app, "hesitant") == []
    _advance(client, 1799)
    assert _nudges(client, "hesitant")[0]["releasedAt"] is None
    _advance(client, 2)
    assert _nudges(client, "hesitant")[0]["releasedAt"] is not None
    assert len(_sse_rows(app, "hesitant")) == 1


def test_an_expired_nudge_is_not_delivered(app, client):
    sent = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/nudges/send",
        json={"userId": "away", "title": "Flash sale", "expirySeconds": 60},
        headers=ADMIN,
    ).get_json()
    assert len(_sse_rows(app, "away")) == 1
    _advance(client, 61)
    assert _sse_rows(app, "away") == []  # the user connects too late: nothing comes
    shown = client.get(f"/_sandbox/nudges/{sent['nudgeId']}", headers=ADMIN).get_json()
    assert shown["state"] == "expired" and shown["expiredAt"]


SHEET = (
    "Nudge ID,Trigger,Trigger Event,Audience,Audience Value,Title,Channel\n"
    "testers-only,event,betaOpen,users,tess;tom,Beta is open,inapp\n"
    "vip-only,event,betaOpen,segment,demo-vip-gift,VIP beta,inapp\n"
)


def test_the_audience_rules_hold(client):
    imported = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/nudges/import",
        data=SHEET.encode(),
        headers={**ADMIN, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.get_json()
    client.post("/segment/demo-vip-gift/user/add", json={"userId": "vera"}, headers=KEY)
    for user in ("tess", "vera", "nobody"):
        _post(client, event_id=f"beta-{user}", event_name="betaOpen", user_id=user)
    assert [n["definitionId"] for n in _nudges(client, "tess")] == ["testers-only"]
    assert [n["definitionId"] for n in _nudges(client, "vera")] == ["vip-only"]
    assert _nudges(client, "nobody") == []


def test_a_bad_nudge_sheet_names_each_row_and_column_and_changes_nothing(client):
    bad = (
        "Nudge ID,Trigger,Trigger Event,Trigger Condition,Title,Channel,Page Type,Audience\n"
        "a,sometimes,,,Hi,inapp,middle-popup,all\n"
        "b,event,,,Hi,inapp,middle-popup,all\n"
        "c,event,x,amount >>> 3,Hi,carrier-pigeon,sideways,all\n"
        "a,event,x,,,inapp,middle-popup,users\n"
    )
    resp = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/nudges/import",
        data=bad.encode(),
        headers={**ADMIN, "Content-Type": "text/csv"},
    )
    assert resp.status_code == 422
    found = {(e["row"], e["column"]) for e in resp.get_json()["errors"]}
    assert {
        (2, "Trigger"),
        (3, "Trigger Event"),
        (4, "Trigger Condition"),
        (4, "Channel"),
        (4, "Page Type"),
        (5, "Nudge ID"),
        (5, "Title"),
        (5, "Audience Value"),
    } <= found
    listed = client.get(f"/_sandbox/tenants/{DEMO_TENANT}/nudges/definitions", headers=ADMIN)
    assert {n["nudgeId"] for n in listed.get_json()["nudges"]} >= {"welcome-back"}
    assert "a" not in {n["nudgeId"] for n in listed.get_json()["nudges"]}


def test_the_in_app_frame_decodes_as_the_android_sse_model(app, client):
    client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/nudges/send",
        json={"userId": "droid", "title": "Hi", "body": "There", "pageType": "bottom-slider"},
        headers=ADMIN,
    )
    row = _sse_rows(app, "droid")[0]
    text = frame(row)
    data = json.loads(text.split("data: ", 1)[1])
    decode_sse(data)
    assert data["data"]["pageType"] == "bottom-slider" and data["data"]["relativeHeight"] == "70"
    assert "/fragment-map/?fragmentMapId=" in data["data"]["clickAction"]
    register(client, "droid")
    page = client.get(
        data["data"]["clickAction"].split("8080", 1)[-1], headers={"Accept": "text/html"}
    )
    assert page.status_code == 200 and "There" in page.get_data(as_text=True)


@responses.activate(registry=OrderedRegistry)
def test_nudge_webhooks_are_signed_and_retried_like_reward_webhooks(app, client):
    responses.post(HOOK, status=500)
    responses.post(HOOK, status=200)
    patched = client.patch(
        f"/_sandbox/tenants/{DEMO_TENANT}",
        json={"nudgeWebhookUrl": HOOK, "delivery": {"jitter": 0}},
        headers=ADMIN,
    )
    assert patched.status_code == 200
    sent = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/nudges/send",
        json={"userId": "hooked", "title": "Via webhook", "channels": ["webhook"]},
        headers=ADMIN,
    ).get_json()
    _advance(client, 0)
    first = client.get(f"/_sandbox/nudges/{sent['nudgeId']}", headers=ADMIN).get_json()
    assert first["state"] == "queued" and first["channels"] == {"webhook": "queued"}
    _advance(client, 61)
    done = client.get(f"/_sandbox/nudges/{sent['nudgeId']}", headers=ADMIN).get_json()
    assert done["state"] == "delivered" and done["channels"] == {"webhook": "delivered"}
    delivery = client.get(f"/_sandbox/deliveries/{done['deliveryId']}", headers=ADMIN).get_json()
    assert [a["response"]["status"] for a in delivery["attemptList"]] == [500, 200]
    sent_req = responses.calls[-1].request
    body = json.loads(sent_req.body)
    assert body["webhookType"] == "nudge" and body["content"]["title"] == "Via webhook"
    secret = app.extensions["sandbox.store"].one(
        "SELECT webhook_secret FROM tenants WHERE id = ?", (DEMO_TENANT,)
    )["webhook_secret"]
    expected = hmac.new(
        secret.encode(),
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        hashlib.sha1,
    ).hexdigest()
    assert sent_req.headers["X-CG-SIGNATURE"] == expected


def test_an_acknowledged_nudge_says_so(app, client):
    sent = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/nudges/send",
        json={"userId": "acker", "title": "Ack me"},
        headers=ADMIN,
    ).get_json()
    ack = client.post(
        "/ack-nudge", json={"userId": "acker", "nudgeId": sent["nudgeId"]}, headers=KEY
    )
    assert ack.status_code == 200
    shown = client.get(f"/_sandbox/nudges/{sent['nudgeId']}", headers=ADMIN).get_json()
    assert shown["state"] == "acknowledged" and shown["acknowledgedAt"]
    assert _sse_rows(app, "acker") == []
