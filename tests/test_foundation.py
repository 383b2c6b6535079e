"""Foundation: factory, config, store and migrations, admin token, errors, CLI, clock, seeds."""

import os
import re
import sqlite3
import subprocess
import sys
import time

import pytest
import sqlite_utils

from sandbox import config, create_app
from sandbox.admin import OPEN_ENDPOINTS
from sandbox.clock import RealClock, VirtualClock
from sandbox.domain.rand import rng_for
from sandbox.store import CoreWrite, connect, migrate
from sandbox.store.migrations import MIGRATIONS
from tests.conftest import DEMO_KEY, DEMO_TENANT, ROOT


def test_health_is_open_and_says_little(client):
    resp = client.get("/_sandbox/health")
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"status", "store", "schemaVersion", "uptimeSeconds", "pid", "streams"}
    assert body["store"] == "ok" and body["schemaVersion"] == len(MIGRATIONS._migrations)


def _admin_urls(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/_sandbox") or rule.endpoint in OPEN_ENDPOINTS:
            continue
        if rule.endpoint.endswith(".static"):  # the inspector's script and styles: no data
            continue
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"x-\1", rule.rule)
        # A WebSocket route matches only a request that asks to upgrade.
        upgrade = {"Upgrade": "websocket", "Connection": "Upgrade"} if rule.websocket else {}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url, upgrade


def test_every_admin_route_requires_the_token(app, client):
    # Open: the health check (a container probe) and the built-in webhook receiver
    # (deliveries carry no admin token); the inspector's session start checks the token its
    # form posts itself (and answers 401 like the rest, below); nothing else.
    assert OPEN_ENDPOINTS == {
        "admin.health",
        "admin.receive_hook",
        "admin.inspector_login",
        "admin.docs_root",
        "admin.docs_home",
        "admin.docs_page",
        "admin.sandbox_ca",
        "admin.ca_page",
    }
    routes = list(_admin_urls(app))
    assert len(routes) >= 5  # the admin API exists; new routes are covered automatically
    assert any(upgrade for _m, _u, upgrade in routes)  # the WebSocket routes are among them
    for method, url, upgrade in routes:
        resp = client.open(url, method=method, headers=upgrade)
        assert resp.status_code == 401, (method, url)
        assert resp.get_json()["reason"] == "admin_token_missing"
        wrong = client.open(
            url, method=method, headers={"X-Sandbox-Admin-Token": "nope", **upgrade}
        )
        assert wrong.status_code == 401 and wrong.get_json()["reason"] == "admin_token_invalid"


@pytest.mark.parametrize("how", ["header", "bearer", "query"])
def test_admin_token_accepted_three_ways(client, how):
    headers, url = {}, "/_sandbox/tenants"
    if how == "header":
        headers["X-Sandbox-Admin-Token"] = "test-admin-token"
    elif how == "bearer":
        headers["Authorization"] = "Bearer test-admin-token"
    else:
        url += "?token=test-admin-token"
    resp = client.get(url, headers=headers)
    assert resp.status_code == 200
    demo = resp.get_json()["tenants"][0]
    assert demo["id"] == DEMO_TENANT and demo["writeKey"] == DEMO_KEY
    assert "…" in demo["jwtSecret"] and "sha256:" in demo["webhookSecret"]


def test_unknown_path_gets_json_404_with_closest_routes(client):
    resp = client.get("/_sandbox/journl", headers={"X-Sandbox-Admin-Token": "test-admin-token"})
    assert resp.status_code == 404 and resp.is_json
    body = resp.get_json()
    assert body["reason"] == "unknown_route"
    assert body["suggestions"][0] == "GET /_sandbox/journal"
    assert "did you mean GET /_sandbox/journal" in body["message"]


