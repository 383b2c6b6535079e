"""One sandbox, many front ends: a command line run against a running server's data dir, with
none of the server's environment, contradicts nothing the server's start decided (its public
URL, its clock's mode, its admin token); viewer tokens expire and can be revoked."""

import json
import os
import subprocess
import sys
import time

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
        card = json.loads((data / "server.json").read_text())
        assert card["url"] == PUBLIC and card["pid"] and ADMIN not in json.dumps(card)
        _admin(server, "POST", "/clock/advance", json={"seconds": 3600}).raise_for_status()
        virtual = _admin(server, "GET", "/clock").json()

        listed = _cli(data, "tenants", "list")
        assert listed.returncode == 0, listed.stderr
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
        assert "token" not in json.dumps(listed).replace("tokenId", "").replace("viewerTokens", "")
        forged = ask(live["token"][:-1] + ("0" if live["token"][-1] != "0" else "1"))
        assert forged.status_code == 401 and forged.json()["reason"] == "viewer_token_invalid"
        revoke = _admin(server, "DELETE", f"/viewer-tokens/{live['tokenId']}")
        assert revoke.json() == {"tokenId": live["tokenId"], "revoked": False}
    finally:
        server.stop()
