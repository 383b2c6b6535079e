"""The journal's tail resumes per file: a late commit with a smaller id is never skipped."""

import pytest

from sandbox.journal import tail
from sandbox.store import connect
from sandbox.store.shards import SLOT_BITS, shard_path
from tests.conftest import DEMO_KEY
from tests.helpers import event

KEY = {"x-api-key": DEMO_KEY}


def _store(app):
    return app.extensions["sandbox.store"]


def _late_entry(app, slot: int, entry_id: int) -> None:
    """Commit a journal row to one file with an id below what another file already has."""
    conn = connect(shard_path(_store(app).data_dir, slot))
    conn.execute(
        "INSERT INTO journal (id, request_id, ts, ts_epoch, method, path) "
        "VALUES (?, 'req_late', '2026-01-01T00:00:00Z', 0, 'POST', '/server/v4')",
        (entry_id,),
    )
    conn.close()


def _two_workers(make_app):
    a, b = make_app(), make_app()  # two writers on one data dir: two journal files
    for n, app in enumerate((a, b, a)):
        resp = app.test_client().post("/server/v4", json=event(event_id=f"e{n}"), headers=KEY)
        assert resp.status_code == 200
    assert {_store(a).writer.slot, _store(b).writer.slot} == {0, 1}
    return a, b


def test_a_cursor_resumes_each_file_where_it_was_read(make_app):
    a, b = _two_workers(make_app)
    rows, cursor = tail.latest(_store(a), 10, "id, request_id")
    assert len(rows) == 3 and [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    newest, slot_b = rows[-1]["id"], _store(b).writer.slot
    # Worker b commits after the read, with an id below the newest one read (its clock
    # reading was a moment older than a's commit): a global "id > newest" skips it.
    late = tail.position(tail.decode(cursor), slot_b) + (1 << SLOT_BITS)
    assert late < newest
    _late_entry(b, slot_b, late)
    got = _store(a).journal_all(
        "SELECT id FROM journal WHERE id > ? AND id & ? = ?",
        (tail.position(tail.decode(cursor), slot_b), (1 << SLOT_BITS) - 1, slot_b),
    )
    assert [r["id"] for r in got] == [late]
    page = _store(a).journal_all("SELECT id FROM journal WHERE id > ?", (newest,))
    assert page == []  # what one global id would have found


def test_search_pages_forward_by_cursor_without_gap_or_repeat(make_app, admin_headers):
    a, b = _two_workers(make_app)
    client = a.test_client()

    def search(query):
        resp = client.get(f"/_sandbox/journal?path=/server/v4&{query}", headers=admin_headers)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    first = search("after=0&limit=2")
    assert first["count"] == 2 and first["next"]["after"].startswith(tail.PREFIX)
    seen = [e["id"] for e in first["entries"]]  # a's e0 and b's e1
    slot_b = _store(b).writer.slot
    late = tail.position(tail.decode(first["next"]["after"]), slot_b) + (1 << SLOT_BITS)
    _late_entry(b, slot_b, late)
    rest = search(f"after={first['next']['after']}&limit=10")
    got = [e["id"] for e in rest["entries"]]
    assert late in got and not set(got) & set(seen)
    assert len(seen) + len(got) == 4  # three events and the late entry, each once


@pytest.mark.parametrize("cursor", ["j1.!!!", "j1.YWJj", "x" * 500, "-1", "99999999999999999999"])
def test_a_damaged_cursor_is_a_400(client, admin_headers, cursor):
    resp = client.get(f"/_sandbox/journal?after={cursor}", headers=admin_headers)
    assert resp.status_code == 400 and resp.get_json()["reason"] == "bad_cursor"


def test_a_cursor_round_trips():
    positions = {0: 123 << SLOT_BITS, 3: (456 << SLOT_BITS) | 3}
    assert tail.decode(tail.encode(positions)) == positions
    assert tail.position(tail.decode("77"), 5) == 77