def test_wrong_method_gets_json_405_naming_allowed(client):
    resp = client.post("/_sandbox/health")
    assert resp.status_code == 405 and resp.is_json
    assert resp.get_json()["allowed"] == ["GET"]
    assert resp.headers["Allow"] == "GET"
    assert "use GET" in resp.get_json()["message"]


def test_restart_keeps_tenants_and_admin_token(tmp_path):
    data = tmp_path / "data"
    first = create_app({"DATA_DIR": str(data)})
    # A process that is not the server (a CLI command, this test) never makes the token:
    # the server's start does (server.run.serve), and every later process reads it.
    assert first.config["ADMIN_TOKEN"] == "" and not (data / "admin_token").exists()
    from sandbox.admin import token_file

    token = token_file.load_or_create(data)
    assert token.startswith("adm_") and (data / "admin_token").stat().st_mode & 0o077 == 0
    from sandbox.domain.tenants import create_tenant, list_tenants

    store = first.extensions["sandbox.store"]
    store.write(create_tenant(store, "2026-01-01T00:00:00Z", "Acme", "us")[1])
    first.extensions["sandbox.store"].close()

    second = create_app({"DATA_DIR": str(data)})
    assert second.config["ADMIN_TOKEN"] == token
    names = [t["name"] for t in list_tenants(second.extensions["sandbox.store"])]
    assert names.count("Demo Partner") == 1 and "Acme" in names  # seeded once, kept
    second.extensions["sandbox.store"].close()


def test_old_schema_is_migrated_in_place(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = sqlite_utils.Database(connect(data / "sandbox.db"))
    MIGRATIONS.apply(db, stop_before="m002_journal_and_events")
    assert [m.name for m in MIGRATIONS.applied(db)] == ["m001_tenants_and_users"]
    db["tenants"].insert(
        {
            "id": "old-1",
            "name": "Old Partner",
            "write_key": "old-key",
            "jwt_secret": "s" * 40,
            "webhook_secret": "w" * 40,
            "region": "in",
            "timezone": "UTC",
            "created_at": "2025-01-01T00:00:00Z",
        }
    )
    db.conn.commit()
    db.close()

    app = create_app({"DATA_DIR": str(data)})
    assert app.config["SCHEMA_VERSION"] == len(MIGRATIONS._migrations)
    store = app.extensions["sandbox.store"]
    assert store.one("SELECT name FROM tenants WHERE id = 'old-1'")["name"] == "Old Partner"
    assert store.journal_one("SELECT count(*) n FROM journal")["n"] == 0  # new table exists
    assert migrate(data / "sandbox.db") == app.config["SCHEMA_VERSION"]  # idempotent
    store.close()


def test_store_is_wal_with_normal_sync(app):
    conn = connect(app.extensions["sandbox.store"].path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_writer_isolates_a_failing_write(app):
    store = app.extensions["sandbox.store"]
    store.write(CoreWrite(lambda c: c.execute("INSERT INTO settings VALUES ('a', '1')")))
    with pytest.raises(sqlite3.IntegrityError):
        store.write(CoreWrite(lambda c: c.execute("INSERT INTO settings VALUES ('a', '2')")))
    store.write(CoreWrite(lambda c: c.execute("INSERT INTO settings VALUES ('b', '3')")))
    assert store.one("SELECT value FROM settings WHERE key='a'")["value"] == "1"
    assert store.one("SELECT value FROM settings WHERE key='b'")["value"] == "3"


def test_config_from_environment():
    cfg = config.load(
        {
            "SANDBOX_PORT": "9001",
            "SANDBOX_TEST_MODE": "true",
            "SANDBOX_BIND": "0.0.0.0",
            "SANDBOX_SEED": "abc",
        }
    )
    assert cfg["PORT"] == 9001 and cfg["TEST_MODE"] is True and cfg["SEED"] == "abc"
    assert config.public_url(cfg) == "http://localhost:9001"
    defaults = config.load({})
    assert (defaults["BIND"], defaults["PORT"], defaults["DATA_DIR"]) == (
        "127.0.0.1",
        8080,
        "./data",
    )
    assert config.public_url({**defaults, "PUBLIC_URL": "https://sb.example/"}) == (
        "https://sb.example"
    )


def test_cli_tenants_create_list_show(runner):
    result = runner.invoke(args=["tenants", "create", "Acme Retail", "--region", "us", "--empty"])
    assert result.exit_code == 0, result.output
    key = re.search(r"writeKey\s+(\S+)", result.output).group(1)
    listed = runner.invoke(args=["tenants", "list"])
    assert "Acme Retail" in listed.output and key in listed.output
    shown = runner.invoke(args=["tenants", "show", "Acme Retail"])
    assert '"region": "us"' in shown.output and "sha256:" in shown.output
    revealed = runner.invoke(args=["tenants", "show", "--reveal", "Acme Retail"])
    assert "sha256:" not in revealed.output
    bad = runner.invoke(args=["tenants", "create", "X", "--region", "eu"])
    assert bad.exit_code != 0
    missing = runner.invoke(args=["tenants", "show", "nobody"])
    assert missing.exit_code != 0 and "no tenant 'nobody'" in missing.output.lower()
    assert "Traceback" not in missing.output and len(missing.output.splitlines()) == 1


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["tenants", "--help"],
        ["serve", "--help"],
        ["init", "--help"],
        ["tenants", "create", "--help"],
    ],
)
def test_cli_help(runner, command):
    result = runner.invoke(args=command)
    assert result.exit_code == 0 and "Usage" in result.output


