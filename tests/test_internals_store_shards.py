"""Journal shards: a file per worker's writer, read as one journal, ids ordered across files."""

import sqlite3
import threading
import time

import sqlite_utils

from sandbox import create_app
from sandbox.journal import filters
from sandbox.journal import search as journal
from sandbox.masking import Masker
from sandbox.store import CoreWrite, connect
from sandbox.store.lock import locked, open_lock
from sandbox.store.migrations import MIGRATIONS
from sandbox.store.shards import SLOT_BITS, next_ids, shard_path, shard_paths
from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import event

KEY = {"x-api-key": DEMO_KEY}


def _store(app):
    return app.extensions["sandbox.store"]


def _filters(**args):
    return filters.parse(args, lambda ref: ref)


def _housekeeping(app):
    writer = _store(app).writer
    while writer.maintain_now() < 1.0:
        pass


def test_journal_ids_carry_the_slot_and_rise_with_time():
    first = next_ids(0, 3, 4)
    assert [i & ((1 << SLOT_BITS) - 1) for i in first] == [3, 3, 3, 3]
    assert first == sorted(set(first))
    later = next_ids(first[-1], 1, 2)
    assert later[0] > first[-1] and later[0] & ((1 << SLOT_BITS) - 1) == 1
    # A clock that stepped back still gives rising ids.
    ahead = (time.time_ns() // 1000 + 10**9) << SLOT_BITS
    assert next_ids(ahead, 0, 1)[0] > ahead


def test_each_writer_keeps_a_shard_and_readers_see_one_journal(make_app):
    a, b = make_app(), make_app()  # two workers on one data dir
    clients = [a.test_client(), b.test_client()]
    request_ids = []
    for i in range(10):
        resp = clients[i % 2].post("/server/v4", json=event(event_id=f"s{i}"), headers=KEY)
        assert resp.status_code == 200
        request_ids.append(resp.headers["X-Sandbox-Request-Id"])
    assert {_store(a).writer.slot, _store(b).writer.slot} == {0, 1}  # taken at the first write
    assert [p.name for p in shard_paths(_store(a).data_dir)] == ["journal-0.db", "journal-1.db"]
    for app in (a, b):
        found = journal.search(_store(app), _filters(tenant=DEMO_TENANT, limit="6"), Masker())
        assert [e["request_id"] for e in found["entries"]] == request_ids[::-1][:6]
        older = journal.search(
            _store(app),
            _filters(tenant=DEMO_TENANT, limit="6", before=str(found["next"]["before"])),
            Masker(),
        )
        assert [e["request_id"] for e in older["entries"]] == request_ids[::-1][6:]
        assert journal.count(_store(app)) == 10 == journal.count(_store(app), DEMO_TENANT)
        assert journal.get_entry(_store(app), request_ids[1], Masker())["event_id"] == "s1"
        assert _store(app).journal_one("SELECT count(*) n FROM events")["n"] == 10
    for name in ("s0", "s1"):  # each shard holds what its writer was given
        rows = _store(a).journal_all(f"SELECT event_id FROM {name}.events ORDER BY id")
        assert len(rows) == 5


def test_a_repeat_whose_first_copy_is_in_another_shard_is_flagged(make_app):
    a, b = make_app(), make_app()
    first = a.test_client().post("/server/v4", json=event(event_id="twice"), headers=KEY)
    uid = first.headers["X-Sandbox-Event-Uid"]
    again = b.test_client().post("/server/v4", json=event(event_id="twice"), headers=KEY)
    assert again.status_code == 200
    assert again.headers["X-Sandbox-Duplicate"] == f"true; first={uid}"
    assert again.headers["X-Sandbox-Event-Uid"] == uid
    entry = journal.get_entry(_store(a), again.headers["X-Sandbox-Request-Id"], Masker())
    assert entry["flags"] == ["duplicate"] and uid in entry["problems"][0]
    assert _store(a).journal_all("SELECT uid FROM events WHERE event_id = 'twice'") == [
        {"uid": uid}
    ]
    repeats = _store(a).journal_all(f"SELECT * FROM s{_store(b).writer.slot}.event_repeats")
    assert repeats == [
        {"tenant_id": DEMO_TENANT, "event_id": "twice", "first_uid": uid, "repeats": 1}
    ]


def test_events_commit_while_another_worker_holds_the_shared_lock(app):
    client = app.test_client()
    client.post("/server/v4", json=event(event_id="warm"), headers=KEY)
    holder = open_lock(_store(app).path)  # another worker mid-way through a domain write
    done = {}

    def post(name, path, body):
        done[name] = client.post(path, json=body, headers=KEY).status_code

    ingest = threading.Thread(target=post, args=("event", "/server/v4", event(event_id="e")))
    register = threading.Thread(
        target=post,
        args=("user", "/user/v1/user/sdk", {"userId": "bob", "writeKey": DEMO_KEY}),
    )
    with locked(holder):
        ingest.start()
        ingest.join(10)
        assert done == {"event": 200}  # the event needed only its shard
        register.start()
        register.join(0.5)
        assert register.is_alive()  # a user is a domain write: it waits its turn
    register.join(10)
    holder.close()
    assert done == {"event": 200, "user": 200}


def test_the_entry_cap_is_shared_between_the_shards(make_app):
    a, b = make_app(JOURNAL_MAX_ENTRIES=20), make_app(JOURNAL_MAX_ENTRIES=20)
    for i in range(40):
        client = (a if i % 2 else b).test_client()
        client.post("/server/v4", json=event(event_id=f"c{i}"), headers=KEY)
    _housekeeping(a)
    _housekeeping(b)
    assert journal.count(_store(a)) == 20
    assert _store(a).journal_one("SELECT count(*) n FROM events")["n"] == 20
    kept = {r["event_id"] for r in _store(a).journal_all("SELECT event_id FROM events")}
    assert kept == {f"c{i}" for i in range(20, 40)}  # the newest of each shard


def test_an_older_store_moves_its_journal_into_shard_zero(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = sqlite_utils.Database(connect(data / "sandbox.db"))
    MIGRATIONS.apply(db, stop_before="m007_journal_to_shards")
    db["journal"].insert(
        {
            "request_id": "req_old",
            "ts": "2026-11-27T10:00:00Z",
            "ts_epoch": time.time() - 60,  # young enough for the age retention
            "tenant_id": DEMO_TENANT,
            "method": "POST",
            "path": "/server/v4",
            "body": b'{"event_name": "legacyPurchase"}',
            "status": 200,
        }
    )
    db["events"].insert(
        {"uid": "evt-old", "tenant_id": DEMO_TENANT, "event_id": "old-1", "valid": 1}
        | {"received_at": "2026-11-27T10:00:00Z"}
    )
    db.close()

    app = create_app({"DATA_DIR": str(data), "ADMIN_TOKEN": "t", "TEST_MODE": True})
    try:
        store = _store(app)
        fresh = app.test_client().post("/server/v4", json=event(event_id="new"), headers=KEY)
        _housekeeping(app)
        found = journal.search(store, _filters(), Masker())["entries"]
        assert [e["request_id"] for e in found] == [
            fresh.headers["X-Sandbox-Request-Id"],
            "req_old",
        ]
        assert [
            e["request_id"]
            for e in journal.search(store, _filters(q="legacyPurchase"), Masker())["entries"]
        ] == ["req_old"]
        assert (
            store.journal_one("SELECT uid FROM events WHERE event_id = 'old-1'")["uid"] == "evt-old"
        )
    finally:
        store.close()
    with sqlite3.connect(data / "sandbox.db") as core:
        tables = {r[0] for r in core.execute("SELECT name FROM sqlite_master")}
    assert not tables & {"journal", "events", "journal_fts"}
    assert shard_path(data, 0).exists()


def test_a_process_that_journals_nothing_claims_no_shard(make_app):
    server, cli = make_app(), make_app()  # a CLI command beside the server, on its data dir
    cli.extensions["sandbox.store"].write(
        CoreWrite(lambda c: c.execute("INSERT INTO settings VALUES ('cli', 'ran')"))
    )
    assert _store(cli).writer.slot is None
    assert _store(cli).writer.maintain_now() == 1.0  # no journal of its own to keep
    server.test_client().post("/server/v4", json=event(event_id="one"), headers=KEY)
    assert _store(server).writer.slot == 0
    assert [p.name for p in shard_paths(_store(server).data_dir)] == ["journal-0.db"]


def test_the_checkpoint_thread_copies_the_shard_back_too(app):
    client = app.test_client()
    client.post("/server/v4", json=event(event_id="first"), headers=KEY)
    shard = shard_path(_store(app).data_dir, _store(app).writer.slot)
    before = shard.stat().st_size
    for i in range(20):  # ~1 MB through the shard's WAL
        body = event(event_id=f"big{i}", event_properties={"blob": "x" * 50_000})
        assert client.post("/server/v4", json=body, headers=KEY).status_code == 200
    deadline = time.monotonic() + 5
    while shard.stat().st_size < before + 500_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert shard.stat().st_size >= before + 500_000  # only a checkpoint writes the file


def test_a_start_reads_the_schema_once_and_still_migrates_a_file_behind(tmp_path):
    """The start's one read per file (no lock) finds an up-to-date store; a shard behind (an
    empty file here) sends it down the migrating path, which brings that shard up."""
    from sandbox.store import migrate, schema_current

    data = tmp_path / "data"
    create_app({"DATA_DIR": str(data), "ADMIN_TOKEN": "t"}).extensions["sandbox.store"].close()
    core = data / "sandbox.db"
    version = len(MIGRATIONS.applied(sqlite_utils.Database(core)))
    assert schema_current(core) == version
    sqlite3.connect(shard_path(data, 1)).close()  # a shard file without its tables
    assert schema_current(core) is None
    assert migrate(core) == version
    tables = sqlite_utils.Database(shard_path(data, 1)).table_names()
    assert "journal" in tables and schema_current(core) == version
