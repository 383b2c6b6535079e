"""How a snapshot copies a file: as it is when its WAL went back into it (the usual case), and
through SQLite's backup when a reader elsewhere held the WAL back; both give the same state."""

import sqlite3
import tarfile

from sandbox.store import connect, migrate, snapshot_file, snapshots


def _rows(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT key, value FROM settings ORDER BY key").fetchall()


def test_a_file_held_back_by_a_reader_is_copied_through_the_backup(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    core = data / "sandbox.db"
    migrate(core)
    writer = connect(core)
    writer.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
    old = connect(core)  # a reader elsewhere, on an older state: the WAL cannot all go back
    old.execute("BEGIN")
    old.execute("SELECT count(*) FROM settings").fetchone()
    writer.execute("INSERT INTO settings (key, value) VALUES ('b', '2')")
    try:
        held = snapshots._Pin(core)
        assert not held.settled
        held.reader.close()
        held_back = snapshots.take(data, "held")
    finally:
        old.close()
    free = snapshots._Pin(core)
    assert free.settled  # nothing holds the WAL now: the file alone is the state
    free.reader.close()
    settled = snapshots.take(data, "free")
    assert held_back["counts"] == settled["counts"]
    for name in ("held", "free"):
        out = tmp_path / name
        out.mkdir()
        snapshot_file.unpack(snapshot_file.path_of(data, name), out)
        assert ("a", "1") in _rows(out / "sandbox.db") and ("b", "2") in _rows(out / "sandbox.db")
    with tarfile.open(snapshot_file.path_of(data, "free")) as tar:
        assert [m.name for m in tar.getmembers()][:2] == ["manifest.json", "sandbox.db"]
    writer.close()
