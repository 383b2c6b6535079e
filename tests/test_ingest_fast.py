"""The ingest fast path answers exactly as the Flask view; batched writes act as sequential ones."""

import json
import time

import pytest

from sandbox.api.events_fast import IngestFastPath
from sandbox.domain import events
from sandbox.journal import record as recording
from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import bearer, event, mint, register, tenant

KEY = {"x-api-key": DEMO_KEY}
JSON = {"Content-Type": "application/json"}
# Differ per request by nature; everything else of an entry must be identical.
VOLATILE = {"id", "request_id", "ts", "ts_epoch", "latency_ms", "response_body", "event_id"}


def fast_path(app) -> IngestFastPath | None:
    """Return the app's fast path middleware (None when it is switched off)."""
    return app.wsgi_app if isinstance(app.wsgi_app, IngestFastPath) else None


def post_both(make_app, path, body, headers, setup=None):
    """POST the same request to an app with the fast path and one without; return both."""
    out = []
    for fast in (True, False):
        app = make_app(FAST_INGEST=fast, DATA_DIR=str(make_app.tmp / f"data-{fast}"))
        client = app.test_client()
        extra = setup(app, client) if setup else {}
        data = body if isinstance(body, str) else json.dumps(body)
        resp = client.post(path, data=data, headers={**JSON, **headers, **extra})
        entry = app.extensions["sandbox.store"].one(
            "SELECT * FROM journal WHERE request_id = ?",
            (resp.headers["X-Sandbox-Request-Id"],),
            journal=True,
        )
        out.append((app, resp, entry))
    return out


@pytest.fixture
def make(make_app, tmp_path):
    make_app.tmp = tmp_path
    return make_app


def comparable(entry: dict) -> dict:
    """Return a journal entry without what differs per request (and per tenant's secrets)."""
    out = {k: v for k, v in entry.items() if k not in VOLATILE}
    out["headers"] = json.loads(out["headers"])
    out["headers"].pop("Authorization", None)  # each app's tenant signs its own tokens
    return out


def assert_same(fast, slow):
    (_fa, fresp, fentry), (_sa, sresp, sentry) = fast, slow
    assert fresp.status_code == sresp.status_code
    assert sorted(fresp.headers.keys()) == sorted(sresp.headers.keys())
    assert fresp.get_json().keys() == sresp.get_json().keys()
    assert fresp.headers["Content-Type"] == sresp.headers["Content-Type"]
    assert comparable(fentry) == comparable(sentry)


@pytest.mark.parametrize("path", ["/server/v4", "/v4/sdk"])
def test_valid_event_is_answered_below_flask_with_the_same_entry(make, path):
    fast, slow = post_both(make, path, event(), KEY)
    assert fast_path(fast[0]).answered == 1 and fast_path(slow[0]) is None
    assert_same(fast, slow)
    assert fast[2]["auth_result"] == "pass" and fast[2]["tenant_id"] == DEMO_TENANT
    assert fast[2]["route"] == slow[2]["route"] and fast[2]["user_id"] == "alice"
    # The answer is the view's, byte for byte but for the sequence number.
    assert fast[1].get_json()["ShardId"] == events.SHARD_ID
    row = fast[0].extensions["sandbox.store"].one("SELECT * FROM events", journal=True)
    assert row["uid"] == fast[1].headers["X-Sandbox-Event-Uid"] and row["valid"] == 1


def test_event_with_the_users_token_is_answered_below_flask(make):
    def with_token(app, client):
        token, _ = register(client, "alice")
        return bearer(token)

    fast, slow = post_both(make, "/v4/sdk", event(), KEY, with_token)
    assert fast_path(fast[0]).answered == 1
    assert_same(fast, slow)


def _other_users_token(app, client):
    return bearer(mint(tenant(app)["jwt_secret"], userId="bob"))


def _other_tenants_token(app, client):
    return bearer(mint(tenant(app)["jwt_secret"], client="another-client"))


