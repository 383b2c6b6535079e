"""One sandbox, many front ends: a command line run against a running server's data dir, with
none of the server's environment, contradicts nothing the server's start decided (its public
URL, its clock's mode, its admin token); viewer tokens expire and can be revoked."""

import json
import os
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import DEMO_TENANT, ROOT, LiveServer

ADMIN = "authority-admin"
PUBLIC = "https://sandbox.partner.example:9443"


def _cli(data_dir, *args, env_extra=None):
    """Run `python -m sandbox ...` with a bare environment: only the data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    env.update({"SANDBOX_DATA_DIR": str(data_dir), **(env_extra or {})})
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _admin(server, method, path, **kw):
    return requests.request(
        method,
        f"{server.url}/_sandbox{path}",
        headers={"X-Sandbox-Admin-Token": ADMIN},
        timeout=10,
        **kw,
    )


def test_the_cli_contradicts_nothing_the_server_started_with(tmp_path):
    data = tmp_path / "data"
    server = LiveServer(
        data,
        {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_PUBLIC_URL": PUBLIC, "SANDBOX_TEST_MODE": "1"},
    )
    try:
        card_file = data / "server.json"
        card = json.loads(card_file.read_text())
        # The card holds the token for the CLI of the same user, so it is private to them.
        assert card["url"] == PUBLIC and card["pid"] and card["adminToken"] == ADMIN
        assert card_file.stat().st_mode & 0o777 == 0o600
        _admin(server, "POST", "/clock/advance", json={"seconds": 3600}).raise_for_status()
        virtual = _admin(server, "GET", "/clock").json()

        listed = _cli(data, "tenants", "list")
        assert listed.returncode == 0, listed.stderr
        assert "no sandbox is running" not in listed.stderr  # through the running server
        made = _cli(data, "tenants", "viewer-token", "Demo Partner", "--json")
        assert made.returncode == 0, made.stderr
        token = json.loads(made.stdout)
        # The printed inspector URL is the server's, not the CLI's own guess (:8080).
        assert token["inspector"].startswith(f"{PUBLIC}/_sandbox/inspector?token=vwr_")
        # The server's settings are untouched by the CLI's (bare) environment.
        assert (data / "admin_token").exists() is False
        import sqlite3

        with sqlite3.connect(data / "sandbox.db") as db:
            stored = dict(db.execute("SELECT key, value FROM settings").fetchall())
        assert json.loads(stored["public_url"]) == PUBLIC and json.loads(stored["test_mode"])
        # The CLI follows the sandbox's virtual clock (test mode is the data's, not its env's).
        clock = _cli(data, "readiness", "Demo Partner", "--format", "json")
        assert clock.returncode == 0, clock.stderr
        generated = json.loads(clock.stdout)["generatedAt"]
        assert generated[:13] == virtual["now"][:13], (generated, virtual)
        # The viewer token made by the CLI opens the running server.
        viewer = {"X-Sandbox-Admin-Token": token["token"]}
        journal = requests.get(f"{server.url}/_sandbox/journal", headers=viewer, timeout=5)
        assert journal.status_code == 200, journal.text
        tenants = requests.get(f"{server.url}/_sandbox/tenants", headers=viewer, timeout=5)
        assert [t["id"] for t in tenants.json()["tenants"]] == [DEMO_TENANT]
    finally:
        server.stop()
    assert not (data / "server.json").exists()  # a clean stop takes the card down


@pytest.mark.heavy
def test_a_revoked_and_an_expired_viewer_token_each_get_their_401(tmp_path):
    data = tmp_path / "data"
    server = LiveServer(data, {"SANDBOX_ADMIN_TOKEN": ADMIN})
    try:
        made = _admin(server, "POST", f"/tenants/{DEMO_TENANT}/viewer-tokens", json={"ttlDays": 7})
        assert made.status_code == 200, made.text
        live = made.json()
        short = _cli(data, "tenants", "viewer-token", "Demo Partner", "--ttl", "0.00002", "--json")
        expiring = json.loads(short.stdout)["token"]

        def ask(token):
            return requests.get(
                f"{server.url}/_sandbox/journal",
                headers={"X-Sandbox-Admin-Token": token},
                timeout=5,
            )

        assert ask(live["token"]).status_code == 200
        time.sleep(2.5)  # 0.00002 days: under two seconds
        expired = ask(expiring)
        assert expired.status_code == 401 and expired.json()["reason"] == "viewer_token_expired"
        revoked = _cli(
            data, "tenants", "viewer-tokens", "Demo Partner", "--revoke", live["tokenId"]
        )
        assert revoked.returncode == 0 and "revoked" in revoked.stdout, revoked.stderr
        gone = ask(live["token"])
        assert gone.status_code == 401 and gone.json()["reason"] == "viewer_token_revoked"
        listed = _admin(server, "GET", f"/tenants/{DEMO_TENANT}/viewer-tokens").json()
        states = {v["tokenId"]: v for v in listed["viewerTokens"]}
        assert states[live["tokenId"]]["revokedAt"] and states[live["tokenId"]]["lastUsedAt"]
        # Each use is recorded by the token's id: what was asked and what was answered.
        used = states[live["tokenId"]]
        assert used["uses"] == 1, used  # the one 200 before the revocation; a 401 is no use
        assert used["recentUses"][0]["path"] == "/_sandbox/journal"
        assert used["recentUses"][0]["status"] == 200
        assert "token" not in json.dumps(listed).replace("tokenId", "").replace("viewerTokens", "")
        forged = ask(live["token"][:-1] + ("0" if live["token"][-1] != "0" else "1"))
        assert forged.status_code == 401 and forged.json()["reason"] == "viewer_token_invalid"
        revoke = _admin(server, "DELETE", f"/viewer-tokens/{live['tokenId']}")
        assert revoke.json() == {"tokenId": live["tokenId"], "revoked": False}
    finally:
        server.stop()


@pytest.mark.heavy
def test_the_cli_works_through_the_server_it_finds_or_names(tmp_path):
    """With none of the server's environment: through the data dir's running server, then
    with --url against a server of another data dir, then offline (and says so)."""
    data = tmp_path / "data"
    server = LiveServer(
        data,
        {"SANDBOX_ADMIN_TOKEN": ADMIN, "SANDBOX_PUBLIC_URL": PUBLIC, "SANDBOX_TEST_MODE": "1"},
    )
    other = LiveServer(tmp_path / "other", {"SANDBOX_ADMIN_TOKEN": "other-admin"})
    try:
        hook = f"{server.url}/_sandbox/hooks/authority"
        _admin(server, "PUT", "/hooks/authority", json={"statuses": [500]}).raise_for_status()
        _admin(
            server,
            "PATCH",
            f"/tenants/{DEMO_TENANT}",
            json={
                "rewardWebhookUrl": hook,
                "nudgeWebhookUrl": hook,
                "delivery": {"jitter": 0, "tries": 1},
            },
        ).raise_for_status()
        fired = _cli(data, "trigger", "reward", "Demo Partner", "--user", "cli-user", "--json")
        assert fired.returncode == 0, fired.stderr
        delivery_id = json.loads(fired.stdout)["deliveryId"]
        moved = _cli(data, "clock", "advance", "7200", "--json")
        assert moved.returncode == 0, moved.stderr
        now = json.loads(moved.stdout)["now"]
        retried = _cli(data, "deliveries", "retry-failed", "--json")
        assert retried.returncode == 0, retried.stderr
        assert delivery_id in {r["deliveryId"] for r in json.loads(retried.stdout)["results"]}
        shown = _admin(server, "GET", f"/deliveries/{delivery_id}").json()
        # The retry is stamped with the server's virtual time, not the CLI's real one.
        assert shown["attemptList"][-1]["at"][:13] == now[:13], (shown["attemptList"], now)
        kit = _cli(data, "conformance", "Demo Partner", "--receiver", hook)
        assert kit.returncode == 1 and "FAIL" in kit.stdout  # the receiver answers 500
        # tail follows the server's feed socket; --once stops when it has caught up.
        tailed = _cli(data, "tail", "--once", "--json", "--kind", "attempt", "--backfill", "5")
        assert tailed.returncode == 0, tailed.stderr
        attempts = [json.loads(line) for line in tailed.stdout.splitlines()]
        assert attempts and all(a["kind"] == "attempt" and a["cursor"] for a in attempts)
        steps = _cli(data, "onboarding", "Demo Partner", "--json")
        assert steps.returncode == 0 and len(json.loads(steps.stdout)["steps"]) == 4
        # Nudge links still point at the server's public URL.
        sent = _admin(
            server,
            "POST",
            f"/tenants/{DEMO_TENANT}/nudges/send",
            json={"userId": "cli-user", "title": "hi", "channels": ["webhook"]},
        )
        assert sent.status_code == 200, sent.text
        nudge = _admin(server, "GET", f"/nudges/{sent.json()['nudgeId']}").json()
        payload = json.dumps(_admin(server, "GET", f"/deliveries/{nudge['deliveryId']}").json())
        assert f"{PUBLIC}/" in payload and "127.0.0.1:8080" not in payload

        # --url: a server in another data dir, its token given; this data dir is not read.
        remote = _cli(
            tmp_path / "nowhere",
            "tenants",
            "list",
            "--json",
            "--url",
            other.url,
            "--token",
            "other-admin",
        )
        assert remote.returncode == 0, remote.stderr
        assert "no sandbox is running" not in remote.stderr and not (tmp_path / "nowhere").exists()
        made = _cli(
            tmp_path / "nowhere",
            "tenants",
            "create",
            "Remote Partner",
            "--empty",
            "--json",
            env_extra={"SANDBOX_URL": other.url, "SANDBOX_ADMIN_TOKEN": "other-admin"},
        )
        assert made.returncode == 0, made.stderr
        there = requests.get(
            f"{other.url}/_sandbox/tenants/Remote%20Partner",
            headers={"X-Sandbox-Admin-Token": "other-admin"},
            timeout=5,
        )
        assert there.status_code == 200
        wrong = _cli(tmp_path / "nowhere", "tenants", "list", "--url", other.url, "--token", "no")
        assert wrong.returncode == 1 and "admin_token_invalid" in wrong.stderr
        assert "Traceback" not in wrong.stderr and len(wrong.stderr.splitlines()) == 1
    finally:
        server.stop()
        other.stop()
    stored = json.loads(
        __import__("sqlite3")
        .connect(data / "sandbox.db")
        .execute("SELECT value FROM settings WHERE key = 'public_url'")
        .fetchone()[0]
    )
    assert stored == PUBLIC  # no command changed what the server's start decided
    # No server now: the same command works on the data dir and says so in one line.
    offline = _cli(data, "tenants", "list")
    assert offline.returncode == 0 and "Demo Partner" in offline.stdout
    assert (
        offline.stderr.strip()
        == f"no sandbox is running for {data.resolve()}: working on its data directly"
    )
    gone = _cli(tmp_path / "data", "deliveries", "show", delivery_id, "--json")
    assert gone.returncode == 0 and json.loads(gone.stdout)["deliveryId"] == delivery_id
