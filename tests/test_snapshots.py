"""Snapshots: save, change everything, restore exactly; the same requests after a restore give
the same answers and draws; damaged and foreign files are refused with nothing changed; a fork
runs beside the original; inspectors are told."""

import io
import json
import sqlite3
import tarfile
import time

import pytest
import requests
from simple_websocket import ConnectionClosed

from sandbox.cli.client import websocket
from sandbox.domain import faults
from sandbox.store import Store, snapshot_file
from tests.conftest import DEMO_KEY, DEMO_TENANT, LiveServer
from tests.helpers import event

SLOT = "b8f3a6de-1f2c-4f7a-9d3b-5e6f7a8b9c0d"  # the demo's slot machine: a coupon pool
SCRATCH = "demo-scratch-500"
# What a snapshot holds, read back: every row of the tables a replay must reproduce.
STATE = {
    "draws": "SELECT * FROM draws ORDER BY tenant_id, campaign_id, seq",
    "coupons": "SELECT * FROM coupons ORDER BY id",
    "rewards": "SELECT * FROM rewards ORDER BY reward_id",
    "outbox": "SELECT delivery_id, kind, status, attempts, payload FROM outbox ORDER BY id",
    "clock": "SELECT value FROM settings WHERE key = 'virtual_clock'",
}


def _state(app) -> dict:
    store = app.extensions["sandbox.store"]
    found = {name: store.all(sql) for name, sql in STATE.items()}
    found["journal"] = store.journal_all("SELECT request_id, path, status FROM journal ORDER BY id")
    found["events"] = store.journal_all("SELECT uid, event_id FROM events ORDER BY id")
    return found


def _event(client, i: int, amount: int = 2500):
    return client.post(
        "/server/v4",
        json={
            "event_id": f"evt-{i}",
            "event_name": "completePurchase",
            "user_id": f"user-{i % 3}",
            "timestamp": "2026-12-01T10:00:00Z",
            "event_properties": {"amount": amount},
        },
        headers={"x-api-key": DEMO_KEY},
    )


def _play(client, admin_headers, user: str, campaign: str, count: int = 1):
    return client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/plays",
        json={"userId": user, "campaignId": campaign, "count": count},
        headers=admin_headers,
    )


def _traffic(client, admin_headers, start: int) -> list[bytes]:
    """Send 100 requests (events, plays, wallet reads); return the answers that carry state."""
    answers = []
    for i in range(start, start + 40):
        assert _event(client, i).status_code == 200
    for i in range(30):
        got = _play(client, admin_headers, f"player-{i % 5}", SLOT if i % 2 else SCRATCH)
        assert got.status_code == 200, got.json
        answers.append(got.data)
    for _ in range(30):
        got = client.get(
            f"/_sandbox/tenants/{DEMO_TENANT}/campaigns/{SLOT}/draws", headers=admin_headers
        )
        answers.append(got.data)
    return answers


def test_after_a_restore_another_worker_sees_the_next_fault_plan_at_once(
    app, client, admin_headers
):
    """A second Store on the same files is the other worker. The restored files carry the
    cache epoch of the day they were saved; the plan set after the restore must still reach
    that worker's next request, not the plan it cached before (CI caught this: a worker
    answered the client kit's first event without its faults)."""
    store = app.extensions["sandbox.store"]
    other = Store(store.path)
    faults_url = f"/_sandbox/tenants/{DEMO_TENANT}/faults"
    restore = "/_sandbox/snapshots/e/restore"
    tenant_id = DEMO_TENANT

    def seen_by_other():
        other.follow_epoch()  # what every request does first
        plan = faults.plans(other).get(tenant_id)
        return None if plan is None else [rule.id for rule in plan.rules]

    def put(rule_id):
        rule = {"id": rule_id, "route": "/server/v4", "status": 503}
        got = client.put(faults_url, json={"rules": [rule]}, headers=admin_headers)
        assert got.status_code == 200, got.json

    try:
        assert (
            client.post(
                "/_sandbox/snapshots", json={"name": "e"}, headers=admin_headers
            ).status_code
            == 200
        )
        put("before-restore")
        assert seen_by_other() == ["before-restore"]
        # The other worker gets no request between the restore and the next plan.
        assert client.post(restore, headers=admin_headers).status_code == 200
        put("after-restore")
        assert seen_by_other() == ["after-restore"]
        assert client.post(restore, headers=admin_headers).status_code == 200
        assert seen_by_other() is None  # the restore's own state, at the next request
    finally:
        other.close()


