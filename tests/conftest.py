"""Shared fixtures: an app on a temporary data dir, its client and CLI runner, a live server."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sandbox import create_app
from sandbox.outgoing.gpg import OWN_HOME, stop_agent
from tests.contract import ContractClient

ROOT = Path(__file__).resolve().parent.parent
# The demo tenant lives in one place, the fixtures the sandbox seeds itself from.
_DEMO = json.loads((ROOT / "fixtures" / "tenants.json").read_text())["tenants"][0]
DEMO_TENANT, DEMO_KEY = _DEMO["id"], _DEMO["writeKey"]


def pytest_collection_modifyitems(items):
    """Run the heavy tests first: xdist hands out tests in this order, and a 30-second test
    that starts last is the suite's last 30 seconds."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)


@pytest.fixture(scope="session")
def data_template(tmp_path_factory):
    """A data dir migrated and seeded once per session (as Datasette's session fixtures do).

    Making one costs ~150 ms of migrations and seeding; a copy, ~20 ms. It holds no admin
    token file, so each app makes its own, as on a fresh start.
    """
    folder = tmp_path_factory.mktemp("template") / "data"
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(folder), "TEST_MODE": True, "ADMIN_TOKEN": "template"}
    )
    _evening_retry_far_from_now(app)
    app.extensions["sandbox.store"].close()
    for leftover in ("admin_token",):
        (folder / leftover).unlink(missing_ok=True)
    return folder


def _evening_retry_far_from_now(app) -> None:
    """Put the demo tenant's evening retry (18:00 in its zone) twelve hours from now: a test
    that moves the clock an hour or two then never crosses it, whatever time of day it runs."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    client, admin = app.test_client(), {"X-Sandbox-Admin-Token": "template"}
    zone = client.get(f"/_sandbox/tenants/{DEMO_TENANT}", headers=admin).get_json()["timezone"]
    local = datetime.now(ZoneInfo(zone)) + timedelta(hours=12)
    answer = client.patch(
        f"/_sandbox/tenants/{DEMO_TENANT}",
        json={"delivery": {"endOfDay": local.strftime("%H:%M")}},
        headers=admin,
    )
    assert answer.status_code == 200, answer.get_json()


@pytest.fixture
def make_app(tmp_path, data_template):
    """Return a factory of apps with their own data dir, in test mode, config overridable."""
    made = []

    def make(**config):
        data_dir = Path(config.get("DATA_DIR") or tmp_path / "data")
        # A fresh data dir starts as a copy of the session's template: the same files a first
        # start makes (other fixtures: a first start of their own).
        if not data_dir.exists() and "FIXTURES_DIR" not in config:
            shutil.copytree(data_template, data_dir)
        app = create_app(
            {
                "TESTING": True,
                "DATA_DIR": str(tmp_path / "data"),
                "TEST_MODE": True,
                "ADMIN_TOKEN": "test-admin-token",
                "PUBLIC_URL": "http://sandbox.test",
                **config,
            }
        )
        # Every response any test receives is checked against the OpenAPI document.
        app.test_client_class = ContractClient
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["sandbox.store"].close()
        # gpg leaves an agent running for the sandbox's own key (a server stops it itself).
        stop_agent(Path(app.config["DATA_DIR"]) / OWN_HOME)


@pytest.fixture
def app(make_app):
    """An app with its own data dir, in test mode (virtual clock)."""
    return make_app()


@pytest.fixture
def client(app):
    """A test client for `app`."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `app`."""
    return app.test_cli_runner()


@pytest.fixture
def admin_headers():
    """Headers that carry the test app's admin token."""
    return {"X-Sandbox-Admin-Token": "test-admin-token"}


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The production server in a subprocess, on 127.0.0.1, stopped when the test ends."""

    def __init__(
        self,
        data_dir: Path,
        extra_env: dict | None = None,
        command: tuple = ("-m", "sandbox", "serve"),
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        env = {
            **os.environ,
            "SANDBOX_PORT": str(self.port),
            "SANDBOX_BIND": "127.0.0.1",
            "SANDBOX_DATA_DIR": str(data_dir),
            **(extra_env or {}),
        }
        self.log_path = data_dir.parent / f"server-{self.port}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Block until the health route answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                if requests.get(self.url + "/_sandbox/health", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not ready in {timeout} s: {self.output()}")

    def output(self) -> str:
        """Return what the server printed so far."""
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text()

    def __enter__(self) -> "LiveServer":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def stop(self, sig: str = "term") -> None:
        """Stop the server (TERM, then KILL after 10 s; or KILL at once)."""
        if self.proc.poll() is None:
            if sig == "kill":
                self.proc.kill()
            else:
                self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The production server with the defaults, on a free port, shared by the tests that only
    read it (each start costs a second of CPU). Mark such a test
    `@pytest.mark.xdist_group("live_server")` so they all run where it was started."""
    with LiveServer(tmp_path_factory.mktemp("live") / "live-data") as server:
        yield server


@pytest.fixture
def partner_gpg(tmp_path):
    """A partner's GPG key in a temporary GNUPGHOME: (gpg, fingerprint, armored public key file)."""
    import gnupg  # python-gnupg is a dependency of the sandbox: never skipped

    home = tmp_path / "partner-gnupg"
    home.mkdir(mode=0o700)
    gpg = gnupg.GPG(gnupghome=str(home))
    spec = gpg.gen_key_input(
        key_type="EDDSA",
        key_curve="ed25519",
        subkey_type="ECDH",
        subkey_curve="cv25519",
        name_email="partner@example.test",
        no_protection=True,
    )
    key = gpg.gen_key(spec)
    assert key.fingerprint, "gpg could not make a test key"
    public = tmp_path / "partner.asc"
    public.write_text(gpg.export_keys(key.fingerprint))
    yield gpg, key.fingerprint, public
    stop_agent(home)  # gpg leaves the key's agent running
