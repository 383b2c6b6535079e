"""Onboarding against the live server: driving the four steps over HTTP lights every item in
order, each with its evidence; the readiness report opens in chromium."""

import json
import os
import time
from pathlib import Path

import requests

from tests import receivers
from tests.conftest import DEMO_KEY, DEMO_TENANT, LiveServer
from tests.test_pages_browser import browser  # noqa: F401  (the chromium fixture)

ADMIN = "onboard-admin"
HEADERS = {"X-Sandbox-Admin-Token": ADMIN}
SHOTS = Path(os.environ.get("SANDBOX_SCREENSHOTS", "/tmp/sandbox-screenshots"))


def _done(server) -> dict:
    got = requests.get(
        f"{server.url}/_sandbox/tenants/{DEMO_TENANT}/onboarding", headers=HEADERS, timeout=10
    ).json()
    return {i["id"]: i for s in got["steps"] for i in s["items"]}, got


def _wait(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_the_four_steps_light_up_in_order_and_the_report_opens(tmp_path, browser):  # noqa: F811
    server = LiveServer(tmp_path / "data", {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_WORKERS": "2"})
    base = server.url
    import sqlite3

    with sqlite3.connect(server.data_dir / "sandbox.db") as db:
        secret = db.execute(
            "SELECT webhook_secret FROM tenants WHERE id = ?", (DEMO_TENANT,)
        ).fetchone()[0]
    hook, url, handler = receivers.start(secret)
    try:
        requests.patch(
            f"{base}/_sandbox/tenants/{DEMO_TENANT}",
            json={"rewardWebhookUrl": url, "nudgeWebhookUrl": url},
            headers=HEADERS,
            timeout=10,
        ).raise_for_status()
        items, got = _done(server)
        assert not any(i["done"] for i in items.values()) and got["ready"] is False

        # Step 1: the SDK starts: config, registration, campaigns, the wallet page.
        key = {"x-api-key": DEMO_KEY}
        assert requests.get(f"{base}/client/v1/sdk/config", headers=key, timeout=5).ok
        reg = requests.post(
            f"{base}/user/v1/user/sdk?token=true",
            json={"userId": "onboarder", "writeKey": DEMO_KEY},
            timeout=5,
        ).json()
        bearer = {"Authorization": f"Bearer {reg['data']['token']}"}
        listed = requests.get(f"{base}/reward/v1.1/user", headers=bearer, timeout=5).json()
        assert requests.get(listed["defaultUrl"], timeout=5).ok
        items, got = _done(server)
        assert got["steps"][0]["done"] and not got["steps"][1]["done"]
        for name in ("sdk_config", "device_registered", "campaigns_loaded", "page_opened"):
            assert items[name]["evidence"].startswith("/_sandbox/journal/req_"), name
            assert items[name]["firstSeen"] <= items[name]["lastSeen"]

        # Step 2: an event that meets the daily wheel's trigger (appOpen).
        body = {
            "event_id": "onboard-1",
            "event_name": "appOpen",
            "user_id": "onboarder",
            "timestamp": "2026-12-02T10:00:00Z",
            "event_properties": {},
        }
        assert requests.post(f"{base}/server/v4", json=body, headers=key, timeout=5).ok
        items, got = _done(server)
        assert got["steps"][1]["done"] and items["event_matched"]["evidence"].endswith("/timeline")

        # Step 3: the grant's nudge goes to the nudge webhook, which answers 200.
        assert _wait(lambda: _done(server)[0]["nudge_webhook"]["done"])
        items, got = _done(server)
        assert got["steps"][2]["done"]
        assert items["nudge_webhook"]["evidence"].startswith("/_sandbox/deliveries/dlv_")

        # Step 4: play the granted spin; its reward webhook answers 200; the kit passes.
        listed = requests.get(f"{base}/reward/v1.1/user", headers=bearer, timeout=5).json()
        game = next(c for c in listed["campaigns"] if c["campaignId"] == "demo-wheel")
        played = requests.post(game["url"], headers={"Accept": "application/json"}, timeout=5)
        assert played.json()["won"] is True
        assert _wait(lambda: _done(server)[0]["reward_webhook"]["done"])
        kit = requests.post(
            f"{base}/_sandbox/tenants/{DEMO_TENANT}/conformance", headers=HEADERS, timeout=60
        ).json()
        assert kit["passed"], kit
        items, got = _done(server)
        assert got["ready"] is True and all(
            items[i]["done"] for i in ("reward_drawn", "reward_webhook", "conformance")
        )
        assert got["businessDays"] >= 1

        report = requests.get(
            f"{base}/_sandbox/tenants/{DEMO_TENANT}/readiness", headers=HEADERS, timeout=10
        ).json()
        assert report["ready"] is True and report["conformance"]["passed"] is True
        json.dumps(report)  # plain JSON all the way down
        SHOTS.mkdir(parents=True, exist_ok=True)
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.goto(f"{base}/_sandbox/tenants/{DEMO_TENANT}/readiness?format=html&token={ADMIN}")
        assert page.locator("[data-testid=ready]").inner_text() == "ready"
        assert page.locator("h3[data-done=true]").count() == 4
        page.screenshot(path=str(SHOTS / "readiness.png"), full_page=True)
    finally:
        receivers.stop(hook)
        server.stop()