def test_a_save_waits_for_a_writer_in_the_middle_of_a_transaction(app, client, admin_headers):
    """A writer holds its file's lock (lock.py) for its whole transaction. The snapshot's pins
    take SQLite's write locks for an instant; met by a transaction that has read already,
    they would answer it SQLITE_BUSY at once (no busy wait then: the schemathesis run saw
    housekeeping fail so). The save waits for the writer's lock instead."""
    import threading
    from pathlib import Path

    from sandbox.store.lock import held

    store = app.extensions["sandbox.store"]
    assert (
        client.post("/server/v4", json=event(), headers={"x-api-key": DEMO_KEY}).status_code == 200
    )
    shard = Path(store.data_dir) / f"journal-{store.writer.slot}.db"
    reading, done = threading.Event(), {}

    def writer():
        conn = sqlite3.connect(shard, isolation_level=None)
        with held(str(shard)):
            conn.execute("BEGIN")
            conn.execute("SELECT count(*) FROM journal").fetchone()
            reading.set()
            time.sleep(0.5)
            done["saved_meanwhile"] = "saved" in done
            conn.execute("INSERT OR REPLACE INTO shard_meta VALUES ('probe', '1')")
            conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert reading.wait(5)
    saved = client.post("/_sandbox/snapshots", json={"name": "w"}, headers=admin_headers)
    done["saved"] = True
    thread.join(5)
    assert saved.status_code == 200, saved.json
    assert done["saved_meanwhile"] is False  # the save took its pins after the commit


def test_save_change_everything_restore_and_the_state_is_as_saved(app, client, admin_headers):
    _traffic(client, admin_headers, 0)
    client.post("/_sandbox/clock/advance", json={"seconds": 3600}, headers=admin_headers)
    saved = _state(app)
    made = client.post("/_sandbox/snapshots", json={"name": "before"}, headers=admin_headers)
    assert made.status_code == 200, made.json
    manifest = made.json
    assert manifest["counts"]["draws"] == len(saved["draws"]) == 30
    assert manifest["counts"]["journal"] == len(saved["journal"])
    assert [p["name"] for p in manifest["parts"]][0] == "sandbox.db"
    assert manifest["clock"]["virtual"] is True and manifest["seed"]

    # Change everything: events, plays, coupons, deliveries, the clock.
    _traffic(client, admin_headers, 1000)
    client.post("/_sandbox/clock/advance", json={"seconds": 86400}, headers=admin_headers)
    assert _state(app) != saved

    restored = client.post("/_sandbox/snapshots/before/restore", headers=admin_headers)
    assert restored.status_code == 200, restored.json
    assert restored.json["warnings"] == []
    assert _state(app) == saved
    # The process took the restored clock at once (not the advanced one).
    clock = client.get("/_sandbox/clock", headers=admin_headers).json
    assert clock["offset"] == pytest.approx(json.loads(saved["clock"][0]["value"])["offset"])


def test_the_same_requests_after_a_restore_give_the_same_answers_and_draws(
    app, client, admin_headers
):
    client.post("/_sandbox/clock/freeze", headers=admin_headers)
    _traffic(client, admin_headers, 0)
    assert (
        client.post("/_sandbox/snapshots", json={"name": "s"}, headers=admin_headers).status_code
        == 200
    )
    first = _traffic(client, admin_headers, 500)
    first_state = _state(app)
    assert client.post("/_sandbox/snapshots/s/restore", headers=admin_headers).status_code == 200
    again = _traffic(client, admin_headers, 500)
    assert again == first  # byte for byte: rolls, variants, reward ids, coupon codes, times
    replayed = _state(app)
    for table in ("draws", "coupons", "rewards", "outbox"):
        assert replayed[table] == first_state[table], table
    codes = [json.loads(a)["plays"][0]["code"] for a in first[:30]]
    assert any(codes), "the replay issued coupon codes"


