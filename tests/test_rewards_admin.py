"""The admin surface for sheet campaigns: import (dry run, 422), list, plays (test mode), draws."""

from tests.conftest import DEMO_TENANT, ROOT

SHEET = (ROOT / "fixtures" / "demo" / "reward-sheet.csv").read_bytes()
BAD = (
    b"Campaign ID,Campaign Type,Reward Variant,Reward Type,Winning chance Percentage\n"
    b"x1,scratchcard,v1,coupons,70\nx1,scratchcard,v2,coupons,40\nx2,bingo,v1,coins,10\n"
)


def _url(path):
    return f"/_sandbox/tenants/{DEMO_TENANT}{path}"


def test_the_demo_tenant_starts_with_the_demo_sheet(client, admin_headers):
    found = client.get(_url("/campaigns"), headers=admin_headers).get_json()["campaigns"]
    scratch = next(c for c in found if c["campaignId"] == "demo-scratch-500")
    assert [v["chance"] for v in scratch["variants"]] == [25.0, 30.0, 15.0]
    assert scratch["noRewardChance"] == 30.0 and scratch["variants"][0]["couponsLeft"] == 200


def test_a_dry_run_changes_nothing_and_an_import_replaces(client, admin_headers):
    csv = {**admin_headers, "Content-Type": "text/csv"}
    before = client.get(_url("/campaigns"), headers=admin_headers).get_json()
    changed = SHEET.replace(b",25%,", b",20%,")
    dry = client.post(_url("/campaigns/import?dryRun=true"), data=changed, headers=csv)
    assert dry.status_code == 200 and dry.get_json()["imported"] is False
    assert dry.get_json()["campaigns"][0]["noRewardChance"] == 35.0
    assert client.get(_url("/campaigns"), headers=admin_headers).get_json() == before
    done = client.post(_url("/campaigns/import"), data=changed, headers=csv)
    assert done.status_code == 200 and done.get_json()["imported"] is True
    after = client.get(_url("/campaigns"), headers=admin_headers).get_json()["campaigns"]
    assert after[0]["variants"][0]["chance"] == 20.0


def test_an_invalid_sheet_is_a_422_listing_every_error_and_changes_nothing(client, admin_headers):
    before = client.get(_url("/campaigns"), headers=admin_headers).get_json()
    resp = client.post(
        _url("/campaigns/import"), data=BAD, headers={**admin_headers, "Content-Type": "text/csv"}
    )
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["reason"] == "invalid_sheet" and "nothing was imported" in body["message"]
    assert {(e["row"], e["column"]) for e in body["errors"]} == {
        (3, "Winning chance Percentage"),
        (4, "Campaign Type"),
    }
    assert client.get(_url("/campaigns"), headers=admin_headers).get_json() == before
    huge_cell = b"Campaign ID,Coupon Codes\nx," + b"A;" * 70_000  # over csv's field limit
    for junk in (b"", b"\x00\xff" * 50, b"PK\x03\x04zzzz", huge_cell):
        answer = client.post(_url("/campaigns/import"), data=junk, headers=admin_headers)
        assert answer.status_code == 422 and answer.get_json()["errors"][0]["row"] is None


def test_plays_need_test_mode(make_app, admin_headers):
    client = make_app(TEST_MODE=False).test_client()
    resp = client.post(
        _url("/plays"), json={"userId": "u", "campaignId": "demo-wheel"}, headers=admin_headers
    )
    assert resp.status_code == 409 and resp.get_json()["reason"] == "not_test_mode"


def test_plays_and_draws_explain_every_outcome(make_app, admin_headers):
    client = make_app(TEST_MODE=True).test_client()
    resp = client.post(
        _url("/plays"),
        json={"userId": "alice", "campaignId": "demo-scratch-500", "count": 50},
        headers=admin_headers,
    )
    assert resp.status_code == 200, resp.get_json()
    played = resp.get_json()["plays"]
    assert [p["seq"] for p in played] == list(range(1, 51))
    for p in played:
        bounds = p["thresholds"]
        assert bounds == [25.0, 55.0, 70.0]
        names = ["save10", "coins200", "freeship"]
        expected = next((names[i] for i, b in enumerate(bounds) if p["roll"] < b), None)
        assert p["variant"] == expected
        assert (p["code"] is not None) == (p["variant"] == "save10")
        assert (p["rewardId"] is not None) == (p["variant"] is not None)
    report = client.get(_url("/campaigns/demo-scratch-500/draws?limit=5"), headers=admin_headers)
    body = report.get_json()
    assert body["total"] == 50 and len(body["draws"]) == 5
    assert sum(r["draws"] for r in body["byVariant"]) == 50
    assert body["byVariant"][-1]["variant"] is None and body["byVariant"][-1]["configured"] == 30.0
    for bad in (
        {"userId": "", "campaignId": "x"},
        {"userId": "u", "campaignId": "x", "count": 0},
        {"userId": "u", "campaignId": "x", "count": 1001},
        ["not", "an", "object"],
    ):
        assert client.post(_url("/plays"), json=bad, headers=admin_headers).status_code == 400
    lone = b'{"userId": "\\ud800", "campaignId": "demo-wheel"}'  # SQLite refuses the text
    answer = client.post(
        _url("/plays"),
        data=lone,
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400 and answer.get_json()["reason"] == "invalid_unicode"
    missing = client.post(
        _url("/plays"), json={"userId": "u", "campaignId": "nope"}, headers=admin_headers
    )
    assert missing.status_code == 404 and missing.get_json()["reason"] == "campaign_not_found"
    assert client.get(_url("/campaigns/nope/draws"), headers=admin_headers).status_code == 404
    assert (
        client.get(
            _url("/campaigns/demo-scratch-500/draws?limit=0"), headers=admin_headers
        ).status_code
        == 400
    )


def test_won_rewards_show_in_the_reward_proxy_with_codes(make_app, admin_headers):
    from tests.helpers import bearer, register

    app = make_app(TEST_MODE=True)
    client = app.test_client()
    token, _ = register(client, "winner")
    played = client.post(
        _url("/plays"),
        json={"userId": "winner", "campaignId": "demo-scratch-500", "count": 40},
        headers=admin_headers,
    ).get_json()["plays"]
    won = [p for p in played if p["rewardId"]]
    assert won
    body = client.post("/reward/v2/user/reward", json={"limit": 500}, headers=bearer(token))
    data = body.get_json()["data"]
    assert data["total"] == len(won)
    assert {r["rewardId"] for r in data["rewards"]} == {p["rewardId"] for p in won}
    for r in data["rewards"]:
        assert r["status"] == "redeemable-unseen" and r["transactionId"]
        assert (r["code"] != "") == (r["rewardType"] == "coupons")
    page = client.post(
        "/reward/v2/user/reward", json={"limit": 2, "page": 2}, headers=bearer(token)
    ).get_json()["data"]
    assert page["total"] == len(won) and len(page["rewards"]) == min(2, max(0, len(won) - 2))
    other = client.post(
        "/reward/v2/user/reward",
        json={"filter": {"campaignId": {"demo-wheel": True}}},
        headers=bearer(token),
    ).get_json()["data"]
    assert other["total"] == 0
    webhooks = app.extensions["sandbox.store"].all(
        "SELECT payload FROM outbox WHERE kind = 'reward_webhook'"
    )
    assert len(webhooks) == len(won)
