"""The CLI's one way to the sandbox: its admin API, on the running server or in this process.

Which sandbox a command talks to, in order (as the Stripe and Docker CLIs find their service):
1. `--url` (or SANDBOX_URL): a server anywhere, a support team's shared one included; its token
   from `--token` or SANDBOX_ADMIN_TOKEN (or the data dir's card, for a local server).
2. The server that runs for the data dir (SANDBOX_DATA_DIR): its card, server.json, names its
   URL and holds its token (server/discovery.py).
3. No server: the command builds the app in this process and calls the same routes through
   Flask's test client, and says so in one line (offline).

Every command therefore does what the admin API does, with its checks and its explained
errors, whichever way it goes: one line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json as jsonlib
import os
from dataclasses import dataclass
from pathlib import Path

import click

TOKEN_HEADER = "X-Sandbox-Admin-Token"


@dataclass
class Answer:
    """An admin API answer, whichever way it came."""

    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        """The body as JSON."""
        return jsonlib.loads(self.body or b"null")


class Sandbox:
    """A sandbox's admin API: `url` is where it answers, `remote` False when in process."""

    def __init__(self, url: str, token: str, app=None, data_dir: str | None = None):
        self.url, self.token, self.app, self.data_dir = url.rstrip("/"), token, app, data_dir
        self.remote = app is None
        self._session = None

    def call(self, method: str, path: str, *, params=None, json=None, data=None, headers=None):
        """Call the admin API (path below /_sandbox); return its answer, or stop with the
        explained error of a refusal in one line."""
        answer = self.raw(method, path, params=params, json=json, data=data, headers=headers)
        if answer.status >= 400:
            raise click.ClickException(explained(answer))
        return answer

    def get(self, path: str, **params):
        """GET, dropping parameters that are None; the JSON answer."""
        return self.call("GET", path, params=_given(params)).json()

    def raw(self, method, path, *, params=None, json=None, data=None, headers=None) -> Answer:
        """Call the admin API and return whatever it answered."""
        sent = {TOKEN_HEADER: self.token, **(headers or {})}
        target = f"/_sandbox{path}"
        if self.app is not None:
            with self.app.test_client() as client:
                got = client.open(
                    target,
                    method=method,
                    query_string=params,
                    json=json,
                    data=data,
                    headers=sent,
                    base_url=self.url,
                )
                body = got.get_data()
                got.close()  # a file it sent (a download) is closed now, not at collection
                return Answer(got.status_code, dict(got.headers), body)
        import requests

        if self._session is None:
            self._session = requests.Session()
        try:
            got = self._session.request(
                method,
                self.url + target,
                params=params,
                json=json,
                data=data,
                headers=sent,
                timeout=float(os.environ.get("SANDBOX_CLI_TIMEOUT", "130")),
            )
        except requests.RequestException as exc:
            raise click.ClickException(
                f"cannot reach the sandbox at {self.url}: {type(exc).__name__}. "
                "Is it running? (`python -m sandbox serve`, or check --url)"
            ) from exc
        return Answer(got.status_code, dict(got.headers), got.content)


def explained(answer: Answer) -> str:
    """Return an error answer as one line: what failed, why, and what to do."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return f"HTTP {answer.status}: {answer.text[:200]}"
    said = body.get("message") or body.get("error") or "refused"
    line = f"{said} ({answer.status} {body.get('reason')})"
    if body.get("hint"):
        line += f". {body['hint']}"
    for e in body.get("errors") or []:
        if isinstance(e, dict):
            where = f"row {e.get('row')}, {e.get('column')}" if e.get("row") else "sheet"
            line += f"\n  {where}: {e.get('message')}. {e.get('hint') or ''}".rstrip()
    return line


def _given(params: dict) -> dict:
    return {k: v for k, v in params.items() if v is not None and v is not False}


def data_dir() -> Path:
    """Return the data dir this command is about (SANDBOX_DATA_DIR, as the server reads it)."""
    from ..config import load

    return Path(load()["DATA_DIR"]).resolve()


def connect(url: str | None, token: str | None) -> Sandbox:
    """Return the sandbox a command talks to (see the module's docstring)."""
    from ..server import discovery

    folder = data_dir()
    card = discovery.read(str(folder)) if folder.is_dir() else None
    url = url or os.environ.get("SANDBOX_URL", "").strip() or None
    token = token or os.environ.get("SANDBOX_ADMIN_TOKEN", "").strip() or None
    if url:
        if token is None and card and url.rstrip("/") in (card["url"], card["listen"]):
            token = card.get("adminToken")
        if not token:
            raise click.ClickException(
                f"--url {url} needs that sandbox's admin token: --token, or SANDBOX_ADMIN_TOKEN "
                "(its start-up banner prints it)"
            )
        return Sandbox(url, token)
    if card is not None:
        found = token or card.get("adminToken")
        if not found:
            raise click.ClickException(
                f"a sandbox runs for {folder} at {card['url']}, but its card holds no admin "
                "token; pass --token or set SANDBOX_ADMIN_TOKEN"
            )
        return Sandbox(card["listen"], found, data_dir=str(folder))
    return offline(folder)


def offline(folder: Path) -> Sandbox:
    """Build the app in this process over the data dir and say so in one line."""
    from .. import create_app
    from ..errors import DataDirError

    try:
        app = create_app()
    except DataDirError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"no sandbox is running for {folder}: working on its data directly", err=True)
    return in_process(app, str(folder))


def in_process(app, folder: str | None = None) -> Sandbox:
    """Return the admin API of an app in this process (its routes through the test client)."""
    token = app.config["ADMIN_TOKEN"]
    if not token:
        # No server ever started on this data dir: only this process opens its admin routes.
        import secrets

        token = app.config["ADMIN_TOKEN"] = "cli_" + secrets.token_urlsafe(16)
        app.extensions["sandbox.runtime"].admin_token = token
    return Sandbox(app.extensions["sandbox.runtime"].public_url(), token, app=app, data_dir=folder)


def websocket(url: str, headers: dict):
    """Open a WebSocket to the sandbox (the feed), frames sent with the handshake included."""
    from simple_websocket import Client

    class _Client(Client):
        # simple-websocket's client takes only the handshake's answer from its first read; a
        # frame that came in the same read (the feed's hello) then waited in wsproto's buffer
        # until the next bytes arrived: the server's ping, a heartbeat (15 s) later.
        def handshake(self):
            super().handshake()
            self.connected = self._handle_events()
            if self.input_buffer:
                self.event.set()

    return _Client.connect(url, headers=headers)
