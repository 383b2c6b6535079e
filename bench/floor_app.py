"""The durable floor: the no-op plus one committed row per event, through the sandbox's writer.

It checks the key and parses the JSON as noop_app does, then hands one small row to the
sandbox's own store writer (group commit, lingering, the journal shard of its worker) and
answers only once it is committed, as the sandbox does. Nothing else: no capture, no auth
chain, no journal entry, no rules. So under one server, ingest can never beat this app,
and noop / floor / sandbox split an event's cost into the server and Flask, the commit,
and the sandbox's own work (docs/architecture.md, issue 33's fifth round).

`plain` is the same without Flask (a bare WSGI callable): the sandbox answers ingest
through its own door beneath Flask (http/door.py), so its floor lies between the two.
"""

import os
import tempfile
from pathlib import Path

import orjson
from flask import Flask, request
from noop_app import ANSWER, KEY, refused

from sandbox.store import Store, migrate
from sandbox.store.writes import ShardWrite

# One data dir for the server's workers: bench/ingest.py names it, else a fresh one.
_DATA = Path(os.environ.get("FLOOR_DATA_DIR") or tempfile.mkdtemp(prefix="floor-"))
_DATA.mkdir(parents=True, exist_ok=True)
migrate(_DATA / "sandbox.db")
store = Store(_DATA / "sandbox.db")
store.write(
    ShardWrite(
        lambda conn: conn.execute(
            "CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
        )
    )
)
app = Flask(__name__)


def _insert(body: str) -> ShardWrite:
    return ShardWrite(lambda conn: conn.execute("INSERT INTO floor (body) VALUES (?)", (body,)))


@app.post("/server/v4")
def ingest():
    """Check the key, parse the event, commit it as one row, then answer like the sandbox."""
    answer = refused()
    if answer is not None:
        return answer
    store.write(_insert(request.get_data(as_text=True)))
    return ANSWER


@app.get("/_sandbox/health")
def health():
    """Answer the readiness probe the harness waits for, naming the worker."""
    return {"status": "ok", "pid": os.getpid()}


_ANSWER = orjson.dumps(ANSWER)


def plain(environ, start_response):
    """The floor without Flask: check the key, parse the event, commit it, answer."""
    if environ.get("PATH_INFO") == "/_sandbox/health":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [orjson.dumps({"status": "ok", "pid": os.getpid()})]
    if environ.get("HTTP_X_API_KEY") != KEY:
        start_response("401 UNAUTHORIZED", [("Content-Type", "application/json")])
        return [b'{"success":false,"message":"Unauthorized"}']
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError:
        event = None
    if not isinstance(event, dict):
        start_response("400 BAD REQUEST", [("Content-Type", "application/json")])
        return [b'{"success":false,"message":"bad request"}']
    store.write(_insert(body.decode()))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [_ANSWER]
