"""The webview pages: a granted play in the campaign list, the game page plays it once,
the wallet shows the reward, and every failure to open a page is explained."""

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sandbox.domain import nudges
from sandbox.store import CoreWrite
from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import bearer, register

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


def _event(client, name, props, user, event_id):
    body = {
        "event_id": event_id,
        "event_name": name,
        "user_id": user,
        "timestamp": "2026-11-27T10:00:00Z",
        "event_properties": props,
    }
    resp = client.post("/server/v4", json=body, headers={"x-api-key": DEMO_KEY})
    assert resp.status_code == 200
    return resp


def _campaign(client, token, campaign_id):
    body = client.get("/reward/v1.1/user", headers=bearer(token)).get_json()
    return next((c for c in body["campaigns"] if c["campaignId"] == campaign_id), None), body


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_a_granted_play_is_listed_played_once_and_lands_in_the_wallet(client):
    token, _ = register(client, "spinner")
    assert _campaign(client, token, "demo-wheel")[0] is None  # no play granted yet
    _event(client, "appOpen", {}, "spinner", "open-1")
    listed, body = _campaign(client, token, "demo-wheel")
    assert listed["status"] == "pristine" and listed["type"] == "spinthewheel"
    assert "/reward/?token=" in listed["url"] and "rewardUserId=ru_" in listed["url"]
    assert listed["banner"] == {
        "title": "Daily Spin",
        "userCampaignStatus": "pristine",
        "body": "1 play left",
    }
    assert body["defaultBanner"]["totalRewardCount"] == 0

    url = _local(listed["url"])
    page = client.get(url, headers=HTML)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'id="wheel"' in html and "Daily Spin" in html
    assert html.count('data-segment="') == 3  # ratios 1:2:3 fill the wheel: no "no reward"

    first = client.post(url, headers=JSON)
    assert first.status_code == 200
    played = first.get_json()
    assert played["won"] is True and played["alreadyPlayed"] is False
    assert played["variant"] in ("gold", "silver", "bronze")
    # The roll lies in the chosen variant's interval of the thresholds.
    bounds = [0.0, *played["thresholds"]]
    i = played["segment"]
    assert bounds[i] <= played["roll"] < bounds[i + 1]

    again = client.post(url, headers=JSON).get_json()
    assert again["alreadyPlayed"] is True and again["seq"] == played["seq"]
    assert again["reward"]["rewardId"] == played["reward"]["rewardId"]

    listed, body = _campaign(client, token, "demo-wheel")
    assert listed["status"] == "completed" and listed["banner"]["body"] == "played"
    assert body["defaultBanner"]["totalRewardCount"] == 1
    assert _campaign(client, token, "demo-wheel")[0] is not None
    completed = client.get("/reward/v1.1/user?status=completed", headers=bearer(token))
    assert [c["campaignId"] for c in completed.get_json()["campaigns"]] == ["demo-wheel"]

    shown = client.get(url, headers=HTML).get_data(as_text=True)
    result = shown[shown.index('id="result"') : shown.index("The odds")]
    assert f"You won {played['reward']['rewardName']}" in result and "(played before)" in result

    wallet = client.get(_local(body["defaultUrl"]), headers=HTML)
    assert wallet.status_code == 200
    assert f'data-reward="{played["reward"]["rewardId"]}"' in wallet.get_data(as_text=True)
    rewards = client.post("/reward/v2/user/reward", json={}, headers=bearer(token)).get_json()
    assert [r["rewardId"] for r in rewards["data"]["rewards"]] == [played["reward"]["rewardId"]]


def test_two_grants_are_two_plays_and_the_list_opens_the_one_left(client):
    token, _ = register(client, "twice")
    _event(client, "appOpen", {}, "twice", "o-1")
    _event(client, "appOpen", {}, "twice", "o-2")
    listed, _ = _campaign(client, token, "demo-wheel")
    assert listed["banner"]["body"] == "2 plays left"
    client.post(_local(listed["url"]), headers=JSON)
    second, _ = _campaign(client, token, "demo-wheel")
    assert second["status"] == "pristine" and second["url"] != listed["url"]
    client.post(_local(second["url"]), headers=JSON)
    done, _ = _campaign(client, token, "demo-wheel")
    assert done["status"] == "completed"