REFUSED = {  # the bench's rejected mix (bench/rejected.lua) and the token checks
    "writekey_missing": ({}, None),
    "writekey_unknown": ({"x-api-key": "no-such-key-000000000000"}, None),
    "writekey_truncated": ({"x-api-key": DEMO_KEY[:20]}, None),
    "writekey_quoted": ({"x-api-key": f'"{DEMO_KEY}"'}, None),
    "writekey_wrong_place": ({"Authorization": DEMO_KEY}, None),
    "writekey_typo": ({"x-api-key": DEMO_KEY[:10] + "X" + DEMO_KEY[11:]}, None),
    "writekey_whitespace": ({"x-api-key": f" {DEMO_KEY}"}, None),
    "event_user_mismatch": (KEY, _other_users_token),
    "tenant_mismatch": (KEY, _other_tenants_token),
}


@pytest.mark.parametrize("reason", sorted(REFUSED))
def test_explained_401_is_answered_below_flask_with_the_same_body_and_entry(make, reason):
    headers, setup = REFUSED[reason]
    fast, slow = post_both(make, "/server/v4", event(), headers, setup)
    assert fast_path(fast[0]).answered == 1
    assert_same(fast, slow)
    (_fa, fresp, fentry), (_sa, sresp, _se) = fast, slow
    assert fresp.status_code == 401 and fentry["auth_reason"] == reason
    fbody, sbody = fresp.get_json(), sresp.get_json()
    request_id = fresp.headers["X-Sandbox-Request-Id"]
    assert fbody.pop("requestId") == request_id and sbody.pop("requestId")
    assert fbody.pop("journal") == f"http://localhost/_sandbox/journal/{request_id}"
    assert sbody.pop("journal").endswith(sresp.headers["X-Sandbox-Request-Id"])
    assert fbody == sbody
    assert json.loads(fentry["checks"]) == fbody["checks"]


@pytest.mark.parametrize("case", ["invalid_event", "text_body", "not_json", "json_list"])
def test_everything_else_steps_aside_to_flask(make, case):
    body, headers = event(), dict(KEY)
    if case == "invalid_event":
        body = event(timestamp="yesterday")
    elif case == "text_body":
        body, headers = "{}", {**KEY, "Content-Type": "text/plain"}
    elif case == "not_json":
        body = "{not json"
    elif case == "json_list":
        body = [event()]
    fast, slow = post_both(make, "/server/v4", body, headers)
    assert fast_path(fast[0]).answered == 0
    assert_same(fast, slow)


def test_batched_events_count_duplicates_as_one_by_one_would(app):
    store = app.extensions["sandbox.store"]

    def row(event_id, n):
        return events.row_for(
            DEMO_TENANT, event(event_id=event_id), "server", [], f"req-{n}", "now", f"evt-{n:08x}"
        )

    first = store.write(
        lambda conn: events.StoreEvent.many(conn, [events.store_event(row("x", 1))]), journal=True
    )
    batch = [row("x", 2), row("y", 3), row("y", 4), row(None, 5), row(None, 6)]
    results = store.write(
        lambda conn: events.StoreEvent.many(conn, [events.store_event(r) for r in batch]),
        journal=True,
    )
    assert first[0] == {"headers": {"X-Sandbox-Event-Uid": "evt-00000001"}}
    assert [r.get("flags") for r in results] == [["duplicate"], None, ["duplicate"], None, None]
    assert results[0]["headers"]["X-Sandbox-Event-Uid"] == "evt-00000001"
    assert results[2]["headers"]["X-Sandbox-Duplicate"] == "true; first=evt-00000003"
    counts = {
        r["uid"]: r["duplicates"]
        for r in store.all("SELECT uid, duplicates FROM events", journal=True)
    }
    assert counts == {"evt-00000001": 1, "evt-00000003": 1, "evt-00000005": 0, "evt-00000006": 0}


def test_a_batch_of_records_is_journaled_in_order(app):
    store = app.extensions["sandbox.store"]
    entries = [
        {
            "request_id": f"req-b{i}",
            "ts": "2026-11-27T10:00:00Z",
            "ts_epoch": time.time(),  # young: the age retention keeps it
            "method": "POST",
            "path": "/x",
            "flags": [],
            "problems": [],
        }
        for i in range(3)
    ]
    store.write(
        lambda conn: recording.Record.many(conn, [recording.Record(e, []) for e in entries]),
        journal=True,
    )
    ids = [
        r["request_id"]
        for r in store.all("SELECT request_id FROM journal ORDER BY id", journal=True)
    ]
    assert ids[-3:] == ["req-b0", "req-b1", "req-b2"]