def test_virtual_clock_moves_only_forward():
    clock = VirtualClock()
    clock.freeze(1_000.0)
    assert clock.time() == 1_000.0
    assert clock.advance(90) == 1_090.0
    with pytest.raises(ValueError):
        clock.advance(-1)
    clock.unfreeze()
    assert clock.time() >= 1_090.0
    assert RealClock().isoformat().endswith("Z")


def test_admin_clock_advance_in_test_mode(client, admin_headers):
    before = client.get("/_sandbox/clock", headers=admin_headers).get_json()
    assert before["virtual"] is True
    after = client.post(
        "/_sandbox/clock/advance", json={"seconds": 3600}, headers=admin_headers
    ).get_json()
    assert after["offset"] >= before["offset"] + 3600
    bad = client.post("/_sandbox/clock/advance", json={"seconds": "soon"}, headers=admin_headers)
    assert bad.status_code == 400 and bad.get_json()["reason"] == "bad_seconds"


def test_seeded_random_is_per_tenant_and_replayable():
    a = [rng_for("seed", "tenant-a", "draw").random() for _ in range(1)]
    assert a == [rng_for("seed", "tenant-a", "draw").random()]
    assert (
        rng_for("seed", "tenant-a", "draw").random() != rng_for("seed", "tenant-b", "draw").random()
    )


def _readme_command(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"{title}.*?```(?:sh|bash)\n(.*?)```", text, re.S)
    assert match, f"README has no {title!r} block"
    return match.group(1).strip()


def test_dockerfile_runs_as_non_root_with_healthcheck_and_readme_command():
    text = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^EXPOSE\s+8080\b", text, re.M)
    assert re.search(r"^VOLUME\s+\[\"/data\"\]", text, re.M)
    assert re.search(r"^HEALTHCHECK .*", text, re.M) and "/_sandbox/health" in text
    cmd = re.search(r"^CMD\s+(\[.*\])", text, re.M).group(1)
    import json

    start = " ".join(json.loads(cmd))
    assert start in _readme_command("Run it"), "the container starts what the README runs"
    # An exact base tag, not a floating one; gpg in the image (encrypted reports and secrets).
    assert re.search(r"^FROM python:3\.11\.\d+-slim-\w+$", text, re.M)
    assert re.search(r"apt-get install -y --no-install-recommends gnupg", text)