def _tampered(path, how: str) -> bytes:
    data = path.read_bytes()
    if how == "truncated":
        return data[: len(data) // 2]
    if how == "flipped":  # one byte inside a part
        b = bytearray(data)
        b[len(b) // 3] ^= 0x01
        return bytes(b)
    if how == "foreign":
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w") as tar:
            body = b'{"format": "something-else/1"}'
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
        return out.getvalue()
    if how == "newer":
        with tarfile.open(path) as tar:
            members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w") as tar:
            for member, body in members:
                if member.name == "manifest.json":
                    m = json.loads(body)
                    m["migrations"].append("m999_from_the_future")
                    body = json.dumps(m).encode()
                    member.size = len(body)
                tar.addfile(member, io.BytesIO(body))
        return out.getvalue()
    return b"not a tar at all"


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("truncated", "truncated"),
        ("flipped", "tampered"),
        ("foreign", "foreign_format"),
        ("newer", "newer_version"),
        ("garbage", "not_a_snapshot"),
    ],
)
def test_a_damaged_or_foreign_file_is_refused_and_nothing_changes(
    app, client, admin_headers, how, reason
):
    _traffic(client, admin_headers, 0)
    client.post("/_sandbox/snapshots", json={"name": "good"}, headers=admin_headers)
    path = snapshot_file.path_of(app.config["DATA_DIR"], "good")
    _traffic(client, admin_headers, 700)
    before = _state(app)
    bad = snapshot_file.path_of(app.config["DATA_DIR"], "bad")
    bad.write_bytes(_tampered(path, how))
    refused = client.post("/_sandbox/snapshots/bad/restore", headers=admin_headers)
    assert refused.status_code == 422, refused.json
    assert refused.json["reason"] == reason
    assert "Nothing was changed" in refused.json["hint"]
    assert _state(app) == before
    # Uploaded, the same bytes are refused and not kept.
    up = client.put(
        "/_sandbox/snapshots/uploaded",
        data=_tampered(path, how),
        headers={**admin_headers, "Content-Type": "application/octet-stream"},
    )
    assert up.status_code == 422 and up.json["reason"] == reason
    assert client.get("/_sandbox/snapshots/uploaded", headers=admin_headers).status_code == 404


def test_names_tenants_and_the_journal_option(app, client, admin_headers):
    _traffic(client, admin_headers, 0)
    for name in ("../etc", "a/b", "", "x" * 65):
        got = client.post("/_sandbox/snapshots", json={"name": name}, headers=admin_headers)
        assert got.status_code == 400, name
    lean = client.post(
        "/_sandbox/snapshots", json={"name": "lean", "journal": False}, headers=admin_headers
    ).json
    assert lean["counts"]["journal"] == 0 and lean["counts"]["events"] == 40
    none = client.post(
        "/_sandbox/snapshots",
        json={"name": "other", "tenants": ["Demo Partner"]},
        headers=admin_headers,
    ).json
    assert [t["id"] for t in none["tenants"]] == [DEMO_TENANT]
    again = client.post("/_sandbox/snapshots", json={"name": "lean"}, headers=admin_headers)
    assert again.status_code == 409 and again.json["reason"] == "snapshot_exists"
    unknown = client.post(
        "/_sandbox/snapshots", json={"name": "x", "tenants": ["nope"]}, headers=admin_headers
    )
    assert unknown.status_code == 404
    listed = client.get("/_sandbox/snapshots", headers=admin_headers).json["snapshots"]
    assert {s["name"] for s in listed} == {"lean", "other"}
    # Restoring the journal-less snapshot empties the journal and keeps the events.
    assert client.post("/_sandbox/snapshots/lean/restore", headers=admin_headers).status_code == 200
    assert _state(app)["journal"] == [] and len(_state(app)["events"]) == 40
    assert client.delete("/_sandbox/snapshots/lean", headers=admin_headers).json == {
        "deleted": "lean"
    }
    assert client.delete("/_sandbox/snapshots/lean", headers=admin_headers).status_code == 404


