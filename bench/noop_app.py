"""The ceiling: a Flask app that checks the key, parses the JSON and answers, recording nothing.

Served by the same gunicorn configuration as the sandbox, so the ratio between the two is what
the sandbox's work (auth chain, validation, journal, commit) costs.
"""

import json
import os
from pathlib import Path

from flask import Flask, request

_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tenants.json"
KEY = json.loads(_FIXTURES.read_text())["tenants"][0]["writeKey"]
app = Flask(__name__)


ANSWER = {"ShardId": "shardId-000000000000", "SequenceNumber": "1"}


def refused():
    """Return the 401 or 400 answer for this request, or None if its key and JSON are good."""
    if request.headers.get("x-api-key") != KEY:
        return {"success": False, "message": "Unauthorized"}, 401
    event = request.get_json(silent=True)
    if not isinstance(event, dict):
        return {"success": False, "message": "bad request"}, 400
    return None


@app.post("/server/v4")
def ingest():
    """Check the key, parse the event, answer like the sandbox (without storing anything)."""
    return refused() or ANSWER


@app.get("/_sandbox/health")
def health():
    """Answer the readiness probe the harness waits for, naming the worker as the sandbox does."""
    return {"status": "ok", "pid": os.getpid()}


@app.post("/hook")
def hook():
    """A webhook receiver that accepts everything (the outgoing bench's target)."""
    request.get_data()
    return {}


@app.post("/fail")
def fail():
    """A webhook receiver that is down: 500 to everything (the failure cycle's target)."""
    request.get_data()
    return {"error": "down"}, 500
