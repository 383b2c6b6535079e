"""Both doors of the ingest routes (beneath Flask, and Flask) store and answer the same."""

import io
import json
import re

import pytest

from sandbox.http.door import Door
from tests.conftest import DEMO_KEY
from tests.helpers import bearer, event, mint, register, tenant

KEY = {"x-api-key": DEMO_KEY}
JSON = {"Content-Type": "application/json"}
BIG = 123456789012345678901234567890
# What differs per request by nature: ids, times, the sequence number made from the uid.
VOLATILE = re.compile(rb'(req|evt)_[0-9a-f]+|"SequenceNumber":"\d+"')
ENTRY_VOLATILE = {"id", "request_id", "ts", "ts_epoch", "latency_ms", "response_body"}
EVENT_VOLATILE = {"id", "uid", "request_id", "received_at"}


def _other_users_token(app, client):
    return bearer(mint(tenant(app)["jwt_secret"], userId="bob"))


def _own_token(app, client):
    return bearer(register(client, "alice")[0])


# 20 requests: valid, flagged (answered 200 as the real service does), refused, unreadable.
CASES = [
    ("/server/v4", event(), KEY, None),
    ("/v4/sdk", event(event_id="sdk-1"), KEY, None),
    ("/server/v4", event(event_id="big", event_properties={"orderNo": BIG}), KEY, None),
    (
        "/server/v4",
        event(event_id="float", event_properties={"amount": 0.1, "e": 1e300}),
        KEY,
        None,
    ),
    ("/server/v4", event(event_id="utf", event_properties={"name": "Zoë ✓ 你好"}), KEY, None),
    ("/server/v4", event(event_id="evt-1"), KEY, None),  # a duplicate of the first
    ("/v4/sdk", event(event_id="tok"), KEY, _own_token),
    ("/server/v4", event(event_id=None), KEY, None),
    ("/server/v4", event(event_id="ts", timestamp="yesterday"), KEY, None),
    ("/server/v4", event(event_id="num", user_id=42), KEY, None),
    ("/server/v4", [event()], KEY, None),
    ("/server/v4", event(), {}, None),
    ("/server/v4", event(), {"x-api-key": "no-such-key-000000000000"}, None),
    ("/server/v4", event(), {"x-api-key": DEMO_KEY[:30]}, None),
    ("/server/v4", event(), {"x-api-key": f'"{DEMO_KEY}"'}, None),
    ("/server/v4", event(), {"Authorization": DEMO_KEY}, None),
    ("/server/v4", event(event_id="bob"), KEY, _other_users_token),
    ("/server/v4", "{not json", KEY, None),
    ("/server/v4", "{}", {**KEY, "Content-Type": "text/plain"}, None),
    ("/v4/sdk", "", KEY, None),
]


def _send_all(make_app, tmp_path, door: bool) -> tuple:
    """Send every case to a fresh app; return (answers, journal entries, events, via door)."""
    app = make_app(FAST_INGEST=door, DATA_DIR=str(tmp_path / f"data-{door}"))
    flask_calls = []
    if door:
        inner = app.wsgi_app.wsgi_app

        def counted(environ, start_response):
            flask_calls.append(environ["PATH_INFO"])
            return inner(environ, start_response)

        app.wsgi_app.wsgi_app = counted
    client = app.test_client()
    answers = []
    for path, body, headers, setup in CASES:
        extra = setup(app, client) if setup else {}
        data = body if isinstance(body, str) else json.dumps(body)
        resp = client.post(path, data=data, headers={**JSON, **headers, **extra})
        answers.append(
            (
                resp.status_code,
                sorted(k for k in resp.headers.keys() if k != "Date"),
                VOLATILE.sub(b"~", resp.get_data()),
            )
        )
    store = app.extensions["sandbox.store"]
    entries = store.journal_all(
        "SELECT * FROM journal WHERE path IN ('/server/v4', '/v4/sdk') ORDER BY id"
    )
    rows = store.journal_all("SELECT * FROM events ORDER BY id")
    return answers, entries, rows, flask_calls


def _comparable(entry: dict, volatile: set) -> str:
    out = {k: v for k, v in entry.items() if k not in volatile}
    if "headers" in out:
        out["headers"] = json.loads(out["headers"])
        out["headers"].pop("Authorization", None)  # each app's tenant signs its own tokens
    text = json.dumps(out, default=lambda b: b.decode(), sort_keys=True).encode()
    return VOLATILE.sub(b"~", text)


def test_twenty_events_store_and_answer_the_same_on_both_doors(make_app, tmp_path):
    door = _send_all(make_app, tmp_path, door=True)
    flask = _send_all(make_app, tmp_path, door=False)
    assert isinstance(make_app(DATA_DIR=str(tmp_path / "d3")).wsgi_app, Door)
    # The door answered the ingest requests itself; Flask saw the registration and the
    # empty body, sent without a Content-Length (the door reads only a declared length).
    assert door[3] == ["/user/v1/user/sdk", "/v4/sdk"]
    assert door[0] == flask[0]  # status, header names and body bytes, per request
    assert [_comparable(e, ENTRY_VOLATILE) for e in door[1]] == [
        _comparable(e, ENTRY_VOLATILE) for e in flask[1]
    ]
    assert [_comparable(r, EVENT_VOLATILE) for r in door[2]] == [
        _comparable(r, EVENT_VOLATILE) for r in flask[2]
    ]
    statuses = [a[0] for a in door[0]]
    assert statuses.count(200) == 12 and statuses.count(401) == 6 and statuses.count(400) == 2


@pytest.mark.parametrize("door", [True, False])
@pytest.mark.parametrize("path", ["/server/v4", "/v4/sdk"])
def test_a_big_integer_is_stored_exactly_as_sent(make_app, tmp_path, door, path):
    app = make_app(FAST_INGEST=door, DATA_DIR=str(tmp_path / "data"))
    body = event(event_properties={"orderNo": BIG, "price": 0.1})
    resp = app.test_client().post(path, data=json.dumps(body), headers={**JSON, **KEY})
    assert resp.status_code == 200
    row = app.extensions["sandbox.store"].journal_one("SELECT properties FROM events")
    assert row["properties"] == '{"orderNo":123456789012345678901234567890,"price":0.1}'
    assert json.loads(row["properties"])["orderNo"] == BIG


def test_a_request_without_content_length_goes_to_flask_and_is_ingested(make_app, tmp_path):
    app = make_app(DATA_DIR=str(tmp_path / "data"))
    # As gunicorn hands over a chunked body: no Content-Length, the input marked terminated.
    resp = app.test_client().post(
        "/server/v4",
        input_stream=io.BytesIO(json.dumps(event()).encode()),
        headers={**JSON, **KEY},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert resp.status_code == 200 and "SequenceNumber" in resp.get_json()