@pytest.mark.xdist_group("live_server")
def test_the_images_health_check_follows_sandbox_port(live_server):
    text = (ROOT / "Dockerfile").read_text()
    check = re.search(r"^\s+CMD\s+(\[.*\])\s*$", text.split("HEALTHCHECK", 1)[1], re.M)
    import json

    argv = json.loads(check.group(1))
    assert argv[0] == "python"
    env = {**os.environ, "SANDBOX_PORT": str(live_server.port)}
    ran = subprocess.run([sys.executable, *argv[1:]], env=env, timeout=30)
    assert ran.returncode == 0  # healthy on the port the run set
    env["SANDBOX_PORT"] = "1"
    assert subprocess.run([sys.executable, *argv[1:]], env=env, timeout=30).returncode == 1


@pytest.mark.xdist_group("live_server")
def test_live_server_answers_health_and_prints_banner(live_server):
    import requests

    assert requests.get(live_server.url + "/_sandbox/health", timeout=5).json()["status"] == "ok"
    out = live_server.output()
    assert "gunicorn gevent" in out and f"{live_server.url}/_sandbox/inspector?token=adm_" in out
    assert DEMO_KEY in out
    # No gunicornc control socket: one per user's $HOME, and unwritable in the image.
    assert "Control server" not in out and "[ERROR]" not in out
    token = re.search(r"token=(adm_\S+)", out).group(1)
    resp = requests.get(live_server.url + "/_sandbox/tenants", params={"token": token}, timeout=5)
    assert resp.status_code == 200


@pytest.mark.xdist_group("live_server")
def test_second_server_on_the_same_port_refuses_to_start(live_server, tmp_path):
    # Workers listen with SO_REUSEPORT; without this check two servers would share a port.
    env = {
        **os.environ,
        "SANDBOX_PORT": str(live_server.port),
        "SANDBOX_BIND": "127.0.0.1",
        "SANDBOX_DATA_DIR": str(tmp_path / "second"),
    }
    second = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert f"Port {live_server.port} on 127.0.0.1 is in use" in second.stderr


@pytest.mark.xdist_group("live_server")
def test_connections_are_spread_over_every_worker(live_server):
    import requests

    workers = config.load({})["WORKERS"]  # the live server runs the defaults

    def pids_of_fresh_connections(count):
        pids = []
        for _ in range(count):  # a new connection each: the kernel picks its worker
            with requests.Session() as session:
                pids.append(
                    session.get(live_server.url + "/_sandbox/health", timeout=5).json()["pid"]
                )
        return pids

    # Each worker opens its own listening socket as it boots; wait until all listen.
    deadline = time.monotonic() + 20
    while len(set(pids_of_fresh_connections(8))) < workers and time.monotonic() < deadline:
        time.sleep(0.2)
    pids = pids_of_fresh_connections(48)
    # 48 connections missing one of n workers by chance: n x (1 - 1/n)^48, 1 in 10^8 for 3
    assert len(set(pids)) == workers, pids


def test_cli_rotate_key_revokes_the_old_one(runner, client):
    result = runner.invoke(args=["tenants", "rotate-key", "Demo Partner"])
    assert result.exit_code == 0, result.output
    new_key = result.output.strip().rsplit(" ", 1)[-1]
    old = client.post("/server/v4", json={}, headers={"x-api-key": DEMO_KEY})
    assert old.status_code == 401 and old.get_json()["reason"] == "writekey_revoked"
    assert client.post("/server/v4", json={}, headers={"x-api-key": new_key}).status_code == 200