def test_a_form_post_without_script_comes_back_to_the_page_with_the_outcome(client):
    token, _ = register(client, "noscript")
    _event(client, "appOpen", {}, "noscript", "ns-1")
    url = _local(_campaign(client, token, "demo-wheel")[0]["url"])
    resp = client.post(url, headers=HTML)
    assert resp.status_code == 303 and resp.headers["Location"].endswith(url.split("?", 1)[1])
    page = client.get(url, headers=HTML).get_data(as_text=True)
    assert 'data-won="true"' in page and "You won" in page[page.index('id="result"') :]


def test_page_failures_are_explained_as_pages_for_browsers_and_json_for_scripts(app, client):
    token, _ = register(client, "owner")
    register(client, "intruder")
    _event(client, "appOpen", {}, "owner", "own-1")
    url = _local(_campaign(client, token, "demo-wheel")[0]["url"])
    rid = url.split("rewardUserId=")[1]

    bare = client.get("/wallet/")
    assert bare.status_code == 401
    assert bare.get_json()["reason"] == "page_credentials_missing"
    cut = client.get(url.replace("token=", "token=x").split("&")[0] + "&rewardUserId=" + rid)
    assert cut.status_code == 401
    page = client.get("/reward/?token=abc&rewardUserId=x", headers=HTML)
    assert page.status_code == 401 and page.mimetype == "text/html"
    assert 'data-reason="token_malformed"' in page.get_data(as_text=True)

    # The user's own API token opens pages too (the real service's URLs carry it).
    assert client.get(f"/reward/?token={token}&rewardUserId={rid}").status_code == 200
    other_token, _ = register(client, "intruder")
    stolen = client.get(f"/reward/?token={other_token}&rewardUserId={rid}", headers=JSON)
    assert stolen.status_code == 403 and stolen.get_json()["reason"] == "play_of_another_user"
    unknown = client.get(f"/reward/?token={token}&rewardUserId=ru_nope", headers=JSON)
    assert unknown.status_code == 404 and unknown.get_json()["bridge"] == "CG_INVALID_CAMPAIGN_ID"

    # A catalog game the reward sheet gives no variants has nothing to draw: its link says how
    # to make it playable (the demo sheet covers every demo game; take one out).
    catalog = next(
        c
        for c in client.get("/reward/v1.1/user", headers=bearer(token)).get_json()["campaigns"]
        if c["type"] in ("scratchcard", "quiz", "spinthewheel", "slotmachine")
        and not c["campaignId"].startswith("demo-")
    )
    with sqlite3.connect(Path(app.config["DATA_DIR"]) / "sandbox.db") as db:
        db.execute("DELETE FROM reward_campaigns WHERE campaign_id = ?", (catalog["campaignId"],))
    listed = client.get(_local(catalog["url"]), headers=JSON)
    assert listed.status_code == 409 and listed.get_json()["reason"] == "campaign_not_playable"

    # Page tokens last an hour on the sandbox clock.
    client.post(
        "/_sandbox/clock/advance",
        json={"seconds": 3700},
        headers={"X-Sandbox-Admin-Token": "test-admin-token"},
    )
    late = client.get(url, headers=JSON)
    assert late.status_code == 401 and late.get_json()["reason"] == "token_expired"


def test_the_direct_wallet_link_takes_a_writekey_and_a_user(client):
    register(client, "direct")
    ok = client.get(f"/wallet/?writekey={DEMO_KEY}&userId=direct", headers=HTML)
    assert ok.status_code == 200
    # Links on the page carry a page token, never the writeKey the page was opened with.
    assert DEMO_KEY not in ok.get_data(as_text=True)
    wrong = client.get("/wallet/?writekey=nope&userId=direct", headers=JSON)
    assert wrong.status_code == 401 and wrong.get_json()["reason"] == "writekey_unknown"
    nobody = client.get(f"/wallet/?writekey={DEMO_KEY}&userId=ghost", headers=JSON)
    assert nobody.status_code == 401 and nobody.get_json()["reason"] == "user_not_found"


