"""WAL checkpoints run behind the writer, never inside a commit."""

import contextlib
import os
import sys
import time
from pathlib import Path

import pytest

from sandbox.store import CoreWrite, connect
from sandbox.store.checkpoint import FALLBACK_PAGES, checkpoint
from sandbox.store.lock import locked, open_lock
from sandbox.store.writer import Writer


def _writer(tmp_path) -> Writer:
    path = str(tmp_path / "s.db")
    with contextlib.closing(connect(path)) as conn:
        conn.execute("CREATE TABLE blobs (b BLOB)")
    return Writer(path, connect)


def _wait_for(predicate, timeout: float = 10.0) -> bool:
    def holds() -> bool:
        try:
            return bool(predicate())
        except (AttributeError, OSError):  # the thread is not there yet (a loaded machine)
            return False

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if holds():
            return True
        time.sleep(0.02)
    return holds()


def test_commits_do_not_checkpoint_below_the_fallback(tmp_path):
    writer = _writer(tmp_path)
    try:
        pages = writer.submit(
            CoreWrite(lambda c: c.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        )
        assert pages == FALLBACK_PAGES
    finally:
        writer.close()


def test_checkpointer_copies_committed_pages_into_the_database_file(tmp_path):
    writer = _writer(tmp_path)
    db_file = tmp_path / "s.db"
    try:
        before = db_file.stat().st_size
        for _ in range(40):  # ~2.5 MB through the WAL, 64 KB per commit
            writer.submit(
                CoreWrite(lambda c: c.execute("INSERT INTO blobs VALUES (?)", (os.urandom(65536),)))
            )
        # Only a checkpoint writes the database file itself; the commits went to the WAL.
        assert _wait_for(lambda: db_file.stat().st_size > before + 2_000_000)
        assert _wait_for(lambda: writer.checkpointer.runs >= 1)
    finally:
        writer.close()


def test_checkpoint_reports_frames_copied(tmp_path):
    with contextlib.closing(connect(tmp_path / "s.db")) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("INSERT INTO t VALUES (1)")
        state = checkpoint(conn)
    assert state["busy"] is False
    assert state["wal_frames"] >= 2
    assert state["checkpointed"] == state["wal_frames"]


def test_checkpointer_stops_with_the_writer(tmp_path):
    writer = _writer(tmp_path)
    writer.submit(CoreWrite(lambda c: c.execute("INSERT INTO blobs VALUES (x'00')")))
    assert writer.checkpointer.is_alive()
    writer.close()
    assert not writer.checkpointer.is_alive()


def test_a_long_wal_is_checkpointed_holding_the_writers_lock_so_it_can_start_over(tmp_path):
    writer = _writer(tmp_path)
    holder = open_lock(writer.path)
    try:
        writer.submit(
            CoreWrite(lambda c: c.execute("INSERT INTO blobs VALUES (?)", (b"x" * 400_000,)))
        )
        assert _wait_for(lambda: writer.checkpointer.runs >= 1)
        with locked(holder):  # a writer mid-commit, from the checkpointer's point of view
            writer.checkpointer.restart_frames = 50  # the WAL now holds ~100 frames
            runs = writer.checkpointer.runs
            # The lock-free checkpoint runs; the one that needs the lock waits for it.
            assert _wait_for(lambda: writer.checkpointer.runs > runs)
            time.sleep(0.3)
            assert writer.checkpointer.locked_runs == 0
        assert _wait_for(lambda: writer.checkpointer.locked_runs >= 1)
        # Everything was copied back with no writer in between: the next commit
        # starts the WAL over from its first frame.
        writer.submit(CoreWrite(lambda c: c.execute("INSERT INTO blobs VALUES (x'00')")))
        with contextlib.closing(connect(writer.path)) as conn:
            assert checkpoint(conn)["wal_frames"] < 10
    finally:
        holder.close()
        writer.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread names via prctl: Linux")
def test_store_threads_carry_their_names_in_the_os(tmp_path):
    # bench/threads.py tells the writer and checkpoint threads apart by these names.
    writer = _writer(tmp_path)
    try:
        writer.submit(CoreWrite(lambda c: None))

        def name(thread) -> str:
            return Path(f"/proc/{os.getpid()}/task/{thread.native_id}/comm").read_text().strip()

        assert _wait_for(lambda: name(writer._thread) == "store-writer")
        # The OS keeps 15 bytes of a name.
        assert _wait_for(lambda: name(writer.checkpointer._thread) == "store-checkpoin")
    finally:
        writer.close()
