"""Internals: typed writes batched by the writer act as if committed one by one."""

import time

from sandbox.domain import events
from sandbox.journal.record import Record
from sandbox.store import CoreWrite, Target
from sandbox.store.writes import Bundle, combined
from tests.conftest import DEMO_TENANT
from tests.helpers import event


def test_batched_events_count_duplicates_as_one_by_one_would(app):
    store = app.extensions["sandbox.store"]

    def row(event_id, n):
        return events.row_for(
            DEMO_TENANT, event(event_id=event_id), "server", [], f"req-{n}", "now", f"evt-{n:08x}"
        )

    first = store.write(Bundle([events.store_event(row("x", 1))]))
    batch = [row("x", 2), row("y", 3), row("y", 4), row(None, 5), row(None, 6)]
    results = store.write(Bundle([events.store_event(r) for r in batch]))
    assert first[0] == {"headers": {"X-Sandbox-Event-Uid": "evt-00000001"}}
    assert [r.get("flags") for r in results] == [["duplicate"], None, ["duplicate"], None, None]
    assert results[0]["headers"]["X-Sandbox-Event-Uid"] == "evt-00000001"
    assert results[2]["headers"]["X-Sandbox-Duplicate"] == "true; first=evt-00000003"
    counts = {
        r["uid"]: r["duplicates"] for r in store.journal_all("SELECT uid, duplicates FROM events")
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
    store.write(Bundle([Record(e, []) for e in entries]))
    ids = [r["request_id"] for r in store.journal_all("SELECT request_id FROM journal ORDER BY id")]
    assert ids[-3:] == ["req-b0", "req-b1", "req-b2"]


def test_a_record_targets_the_files_its_writes_touch():
    entry = {"request_id": "r", "flags": [], "problems": []}
    core = CoreWrite(lambda conn: None)
    assert Record(entry, []).target is Target.SHARD
    assert Record(entry, [events.store_event({})]).target is Target.SHARD
    assert Record(entry, [core]).target is Target.BOTH
    assert combined([]) is Target.CORE and combined([Target.CORE]) is Target.CORE


def test_a_request_asks_sqlite_about_the_cache_only_after_another_process_changed_it(app):
    """The other Store on the same files is another worker: a CachedWrite committed by one
    reaches the other's next look (follow_epoch), while a look with nothing changed runs no
    statement at all, where it used to run one on every request."""
    from sandbox.store import CachedWrite, Store

    store = app.extensions["sandbox.store"]
    other = Store(store.path)
    statements: list[str] = []
    try:
        other.follow_epoch()  # the first look reads the epoch
        loads = []

        def load():
            loads.append(1)
            return len(loads)

        def cached():
            return other.cached(("probe",), load, ttl=60)

        assert cached() == 1
        other._conn(False).set_trace_callback(statements.append)
        for _ in range(3):
            other.follow_epoch()
        store.write(CoreWrite(lambda conn: conn.execute("SELECT 1")))  # changes nothing cached
        other.follow_epoch()
        assert statements == [] and cached() == 1
        store.write(CachedWrite(lambda conn: None))
        other.follow_epoch()
        assert statements == ["SELECT n FROM cache_epoch"]
        assert cached() == 2  # dropped: the next read loads again
        other.follow_epoch()
        assert len(statements) == 1
    finally:
        other.close()