def test_a_program_page_shows_the_campaign_or_explains_an_unknown_one(client):
    token, _ = register(client, "prog")
    body = client.get("/reward/v1.1/user", headers=bearer(token)).get_json()
    program = next(c for c in body["campaigns"] if "/program/" in c["url"])
    page = client.get(_local(program["url"]), headers=HTML)
    assert page.status_code == 200
    assert f'data-campaign="{program["campaignId"]}"' in page.get_data(as_text=True)
    missing = client.get(_local(program["url"]).split("&campaignId=")[0] + "&campaignId=nope")
    assert missing.status_code == 404 and missing.get_json()["reason"] == "campaign_not_found"
    html = client.get(
        _local(program["url"]).split("&campaignId=")[0] + "&campaignId=nope", headers=HTML
    ).get_data(as_text=True)
    assert 'cglu.post("CG_INVALID_CAMPAIGN_ID"' in html


def test_the_nudge_page_shows_a_sent_nudge_and_never_follows_a_script_link(app, client):
    register(client, "nudged")
    store = app.extensions["sandbox.store"]
    tenant_id = DEMO_TENANT
    safe = {
        "nudgeId": "ndg_safe",
        "title": "Hello",
        "body": "Come back",
        "clickAction": "myapp://x",
    }
    evil = {"nudgeId": "ndg_evil", "title": "Evil", "clickAction": "javascript:alert(1)"}
    for payload in (safe, evil):
        store.write(nudges.enqueue(tenant_id, "nudged", payload, "now"))
    base = f"/fragment-map/?writeKey={DEMO_KEY}&userId=nudged&fragmentMapId="
    page = client.get(base + "ndg_safe", headers=HTML).get_data(as_text=True)
    assert "Come back" in page and 'data-url="myapp://x"' in page
    assert "javascript:" not in client.get(base + "ndg_evil", headers=HTML).get_data(as_text=True)
    gone = client.get(base + "ndg_other", headers=JSON)
    assert gone.status_code == 404 and gone.get_json()["reason"] == "nudge_not_found"


def test_a_segment_only_sheet_campaign_grants_only_to_its_segment(client, admin_headers):
    _event(client, "completePurchase", {"amount": 1500}, "outsider", "vip-1")
    said = _event(client, "completePurchase", {"amount": 1500}, "outsider", "vip-2")
    assert "demo-vip-gift: no play (user outside the segment" in said.headers["X-Sandbox-Rewards"]
    explain = client.get(
        f"/_sandbox/tenants/{DEMO_TENANT}/explain",
        query_string={"userId": "outsider", "campaignId": "demo-vip-gift"},
        headers=admin_headers,
    ).get_json()
    assert explain["granted"] is False and "outside the segment" in explain["summary"]
    added = client.post(
        "/segment/demo-vip-gift/user/add",
        json={"userId": "outsider"},
        headers={"x-api-key": DEMO_KEY},
    )
    assert added.status_code == 200, added.get_json()
    later = _event(client, "completePurchase", {"amount": 1500}, "outsider", "vip-3")
    assert "demo-vip-gift: play granted" in later.headers["X-Sandbox-Rewards"]


def _draw_of_grant(seq: int) -> CoreWrite:
    sql = (
        "INSERT INTO draws (tenant_id, campaign_id, seq, user_id, roll, thresholds, outcome, "
        "at, reward_user_id) VALUES ('t', 'c', ?, 'u', 1, '[]', 'x', 'n', 'ru_same')"
    )
    return CoreWrite(lambda conn: conn.execute(sql, (seq,)))


def test_one_grant_is_drawn_once_even_if_two_plays_race(app):
    """The unique index on draws.reward_user_id is the guard, not a check in Python."""
    store = app.extensions["sandbox.store"]
    store.write(_draw_of_grant(1))
    with pytest.raises(sqlite3.IntegrityError):
        store.write(_draw_of_grant(2))