def test_download_upload_and_access_kept_across_a_restore(app, client, admin_headers):
    _traffic(client, admin_headers, 0)
    client.post("/_sandbox/snapshots", json={"name": "ticket-42"}, headers=admin_headers)
    token = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/viewer-tokens", json={}, headers=admin_headers
    ).json["token"]
    got = client.get("/_sandbox/snapshots/ticket-42/download", headers=admin_headers)
    data = got.data
    got.close()  # the file it streamed
    assert got.status_code == 200 and data[:512].find(b"manifest.json") >= 0
    up = client.put(
        "/_sandbox/snapshots/copy",
        data=data,
        headers={**admin_headers, "Content-Type": "application/octet-stream"},
    )
    assert up.status_code == 200 and up.json["name"] == "copy" and up.json["takenAs"] == "ticket-42"
    assert client.post("/_sandbox/snapshots/copy/restore", headers=admin_headers).status_code == 200
    # A viewer token made after the snapshot still opens the inspector's API: access is kept.
    seen = client.get("/_sandbox/journal", headers={"X-Sandbox-Admin-Token": token})
    assert seen.status_code == 200


def test_a_fork_runs_beside_the_original(make_app, tmp_path, client, admin_headers, runner):
    _traffic(client, admin_headers, 0)
    result = runner.invoke(args=["snapshot", "save", "base"])
    assert result.exit_code == 0, result.output
    fork_dir = tmp_path / "fork"
    result = runner.invoke(args=["snapshot", "fork", "base", "--data-dir", str(fork_dir)])
    assert result.exit_code == 0, result.output
    fork = make_app(DATA_DIR=str(fork_dir))
    original = client.application
    _traffic(fork.test_client(), admin_headers, 900)  # the fork moves on
    assert len(_state(fork)["draws"]) == 60
    assert len(_state(original)["draws"]) == 30  # the original is untouched
    with sqlite3.connect(fork_dir / "sandbox.db") as db:
        assert db.execute("SELECT count(*) FROM tenants").fetchone()[0] == 1


def test_a_running_server_restores_in_every_worker_and_tells_its_inspectors(tmp_path):
    """Two workers: the one that restores and the other read the restored files; an open
    inspector feed is told, and starts over from the restored journal."""
    admin = {"X-Sandbox-Admin-Token": "snap-admin"}
    server = LiveServer(
        tmp_path / "data",
        {"SANDBOX_ADMIN_TOKEN": "snap-admin", "SANDBOX_WORKERS": "2", "SANDBOX_TEST_MODE": "1"},
    )
    try:

        def post(i):
            got = requests.post(
                f"{server.url}/server/v4",
                json=event(event_id=f"live-{i}"),
                headers={"x-api-key": DEMO_KEY},
                timeout=10,
            )
            assert got.status_code == 200

        def journal_count():
            got = requests.get(
                f"{server.url}/_sandbox/journal?limit=500", headers=admin, timeout=10
            )
            return len(got.json()["entries"])

        for i in range(10):
            post(i)
        made = requests.post(
            f"{server.url}/_sandbox/snapshots", json={"name": "live"}, headers=admin, timeout=30
        )
        assert made.status_code == 200, made.text
        for i in range(10, 25):
            post(i)
        assert journal_count() == 25
        ws_url = server.url.replace("http", "ws") + "/_sandbox/feed"
        ws = websocket(f"{ws_url}?token=snap-admin&kinds=request&backfill=0", {})
        restored = requests.post(
            f"{server.url}/_sandbox/snapshots/live/restore", headers=admin, timeout=30
        )
        assert restored.status_code == 200, restored.text
        frames, deadline = [], time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                raw = ws.receive(timeout=0.5)
                if raw is not None:
                    frames.append(json.loads(raw))
        except ConnectionClosed:  # the feed closes after it said so: the page starts over
            pass
        told = [f for f in frames if f["type"] == "restored"]
        assert told and told[0]["snapshot"]["name"] == "live", frames
        # Every answer, whichever worker gives it, reads the restored journal.
        assert {journal_count() for _ in range(8)} == {10}
        post(99)
        assert journal_count() == 11
    finally:
        server.stop()
    assert "Traceback" not in server.output()