def test_tenants_are_created_and_rotated_over_the_admin_api(client):
    made = client.post(
        "/_sandbox/tenants",
        json={"name": "Api Partner", "region": "us", "timezone": "Europe/Paris", "empty": True},
        headers={"X-Sandbox-Admin-Token": "test-admin-token"},
    )
    assert made.status_code == 200, made.get_json()
    tenant = made.get_json()
    assert tenant["region"] == "us" and tenant["timezone"] == "Europe/Paris"
    assert tenant["writeKey"] and "sha256:" in tenant["jwtSecret"]  # masked
    again = client.post(
        "/_sandbox/tenants",
        json={"name": "Api Partner"},
        headers={"X-Sandbox-Admin-Token": "test-admin-token"},
    )
    assert again.status_code == 409 and again.get_json()["reason"] == "tenant_exists"
    for body, reason in (
        ({"name": "X", "region": "eu"}, "bad_tenant"),
        ({"name": "Y", "timezone": "Mars/Olympus"}, "bad_tenant_settings"),
        ({"name": "Z", "rewardWebhookUrl": "ftp://x"}, "bad_tenant_settings"),
        ({"name": ""}, "missing_fields"),
        ({"name": "n" * 101}, "bad_tenant_name"),
    ):
        refused = client.post(
            "/_sandbox/tenants", json=body, headers={"X-Sandbox-Admin-Token": "test-admin-token"}
        )
        assert refused.status_code == 400 and refused.get_json()["reason"] == reason, body
    rotated = client.post(
        "/_sandbox/tenants/Api%20Partner/rotate-key",
        headers={"X-Sandbox-Admin-Token": "test-admin-token"},
    )
    assert rotated.status_code == 200 and rotated.get_json()["writeKey"] != tenant["writeKey"]
    revealed = client.get(
        "/_sandbox/tenants/Api%20Partner?reveal=true",
        headers={"X-Sandbox-Admin-Token": "test-admin-token"},
    )
    assert "sha256:" not in revealed.get_json()["jwtSecret"]


def test_the_wheel_carries_every_template_and_asset():
    """An installed sandbox (not the checkout) serves its pages: package-data names them all."""
    import fnmatch
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["*"]
    tracked = subprocess.run(
        ["git", "ls-files", "sandbox"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    data = [p for p in tracked if not p.endswith(".py")]
    assert data, "no templates or assets found"

    def shipped(path: str) -> bool:
        # A pattern is relative to the package (the nearest folder with __init__.py) above it.
        parts = path.split("/")
        for cut in range(len(parts) - 1, 0, -1):
            if (ROOT.joinpath(*parts[:cut]) / "__init__.py").exists():
                rest = "/".join(parts[cut:])
                return any(
                    fnmatch.fnmatchcase(rest, p) and rest.count("/") == p.count("/")
                    for p in patterns
                )
        return False

    assert [p for p in data if not shipped(p)] == []


def test_workers_that_create_the_app_at_once_migrate_and_seed_it_once(tmp_path):
    """WSGI servers that import app:app in each worker at once (granian, gunicorn without
    preload) all start on a fresh data dir: one migration, one demo tenant."""
    env = {**os.environ, "SANDBOX_DATA_DIR": str(tmp_path / "data")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", "import app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=60)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    with sqlite3.connect(tmp_path / "data" / "sandbox.db") as db:
        assert db.execute("SELECT count(*) FROM tenants").fetchone()[0] == 1


def test_url_builders_are_compiled_on_first_use_and_build_as_werkzeugs(app):
    """The app's rules compile their URL builders when url_for first asks (http/routing.py):
    the URLs are werkzeug's, query arguments included (one named `rule` too)."""
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "admin.show_delivery")
    with app.test_request_context():
        assert url_for("admin.show_delivery", delivery_id="dlv_1") == "/_sandbox/deliveries/dlv_1"
        assert (
            url_for("admin.journal_entry", request_id="req 1", rule="x", _external=True)
            == "http://localhost/_sandbox/journal/req%201?rule=x"
        )
        assert url_for("admin.show_delivery", delivery_id="dlv_2") == "/_sandbox/deliveries/dlv_2"
    assert type(rule).__name__ == "LazyBuildRule"
