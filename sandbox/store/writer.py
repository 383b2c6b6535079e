"""Group commit: one writer thread per process batches every write into one transaction.

A request hands its writes (a function of the connection) to the writer and waits
until the batch holding them is committed; only then does it answer. Why one writer
and not a commit per request: docs/architecture.md, "Writes".
"""

import logging
import sqlite3
import threading
import time

from .checkpoint import Checkpointer, writer_pragmas
from .health import RepeatedFailure
from .intake import MAINTAIN, STOP, Intake, Item
from .lock import locked, open_lock
from .osthread import OsThread, fork_count, name_os_thread
from .shard_schema import ensure_shard
from .shards import ShardConnection, ShardReader, claim_slot
from .writes import Target, Write, run_all

log = logging.getLogger(__name__)
# Housekeeping runs in a row that may find a file busy before it is reported as failing:
# at 0.2 s apart, ten seconds of a lock no snapshot or commit holds that long.
BUSY_STREAK = 50


class WriteTimeout(Exception):
    """The writer did not commit a submitted write in time."""


def _touches_shard(item: Item) -> bool:
    return item.fn.target is not Target.CORE


def _shard_only(item: Item) -> bool:
    return item.fn.target is Target.SHARD


class Writer:
    """Single writer thread; submit() blocks until the write is committed.

    With `shard_dir`, the writer claims a journal shard there (shards.py): a batch of
    writes whose target is the shard alone commits to it with no lock the other workers
    wait on; any other batch also takes the core file's lock and commits both files.
    `on_cached_change` runs after a batch that changed rows the store caches.
    """

    def __init__(self, path: str, connect, max_batch: int = 256, shard_dir: str | None = None):
        self.path = path
        self.shard_dir = shard_dir
        self.slot: int | None = None
        self._connect = connect
        self.max_batch = max_batch
        # Housekeeping run by this thread between batches (retention, full-text
        # indexing): maintenance(conn) -> seconds until it wants to run again.
        self.maintenance = None
        self._next_maintenance = 0.0
        self._last_delay = 0.0
        self._busy_runs = 0  # housekeeping runs in a row that found a file busy
        self._intake = Intake(max_batch)
        self._thread: OsThread | None = None
        self._forks: int | None = None  # osthread.fork_count() when the thread started
        self._lock = threading.Lock()
        self.checkpointer = Checkpointer(path, connect)
        self.on_cached_change = None
        self.failures = RepeatedFailure(log, "store commit")
        self.maintenance_failures = RepeatedFailure(log, "store maintenance")

    def _ensure_started(self) -> None:
        # Started lazily so that a gunicorn worker starts its own writer after fork.
        if self._thread is not None and self._forks == fork_count():
            return
        with self._lock:
            if self._thread is None or self._forks != fork_count():
                self._intake = Intake(self.max_batch)
                self._forks = fork_count()
                # A real OS thread even under gevent (osthread.py): commits never run
                # on the event loop that serves the connections.
                self._thread = OsThread(self._run, "store-writer")
                self._thread.start()
                self.checkpointer.start()

    def submit(self, write: Write, timeout: float = 30.0):
        """Run the write inside the next batch transaction; return its result once committed."""
        if not isinstance(write, Write) and write is not MAINTAIN:
            # Checked here: in the writer thread it would stop every later commit.
            raise TypeError(f"a store write must be a Write, not {type(write).__name__}")
        self._ensure_started()
        item = Item(write)
        self._intake.put(item)
        if not item.done.acquire(timeout=timeout):
            raise WriteTimeout(f"write not committed within {timeout} s")
        if item.error is not None:
            raise item.error
        return item.result

    def maintain_now(self, timeout: float = 30.0) -> float:
        """Run the housekeeping once now, in the writer; return its requested delay."""
        return self.submit(MAINTAIN, timeout)

    def close(self) -> None:
        """Drain pending writes and stop the thread."""
        thread = self._thread
        if thread is not None and thread.is_alive() and self._forks == fork_count():
            self._intake.put(STOP)
            thread.join(timeout=10)
            self.checkpointer.stop()
        self._thread = None

    def _open_shard(self):
        """Claim a journal shard; return (connection on it, its lock, other shards, slot lock)."""
        slot, shared, holder = claim_slot(self.shard_dir)
        shard = str(ensure_shard(self.shard_dir, slot, self._connect))
        conn = self._connect(shard, factory=ShardConnection)
        conn.slot, conn.shared = slot, shared
        conn.last_id = conn.execute("SELECT max(id) FROM journal").fetchone()[0] or 0
        conn.execute("ATTACH DATABASE ? AS core", (self.path,))
        writer_pragmas(conn)
        # The other shards, read-only: an event's first copy may be in one of them.
        others = ShardReader(self.shard_dir, exclude=slot)
        conn.others = others.refresh(conn)
        self.slot = slot
        self.checkpointer.watch(shard)  # one checkpoint thread for both files
        return conn, open_lock(shard), others, holder

    def _run(self) -> None:
        name_os_thread("store-writer")
        conn = self._connect(self.path)
        writer_pragmas(conn)
        # The core file's writers take turns, across processes (lock.py).
        core_lock = open_lock(self.path)
        # A shard is claimed at the first journal write only: a process that never
        # journals (a CLI command beside the server) leaves the slots to the workers.
        shard_lock = others = holder = None
        sharded = False
        try:
            while True:
                first = self._intake.first(timeout=1.0 if self.maintenance else None)
                if first is STOP:
                    return
                stop = False
                if isinstance(first, Item) and first.fn is MAINTAIN:
                    self._intake.pending_maintain.append(first)
                elif first is not None and not sharded:
                    with locked(core_lock):
                        # Take what queued up meanwhile (also while waiting for the lock).
                        batch, stop = self._intake.batch(first)
                        if self.shard_dir and any(_touches_shard(i) for i in batch):
                            conn.close()
                            conn, shard_lock, others, holder = self._open_shard()
                            sharded = True
                        with locked(shard_lock):
                            self._commit(conn, batch, "BEGIN IMMEDIATE")
                    self._wake(batch)
                elif first is not None:
                    conn.others = others.refresh(conn)  # a worker started since: its shard
                    # Under load, linger for more (intake.py): no lock is held yet.
                    batch, stop = self._intake.batch(first, linger=True)
                    self._commit_sharded(conn, batch, core_lock, shard_lock)
                    self._wake(batch)
                # Housekeeping keeps the journal: in the shard, once there is one.
                journal = sharded or not self.shard_dir
                lock = shard_lock if self.shard_dir else core_lock
                if self._intake.pending_maintain:
                    self._next_maintenance = 0.0
                    self._maintain(conn, lock, journal)
                    for request in self._intake.pending_maintain:
                        request.result = self._last_delay
                        request.done.release()
                    self._intake.pending_maintain = []
                if stop:
                    return
                self._maintain(conn, lock, journal)
        finally:
            conn.close()
            for lock in (core_lock, shard_lock, holder):
                if lock is not None:
                    lock.close()

    def _commit_sharded(self, conn, batch: list, core_lock, shard_lock) -> None:
        # The shard's lock is this worker's own (its checkpointer, or a writer sharing the
        # slot, are all that wait on it). Only a batch with a domain write takes the core
        # lock every worker shares, and then IMMEDIATE takes both files' write locks.
        if all(_shard_only(item) for item in batch):
            with locked(shard_lock):
                # Deferred: IMMEDIATE would also take the core file's lock.
                self._commit(conn, batch, "BEGIN")
            return
        with locked(core_lock), locked(shard_lock):
            self._commit(conn, batch, "BEGIN IMMEDIATE")

    def _maintain(self, conn: sqlite3.Connection, lock, journal: bool) -> None:
        # Time between housekeeping runs is process time, not domain time.
        if self.maintenance is None or time.monotonic() < self._next_maintenance:
            return
        if not journal:  # no journal shard claimed yet: nothing to keep
            self._last_delay = 1.0
            self._next_maintenance = time.monotonic() + 1.0
            return
        try:
            with locked(lock):
                delay = self.maintenance(conn)
            self.maintenance_failures.succeeded()
            self._busy_runs = 0
        except Exception as exc:  # housekeeping must never stop the writer
            delay = self._maintenance_failed(exc)
        self._last_delay = delay
        self._next_maintenance = time.monotonic() + delay

    def _maintenance_failed(self, exc: Exception) -> float:
        """Count a failed housekeeping run; return the delay before the next one.

        A chunk reads, then writes, in one transaction: if another connection holds the
        write lock then (a snapshot's pins, another worker's core commit), SQLite answers
        SQLITE_BUSY at once, no busy wait, and asks for a retry: the next run, soon.
        """
        busy = isinstance(exc, sqlite3.OperationalError) and (
            getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
        )
        if busy:
            self._busy_runs += 1
            if self._busy_runs < BUSY_STREAK:
                return 0.2
        self.maintenance_failures.failed(exc)
        return 5.0

    def _commit(self, conn: sqlite3.Connection, batch: list, begin: str) -> None:
        try:
            self._transaction(conn, batch, begin)
            self.failures.succeeded()
        except Exception as exc:
            if isinstance(exc, sqlite3.OperationalError):  # the files, not one bad write
                self.failures.failed(exc)
            if len(batch) == 1:
                batch[0].error = exc
                return
            # One bad write fails alone, not its batch: redo each in its own transaction.
            for item in batch:
                try:
                    self._transaction(conn, [item], begin)
                except Exception as single:  # handed back to the waiting request
                    item.error = single

    def _transaction(self, conn: sqlite3.Connection, batch: list, begin: str) -> None:
        # IMMEDIATE takes the write lock up front: a deferred BEGIN would fail at once
        # with "database is locked" if another process wrote in between. A deferred one
        # serves the shard, which no other process writes while we hold its lock.
        conn.execute(begin)
        try:
            results = run_all(conn, [item.fn for item in batch])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        for item, result in zip(batch, results, strict=True):
            item.result = result

    def _wake(self, batch: list) -> None:
        changed = any(item.error is None and item.fn.changes_cached for item in batch)
        try:
            if changed and self.on_cached_change is not None:
                self.on_cached_change()
        except Exception:  # the batch is committed: its requests must still hear so
            log.exception("dropping the caches after a commit failed")
        for item in batch:
            item.done.release()
