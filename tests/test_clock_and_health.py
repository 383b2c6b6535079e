"""No clock input bricks a data dir; health says when the store cannot write; failures that
repeat are logged once with a count; an unusable data dir stops the start with one line."""

import logging

import pytest

from sandbox import create_app
from sandbox.errors import DataDirError
from sandbox.store import CoreWrite, dumps
from sandbox.store.health import RepeatedFailure
from tests.conftest import DEMO_KEY
from tests.helpers import event

CLOCK = "/_sandbox/clock/advance"
BAD_SECONDS = [
    '{"seconds": 1e20}',
    '{"seconds": 1e12}',
    '{"seconds": ' + "9" * 300 + "}",
    '{"seconds": ' + "9" * 5000 + "}",
    '{"seconds": NaN}',
    '{"seconds": Infinity}',
    '{"seconds": -Infinity}',
    '{"seconds": -1}',
    '{"seconds": true}',
    '{"seconds": "soon"}',
    '{"seconds": [1]}',
    '{"seconds": null}',
    "[" * 5000,
]


def _works(client) -> None:
    """Registration, SDK config and ingest all still answer."""
    key = {"x-api-key": DEMO_KEY}
    assert client.post("/server/v4", json=event(), headers=key).status_code == 200
    assert client.get("/client/v1/sdk/config", headers=key).status_code == 200
    reg = client.post("/user/v1/user/sdk?token=true", json={"userId": "u", "writeKey": DEMO_KEY})
    assert reg.status_code == 200


@pytest.mark.parametrize("body", BAD_SECONDS, ids=lambda b: b[:24])
def test_a_bad_clock_step_is_a_400_and_changes_nothing(make_app, admin_headers, body):
    app = make_app()
    client = app.test_client()
    before = client.get("/_sandbox/clock", headers=admin_headers).get_json()["offset"]
    resp = client.post(
        CLOCK, data=body, headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["reason"] == "bad_seconds"
    after = client.get("/_sandbox/clock", headers=admin_headers).get_json()["offset"]
    assert after == before
    _works(client)
    # The data dir starts again, test mode on.
    again = make_app()
    _works(again.test_client())


def test_the_clock_stops_a_hundred_years_ahead(client, admin_headers):
    decade = 10 * 365.25 * 86400
    for _ in range(10):
        assert (
            client.post(CLOCK, json={"seconds": decade}, headers=admin_headers).status_code == 200
        )
    resp = client.post(CLOCK, json={"seconds": 86400}, headers=admin_headers)
    assert resp.status_code == 400 and "ahead of real time" in resp.get_json()["message"]
    _works(client)


@pytest.mark.parametrize(
    "state", [{"offset": 1e20}, {"offset": "nan"}, {"frozen_at": 1e300}, "seven"]
)
def test_a_data_dir_with_a_clock_out_of_range_starts_and_resets_it(make_app, caplog, state):
    app = make_app()
    store = app.extensions["sandbox.store"]
    store.write(
        CoreWrite(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO settings VALUES ('virtual_clock', ?)", (dumps(state),)
            )
        )
    )
    with caplog.at_level(logging.WARNING):
        again = make_app()
    assert "out of range" in caplog.text
    assert again.extensions["sandbox.clock"].offset == 0.0
    _works(again.test_client())


def test_health_is_degraded_when_the_disk_is_full(client, monkeypatch):
    assert client.get("/_sandbox/health").get_json()["status"] == "ok"

    class Full:
        free = 1024

    monkeypatch.setattr("sandbox.store.health.shutil.disk_usage", lambda _path: Full)
    resp = client.get("/_sandbox/health")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "degraded" and "disk" in body["reason"]


def test_a_failure_that_repeats_is_logged_once_with_a_count(caplog):
    failures = RepeatedFailure(logging.getLogger("sandbox.test"), "WAL checkpoint")
    with caplog.at_level(logging.ERROR):
        for _ in range(500):
            failures.failed(OSError(28, "No space left on device"))
    assert len(caplog.records) == 1 and caplog.records[0].exc_info
    assert failures.count == 500
    with caplog.at_level(logging.WARNING):
        failures.succeeded()
    assert "works again after 500 failure(s)" in caplog.text


def test_an_unusable_data_dir_stops_the_start_with_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DataDirError) as caught:
        create_app({"DATA_DIR": str(blocker / "data"), "TESTING": True})
    message = caught.value.message
    assert str(blocker / "data") in message and "Fix:" in message and "\n" not in message
