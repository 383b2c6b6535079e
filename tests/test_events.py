"""Events: accepted loosely, validated strictly aside, duplicates stored once, raw bytes kept."""

import pytest

from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import event

KEY = {"x-api-key": DEMO_KEY}


def stored(app, event_id=None):
    store = app.extensions["sandbox.store"]
    if event_id is None:
        return store.journal_all("SELECT * FROM events ORDER BY id")
    return store.journal_all("SELECT * FROM events WHERE event_id = ?", (event_id,))


@pytest.mark.parametrize(
    "timestamp, utc",
    [
        ("2026-11-27T10:00:00+0530", "2026-11-27T04:30:00Z"),  # iOS
        ("2026-11-27T10:00:00.123Z", "2026-11-27T10:00:00.123000Z"),  # Android
        ("2026-11-27T10:00:00+05:30", "2026-11-27T04:30:00Z"),
    ],
)
def test_both_sdk_timestamp_formats_are_valid(app, client, timestamp, utc):
    resp = client.post("/server/v4", json=event(timestamp=timestamp), headers=KEY)
    assert resp.status_code == 200 and "X-Sandbox-Event-Valid" not in resp.headers
    row = stored(app, "evt-1")[0]
    assert row["valid"] == 1 and row["timestamp_utc"] == utc
    assert row["uid"] == resp.headers["X-Sandbox-Event-Uid"]


def test_duplicate_event_id_is_stored_once_and_flagged(app, client, admin_headers):
    first = client.post("/server/v4", json=event(event_id="dup-1"), headers=KEY)
    second = client.post("/server/v4", json=event(event_id="dup-1"), headers=KEY)
    assert first.status_code == second.status_code == 200
    rows = stored(app, "dup-1")
    assert len(rows) == 1 and rows[0]["duplicates"] == 1
    assert second.headers["X-Sandbox-Duplicate"] == f"true; first={rows[0]['uid']}"
    entry = client.get(
        f"/_sandbox/journal/{second.headers['X-Sandbox-Request-Id']}", headers=admin_headers
    ).get_json()
    assert "duplicate" in entry["flags"] and rows[0]["uid"] in entry["problems"][0]
    assert (
        client.get("/_sandbox/journal?event_id=dup-1", headers=admin_headers).get_json()["count"]
        == 2
    )


@pytest.mark.parametrize(
    "body, problem",
    [
        (event(event_id=None), "event_id is missing"),
        (event(event_name=None), "event_name is missing"),
        (event(user_id=None), "user_id is missing"),
        (event(timestamp="yesterday"), "timestamp 'yesterday' is not ISO 8601"),
        (event(timestamp="2026-11-27"), "is not ISO 8601"),
        (event(timestamp=1764237600), "timestamp must be a string"),
        (event(event_properties="amount=5"), "event_properties must be an object"),
        (event(event_id=123), "event_id must be a string"),
    ],
)
def test_schema_breaks_are_200_but_flagged(app, client, admin_headers, body, problem):
    resp = client.post("/server/v4", json=body, headers=KEY)
    assert resp.status_code == 200  # as the real service: validation is deferred
    assert resp.get_json()["ShardId"] == "shardId-000000000000"
    assert resp.headers["X-Sandbox-Event-Valid"] == "false"
    assert problem in resp.headers["X-Sandbox-Event-Problems"]
    entry = client.get(
        f"/_sandbox/journal/{resp.headers['X-Sandbox-Request-Id']}", headers=admin_headers
    ).get_json()
    assert "invalid" in entry["flags"] and any(problem in p for p in entry["problems"])
    row = stored(app)[-1]
    assert row["valid"] == 0 and problem in row["problems"]


def test_json_array_body_is_200_flagged_and_not_an_event(app, client):
    resp = client.post("/server/v4", json=[event()], headers=KEY)
    assert resp.status_code == 200
    assert "not a JSON object" in resp.headers["X-Sandbox-Event-Problems"]
    assert stored(app) == []


def test_not_json_is_400_and_journal_keeps_raw_bytes(client, admin_headers):
    raw = b"event_id=1&event_name=\xffbroken"
    resp = client.post("/server/v4", data=raw, headers={**KEY, "Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.get_json()["reason"] == "invalid_json"
    entry = client.get(
        f"/_sandbox/journal/{resp.headers['X-Sandbox-Request-Id']}", headers=admin_headers
    ).get_json()
    import base64

    assert entry["body"]["encoding"] == "base64"
    assert base64.b64decode(entry["body"]["data"]) == raw
    assert entry["body_size"] == len(raw)


def test_journal_search_answers_did_you_receive_it(client, admin_headers):
    client.post("/server/v4", json=event(event_id="a-1", user_id="u-1"), headers=KEY)
    client.post("/server/v4", json=event(event_id="a-2", user_id="u-2"), headers=KEY)
    client.post("/server/v4", json=event(), headers={"x-api-key": "wrong-key-000000"})

    def search(query):
        return client.get(f"/_sandbox/journal?{query}", headers=admin_headers).get_json()

    assert [e["event_id"] for e in search("user=u-1")["entries"]] == ["a-1"]
    assert search("event_id=a-2")["count"] == 1
    assert search("status=401")["entries"][0]["auth_reason"] == "writekey_unknown"
    assert search("status=2xx&path=/server/v4")["count"] == 2
    assert search("reason=writekey_unknown")["count"] == 1
    assert search(f"tenant={DEMO_TENANT}")["count"] == 2
    assert search("since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z")["count"] == 3
    assert search("until=2000-01-01T00:00:00Z")["count"] == 0
    page = search("limit=2")
    assert page["count"] == 2 and page["next"]
    rest = search(f"limit=2&before={page['next']['before']}")
    assert rest["count"] == 1 and rest["next"] is None
    newer = search(f"after={rest['entries'][0]['id']}")
    assert [e["id"] for e in newer["entries"]] == sorted(e["id"] for e in page["entries"])
    assert page["entries"][0]["url"].endswith(page["entries"][0]["request_id"])


def test_unknown_route_is_journaled_with_suggestion(client, admin_headers):
    resp = client.post("/server/v5", json=event(), headers=KEY)
    assert resp.status_code == 404
    assert resp.get_json()["suggestions"][0] == "POST /server/v4"
    assert "did you mean POST /server/v4" in resp.get_json()["message"]
    entry = client.get(
        f"/_sandbox/journal/{resp.headers['X-Sandbox-Request-Id']}", headers=admin_headers
    ).get_json()
    assert entry["status"] == 404 and entry["path"] == "/server/v5"


def test_wrong_method_on_api_path(client):
    resp = client.get("/server/v4", headers=KEY)
    assert resp.status_code == 405 and resp.get_json()["allowed"] == ["POST"]
    assert resp.get_json()["success"] is False
