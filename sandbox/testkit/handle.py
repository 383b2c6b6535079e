"""A test's handle on a running sandbox: the demo tenant, events and registrations as an app
sends them, and the admin API's clock, journal, deliveries, receiver and snapshots."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from ..cli.client import Sandbox, explained


class SandboxError(AssertionError):
    """The sandbox refused an admin call: the message is its explained error."""


class Clock:
    """The sandbox's clock (virtual in test mode): read it, move it forward."""

    def __init__(self, admin: Admin):
        self._admin = admin

    def now(self) -> str:
        """Return the sandbox's time (ISO 8601)."""
        return self._admin.get("/clock")["now"]

    def advance(self, seconds: float) -> dict:
        """Move the virtual clock forward; every retry due on the way runs first."""
        return self._admin.call("POST", "/clock/advance", json={"seconds": seconds})


class Admin:
    """The sandbox's admin API; a refusal raises SandboxError with its explanation."""

    def __init__(self, url: str, token: str):
        self._api = Sandbox(url, token)

    def call(self, method: str, path: str, **kwargs):
        """Call /_sandbox<path>; return the JSON answer."""
        answer = self._api.raw(method, path, **kwargs)
        if answer.status >= 400:
            raise SandboxError(f"{method} /_sandbox{path}: {explained(answer)}")
        return answer.json()

    def get(self, path: str, **params):
        """GET /_sandbox<path> with the parameters that are not None."""
        return self.call("GET", path, params={k: v for k, v in params.items() if v is not None})


class CgluSandbox:
    """What a test gets from the `cglu_sandbox` fixture."""

    def __init__(self, url: str, admin_token: str, tenant: str = "Demo Partner"):
        self.url = url.rstrip("/")
        self.admin = Admin(self.url, admin_token)
        self.clock = Clock(self.admin)
        found = self.admin.get(f"/tenants/{tenant}", reveal="true")
        self.tenant = found
        self.write_key = found["writeKey"]

    def register(self, user_id: str, **attributes) -> str:
        """Register a user as the SDK does; return the user's token."""
        answer = requests.post(
            f"{self.url}/user/v1/user/sdk?token=true",
            json={"userId": user_id, "writeKey": self.write_key, **attributes},
            timeout=10,
        )
        answer.raise_for_status()
        return answer.json()["data"]["token"]

    def send_event(
        self, user_id: str, event_name: str, properties: dict | None = None, event_id=None
    ) -> requests.Response:
        """Send one event as a partner's backend does (server-side ingest); return the answer."""
        return requests.post(
            f"{self.url}/server/v4",
            json={
                "event_id": event_id or str(uuid.uuid4()),
                "event_name": event_name,
                "user_id": user_id,
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "event_properties": properties or {},
            },
            headers={"x-api-key": self.write_key},
            timeout=10,
        )

    def journal(self, **filters) -> list[dict]:
        """Return journal entries (newest first) matching the filters of GET /_sandbox/journal."""
        return self.admin.get("/journal", **filters)["entries"]

    def deliveries(self, **filters) -> list[dict]:
        """Return the outgoing deliveries (webhooks, coupon requests) and their state."""
        return self.admin.get("/deliveries", **filters)["deliveries"]

    def receiver(self, name: str, statuses=(200,)) -> str:
        """Program the built-in webhook receiver `name`; return the URL to deliver to."""
        self.admin.call("PUT", f"/hooks/{name}", json={"statuses": list(statuses)})
        return f"{self.url}/_sandbox/hooks/{name}"

    def received(self, name: str) -> list[dict]:
        """Return what the built-in receiver `name` was sent, newest first."""
        return self.admin.get(f"/hooks/{name}")["calls"]

    def faults(self, *rules: dict, seed: str | None = None) -> dict | None:
        """Install a fault plan of `rules` on the tenant (docs/guides/faults.md); with no
        rules, remove the tenant's plan. Return the plan installed, or None."""
        path = f"/tenants/{self.tenant['id']}/faults"
        if not rules:
            self.admin.call("DELETE", path)
            return None
        return self.admin.call("PUT", path, json={"rules": list(rules), "seed": seed})

    def start_client_checks(self) -> str:
        """Start the client kit on the tenant; return the run's id (grade it with
        client_checks once your client has sent its events)."""
        return self.admin.call("POST", f"/tenants/{self.tenant['id']}/client-checks")["runId"]

    def client_checks(self, run_id: str) -> dict:
        """Return the client kit's grading of run `run_id`, read from the journal now: each
        check's result is "pass", "fail" or "not_seen"."""
        graded = self.admin.get(f"/client-checks/{run_id}")
        return {**graded, "checks": {r["check"]: r["result"] for r in graded["results"]}}

    def snapshot(self, name: str, **ask) -> dict:
        """Save the sandbox's state as snapshot `name` (replacing one of that name)."""
        return self.admin.call("POST", "/snapshots", json={"name": name, "replace": True, **ask})

    def restore(self, name: str) -> dict:
        """Restore snapshot `name` in place of the sandbox's state."""
        return self.admin.call("POST", f"/snapshots/{name}/restore")


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A sandbox started for a test session: a data dir of its own, test mode, a free port."""

    def __init__(self, data_dir: Path | None = None, env: dict | None = None):
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="cglu-sandbox-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_token = "kit_" + secrets.token_urlsafe(16)
        self.log = open(self.data_dir / "server.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve"],
            env={
                **os.environ,
                "SANDBOX_DATA_DIR": str(self.data_dir / "data"),
                "SANDBOX_PORT": str(self.port),
                "SANDBOX_BIND": "127.0.0.1",
                "SANDBOX_ADMIN_TOKEN": self.admin_token,
                "SANDBOX_TEST_MODE": "1",
                **(env or {}),
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the sandbox exited: {self.output()}")
            try:
                if requests.get(f"{self.url}/_sandbox/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the sandbox did not start in {timeout:g} s: {self.output()}")

    def output(self) -> str:
        """Return what the server printed."""
        self.log.flush()
        return (self.data_dir / "server.log").read_text()

    def stop(self) -> None:
        """Stop the server (graceful, then killed after 10 s)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
