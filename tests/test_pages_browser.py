"""End to end in a real browser against the live server: register, a qualifying event, the
campaign in the list, the game page played in chromium, the reward in the wallet, the reward
proxy and the webhook row; the SDKs' reward models decode every answer."""

import json
import os
import shutil
import sqlite3

import pytest
import requests

from tests.conftest import DEMO_KEY, DEMO_TENANT, LiveServer
from tests.sdk_models import REWARD_WEBHOOK, decode, decode_campaigns

# One chromium and one server for the module (a start of each costs a second of CPU): its
# tests run on one xdist worker, first (heavy), so the group is not the suite's tail.
pytestmark = [pytest.mark.xdist_group("browser-pages"), pytest.mark.heavy]

ADMIN = "browser-admin"
SHEET = (
    "Campaign ID,Campaign Name,Campaign Type,Trigger Event,Trigger Condition,Reward Variant,"
    "Reward Type,Reward Name,Reward Amount,Coupon Codes,Winning chance Percentage\n"
    "e2e-scratch,Checkout scratch,scratchcard,checkout,amount >= 100,voucher,coupons,"
    "15% voucher,15,E2E-AAA1;E2E-BBB2;E2E-CCC3,100%\n"
)


def _browser_path() -> str:
    found = os.environ.get("SANDBOX_BROWSER") or shutil.which("chromium")
    if found and os.path.exists(found):
        return found
    if os.environ.get("SANDBOX_REQUIRE_CONTRACT_TOOLS"):
        pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
    pytest.skip("chromium is not installed (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def browser():
    path = _browser_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = LiveServer(
        tmp_path_factory.mktemp("browser") / "data",
        {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_WORKERS": "2"},
    )
    yield srv
    srv.stop()


def _register(server, user_id: str) -> str:
    body = {"userId": user_id, "writeKey": DEMO_KEY, "deviceType": "android"}
    resp = requests.post(f"{server.url}/user/v1/user/sdk?token=true", json=body, timeout=5)
    assert resp.status_code == 200
    return resp.json()["data"]["token"]


def _event(server, name: str, user_id: str, props: dict, event_id: str) -> requests.Response:
    body = {
        "event_id": event_id,
        "event_name": name,
        "user_id": user_id,
        "timestamp": "2026-12-02T10:00:00Z",
        "event_properties": props,
    }
    resp = requests.post(
        f"{server.url}/server/v4", json=body, headers={"x-api-key": DEMO_KEY}, timeout=5
    )
    assert resp.status_code == 200
    return resp


def _campaigns(server, token: str) -> dict:
    resp = requests.get(
        f"{server.url}/reward/v1.1/user", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert resp.status_code == 200
    body = resp.json()
    decode_campaigns(body)
    return body


# Stands in for the Android SDK's JavaScript interface: what the page posts to the app.
ANDROID_BRIDGE = "window.native = []; window.app = { callback: (m) => window.native.push(m) };"


def test_register_event_list_play_in_chromium_wallet_and_webhook_row(server, browser):
    imported = requests.post(
        f"{server.url}/_sandbox/tenants/{DEMO_TENANT}/campaigns/import",
        data=SHEET.encode(),
        headers={"X-Sandbox-Admin-Token": ADMIN, "Content-Type": "text/csv"},
        timeout=10,
    )
    assert imported.status_code == 200, imported.text
    token = _register(server, "e2e-user")
    said = _event(server, "checkout", "e2e-user", {"amount": 250}, "e2e-1")
    assert "e2e-scratch: play granted" in said.headers["X-Sandbox-Rewards"]

    body = _campaigns(server, token)
    listed = next(c for c in body["campaigns"] if c["campaignId"] == "e2e-scratch")
    assert listed["status"] == "pristine" and listed["type"] == "scratchcard"

    page = browser.new_page()
    page.add_init_script(ANDROID_BRIDGE)
    page.goto(listed["url"] + "&darkMode=false")  # the SDK appends its flags
    assert page.title() == "Checkout scratch"
    foil = page.locator("#foil")
    box = foil.bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    for i in range(80):  # scratch across the card until it reveals itself
        page.mouse.move(box["x"] + 10 + (i * 37) % 280, box["y"] + 10 + (i * 13) % 150)
    page.mouse.up()
    result = page.locator("#result")
    result.wait_for(state="visible", timeout=10_000)
    assert "You won 15% voucher" in result.inner_text()
    code = page.locator("#result [data-testid=code]").inner_text()
    assert code in ("E2E-AAA1", "E2E-BBB2", "E2E-CCC3")
    native = [json.loads(m) for m in page.evaluate("window.native")]
    names = [m["eventName"] for m in native]
    assert names[:2] == ["HIDE_LOADER", "DIMENSIONS_UPDATE"] and "ANALYTICS" in names
    played = [m for m in native if m["data"].get("event_name") == "GAME_PLAYED"]
    assert played and played[0]["data"]["event_properties"]["won"] is True
    page.click("#close")
    assert json.loads(page.evaluate("window.native")[-1])["eventName"] == "CLOSE"

    body = _campaigns(server, token)
    done = next(c for c in body["campaigns"] if c["campaignId"] == "e2e-scratch")
    assert done["status"] == "completed" and body["defaultBanner"]["totalRewardCount"] == 1

    wallet = browser.new_page()
    wallet.goto(body["defaultUrl"])
    rewards_table = wallet.locator("[data-testid=rewards]").inner_text()
    assert "15% voucher" in rewards_table and code in rewards_table
    wallet.close()

    proxied = requests.post(
        f"{server.url}/reward/v2/user/reward",
        json={"filter": {"campaignId": {"e2e-scratch": True}}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()["data"]["rewards"]
    assert [(r["code"], r["status"]) for r in proxied] == [(code, "redeemable-unseen")]

    with sqlite3.connect(server.data_dir / "sandbox.db") as db:
        rows = db.execute(
            "SELECT kind, status, payload FROM outbox WHERE tenant_id = ?", (DEMO_TENANT,)
        ).fetchall()
    queued = [json.loads(p) for kind, status, p in rows if kind == "reward_webhook"]
    assert [p["rewardId"] for p in queued] == [proxied[0]["rewardId"]]
    decode(REWARD_WEBHOOK, queued[0])
    assert queued[0]["code"] == code and queued[0]["userId"] == "e2e-user"


def test_the_wheel_stops_on_the_roll_and_a_reload_shows_the_same_outcome(server, browser):
    token = _register(server, "e2e-spinner")
    _event(server, "appOpen", "e2e-spinner", {}, "e2e-spin-1")
    listed = next(
        c for c in _campaigns(server, token)["campaigns"] if c["campaignId"] == "demo-wheel"
    )
    page = browser.new_page()
    page.goto(listed["url"])
    page.click("#play")
    page.locator("#result").wait_for(state="visible", timeout=10_000)
    won = page.locator("#result h2").inner_text()
    transform = page.eval_on_selector("#wheel", "el => el.style.transform")
    why = page.locator("#result [data-testid=why]").inner_text()
    roll = float(why.split("roll ")[1].split(" ")[0])
    turned = float(transform.removeprefix("rotate(").removesuffix("deg)"))
    assert turned == pytest.approx(5 * 360 - roll * 3.6, abs=0.01)  # the roll under the pointer
    page.reload()
    assert page.locator("#result h2").inner_text() == won
    assert page.locator("#play").is_disabled()


def test_a_broken_page_link_is_explained_in_the_page(server, browser):
    page = browser.new_page()
    response = page.goto(f"{server.url}/reward/?token=not-a-token&rewardUserId=ru_x")
    assert response.status == 401
    assert page.locator("[data-testid=error]").get_attribute("data-reason") == "token_malformed"
    assert "check" in page.content()


@pytest.mark.heavy
def test_a_fresh_user_plays_every_campaign_the_demo_wallet_lists(server, browser):
    """The first hour: a new user's wallet lists the demo tenant's campaigns, and every one
    opens a page that plays to a result (a game) or shows the program (referral, streak)."""
    token = _register(server, "first-hour-user")
    body = _campaigns(server, token)
    listed = body["campaigns"]
    assert len(listed) >= 6 and all(c["status"] == "pristine" for c in listed)
    wallet = browser.new_page()
    assert wallet.goto(body["defaultUrl"]).status == 200
    wallet.close()
    played = 0
    for campaign in listed:
        page = browser.new_page()
        page.add_init_script(ANDROID_BRIDGE)
        opened = page.goto(campaign["url"])
        assert opened.status == 200, (campaign, page.content()[:500])
        if "/reward/" in campaign["url"]:
            if page.locator("#foil").count():
                box = page.locator("#foil").bounding_box()
                page.mouse.move(box["x"] + 10, box["y"] + 10)
                page.mouse.down()
                for i in range(80):
                    page.mouse.move(box["x"] + 10 + (i * 37) % 280, box["y"] + 10 + (i * 13) % 150)
                page.mouse.up()
            else:
                page.click("#play")
            result = page.locator("#result")
            result.wait_for(state="visible", timeout=10_000)
            assert result.locator("h2").inner_text(), campaign
            played += 1
        page.close()
    assert played >= 4  # the scratch card, the wheel, the quiz and the slot machine
    after = _campaigns(server, token)["campaigns"]
    games = [c for c in after if "/reward/" in c["url"]]
    assert games and all(c["status"] == "completed" for c in games), after
