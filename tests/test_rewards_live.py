"""Coupon pools under concurrent plays in several worker processes (the live server)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.conftest import DEMO_TENANT, LiveServer

ADMIN = "rewards-admin"


def test_3000_concurrent_plays_in_3_workers_never_issue_a_code_twice(tmp_path):
    server = LiveServer(
        tmp_path / "data",
        {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_TEST_MODE": "1", "SANDBOX_WORKERS": "3"},
    )
    headers = {"X-Sandbox-Admin-Token": ADMIN}
    base = f"{server.url}/_sandbox/tenants/{DEMO_TENANT}"
    try:
        codes = ";".join(f"POOL-{i:04d}" for i in range(1000))
        sheet = (
            "Campaign ID,Campaign Type,Reward Variant,Reward Type,Coupon Codes,"
            f"Winning chance Percentage\npool-test,scratchcard,code,coupons,{codes},60\n"
        )
        imported = requests.post(
            base + "/campaigns/import",
            data=sheet.encode(),
            headers={**headers, "Content-Type": "text/csv"},
            timeout=10,
        )
        assert imported.status_code == 200, imported.text
        local = threading.local()
        pids = set()

        def play(i):
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            resp = session.post(
                base + "/plays",
                json={"userId": f"u{i % 97}", "campaignId": "pool-test", "count": 10},
                headers=headers,
                timeout=60,
            )
            assert resp.status_code == 200, resp.text
            return resp.json()["plays"]

        # 24 clients (3 workers x 8) play 300 x 10 = 3,000 times.
        with ThreadPoolExecutor(24) as pool:
            played = [p for batch in pool.map(play, range(300)) for p in batch]
        for _ in range(20):  # which worker processes answered
            pids.add(requests.get(server.url + "/_sandbox/health", timeout=5).json()["pid"])
        assert len(played) == 3000
        issued = [p["code"] for p in played if p["code"]]
        assert len(issued) == len(set(issued)) <= 1000
        # 60 % wins with 1,000 codes: the pool runs out, then the share is "no reward".
        assert len(issued) == 1000
        assert sum(1 for p in played if p["outcome"] == "no_reward: code no coupon left") > 0
        assert sorted(p["seq"] for p in played) == list(range(1, 3001))
        summary = requests.get(base + "/campaigns", headers=headers, timeout=5).json()
        variant = next(c for c in summary["campaigns"] if c["campaignId"] == "pool-test")
        assert variant["variants"][0]["couponsLeft"] == 0
        assert variant["variants"][0]["wins"] == 1000
        report = requests.get(
            base + "/campaigns/pool-test/draws?limit=1", headers=headers, timeout=5
        ).json()
        assert report["total"] == 3000
        assert len(pids) >= 2  # several worker processes served (24 connections spread over them)
    finally:
        server.stop()
