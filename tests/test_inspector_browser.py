"""The inspector in Debian's chromium against the live server: live list, a rejected request's
failed check, copy-as-cURL and the corrected cURL reproduced, an exported HAR that parses."""

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import DEMO_KEY, LiveServer
from tests.helpers import event
from tests.test_pages_browser import browser  # noqa: F401  (the chromium fixture)

# One chromium and one server for the module (a start of each costs a second of CPU): its
# tests run on one xdist worker, first (heavy), so the group is not the suite's tail.
pytestmark = [pytest.mark.xdist_group("browser-inspector"), pytest.mark.heavy]

ADMIN = "inspector-admin"
SHOTS = Path(os.environ.get("SANDBOX_SCREENSHOTS", "/tmp/sandbox-screenshots"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = LiveServer(
        tmp_path_factory.mktemp("inspector") / "data",
        {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_WORKERS": "2", "SANDBOX_TEST_MODE": "1"},
    )
    yield srv
    srv.stop()


def _run(command: str) -> str:
    """Run a copied cURL command; return the HTTP status it got."""
    done = subprocess.run(
        command + " -s -o /dev/null -w '%{http_code}'",
        shell=True,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stdout.strip()


def test_the_inspector_shows_traffic_live_explains_and_reproduces_it(server, browser):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{server.url}/_sandbox/inspector?token={ADMIN}")
    assert page.url.endswith("/_sandbox/inspector")  # the token left the address bar
    page.locator("#state[data-state=live]").wait_for(timeout=10_000)

    t0 = time.monotonic()
    ok = requests.post(
        f"{server.url}/server/v4",
        json=event(event_id="browser-1", user_id="shopper"),
        headers={"x-api-key": DEMO_KEY},
        timeout=5,
    )
    rid = ok.headers["X-Sandbox-Request-Id"]
    page.locator(f"tr[data-id='{rid}']").wait_for(timeout=2_000)
    assert time.monotonic() - t0 < 2.0

    bad = requests.post(
        f"{server.url}/server/v4",
        json=event(event_id="browser-2"),
        headers={"x-api-key": DEMO_KEY[:-3]},
        timeout=5,
    )
    bad_id = bad.headers["X-Sandbox-Request-Id"]
    page.locator(f"tr[data-id='{bad_id}']").click()
    checks = page.locator("[data-testid=checks]")
    checks.wait_for(timeout=5_000)
    failed = page.locator("[data-testid=checks] tr.check-fail").inner_text()
    assert "fail" in failed and "key_known" in failed
    page.screenshot(path=str(SHOTS / "inspector-rejected.png"))
    page.click("button[data-action=corrected]")
    corrected = page.locator("[data-testid=action-output]").get_attribute("data-curl")
    assert _run(corrected) == "200"

    page.locator(f"tr[data-id='{rid}']").click()
    page.locator("button[data-action=curl]").wait_for(timeout=5_000)
    page.click("button[data-action=curl]")
    copied = page.locator("[data-testid=action-output]").get_attribute("data-curl")
    assert _run(copied) == "200"
    digest = page.locator("[data-testid=digest]").inner_text()
    assert "sha256" in digest
    page.screenshot(path=str(SHOTS / "inspector.png"))

    har_url = page.locator("#export-har").get_attribute("href")
    har = json.loads(page.request.get(f"{server.url}{har_url}").text())
    assert har["log"]["version"] == "1.2"
    assert any(e["_requestId"] == rid for e in har["log"]["entries"])

    page.click("nav button[data-tab=received]")
    page.fill("#received-form input[name=event_id]", "browser-1")
    page.click("#received-form button")
    page.locator("[data-case=received]").wait_for(timeout=5_000)
    assert "received at" in page.locator("[data-testid=answer]").inner_text()
    # browser-2 was refused (a cut key), then got through by the corrected cURL: the event
    # is received, and the refusal before it is listed with its reason and journal link.
    page.fill("#received-form input[name=event_id]", "browser-2")
    page.click("#received-form button")
    page.locator("[data-testid=refusal]").first.wait_for(timeout=5_000)
    refusal = page.locator("[data-testid=refusal]").first.inner_text()
    assert "401 writekey_truncated" in refusal and "journal entry" in refusal
    # One refused and never corrected: the answer itself is the refusal.
    requests.post(
        f"{server.url}/server/v4",
        json=event(event_id="browser-3", user_id="dave"),
        headers={"x-api-key": DEMO_KEY + "x"},
        timeout=5,
    )
    page.fill("#received-form input[name=event_id]", "browser-3")
    page.click("#received-form button")
    page.locator("[data-case=refused]").wait_for(timeout=5_000)
    answer = page.locator("[data-testid=answer]").inner_text()
    assert "refused (401 writekey_typo)" in answer, answer
    assert "for dave (claimed)" in page.locator("[data-testid=refusal]").first.inner_text()
    page.screenshot(path=str(SHOTS / "inspector-received.png"))


def test_the_client_kit_from_the_onboarding_tab(server, browser):  # noqa: F811
    """Start the client kit with its button, fault an event (the traffic list says so), retry
    at once, grade again: the inspector shows the Retry-After check failed."""
    admin = {"X-Sandbox-Admin-Token": ADMIN}
    made = requests.post(
        f"{server.url}/_sandbox/tenants", json={"name": "kit-browser"}, headers=admin, timeout=5
    ).json()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{server.url}/_sandbox/inspector?token={ADMIN}")
    page.locator("#state[data-state=live]").wait_for(timeout=10_000)
    page.click("nav button[data-tab=onboarding]")
    kit = page.locator(f"[data-testid=client-kit-{made['id']}]")
    kit.get_by_text("not run yet").wait_for(timeout=5_000)
    page.locator(f"[data-testid=onboarding-{made['id']}] ~ p.actions").first.get_by_role(
        "button", name="Start the client kit"
    ).click()
    kit.get_by_text("since").wait_for(timeout=5_000)

    def send():
        return requests.post(
            f"{server.url}/server/v4",
            json=event(event_id="kit-1", user_id="impatient"),
            headers={"x-api-key": made["writeKey"]},
            timeout=5,
        )

    faulted = send()
    assert faulted.status_code == 503 and faulted.headers["Retry-After"] == "1"
    assert send().status_code == 429  # at once, not a second later
    page.click("nav button[data-tab=traffic]")
    row = page.locator(f"tr[data-id='{faulted.headers['X-Sandbox-Request-Id']}']")
    row.wait_for(timeout=5_000)
    assert "fault" in row.inner_text()
    page.click("nav button[data-tab=onboarding]")
    kit.get_by_role("button", name="Grade again").click()
    page.locator(f"[data-testid=client-kit-{made['id']}] tr[data-check=waits_retry_after].fail")
    kit.locator("tr[data-check=waits_retry_after].fail").wait_for(timeout=5_000)
    assert "retried 0." in kit.locator("tr[data-check=waits_retry_after]").inner_text()
    assert "pass" in kit.locator("tr[data-check=retries_503]").inner_text()
    page.screenshot(path=str(SHOTS / "inspector-client-kit.png"))
