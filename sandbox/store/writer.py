"""Group commit: one writer thread per process batches every write into one transaction.

A request hands its writes (a function of the connection) to the writer and waits
until the batch holding them is committed; only then does it answer. Measured on
this machine (../shared/bench-peers): a commit per request under 16 threads costs
half the throughput and a 0.5 s p99; one writer with group commit keeps the p99 flat.
"""

import os
import queue
import sqlite3
import threading

try:
    import fcntl
except ImportError:  # Windows: one process serves there (werkzeug), no lock needed
    fcntl = None

_STOP = object()


class WriteTimeout(Exception):
    """The writer did not commit a submitted write in time."""


class _Item:
    __slots__ = ("fn", "done", "result", "error")

    def __init__(self, fn):
        self.fn = fn
        # A lock held until the write commits: the waiter blocks on acquire(), the
        # writer releases it. Cheaper than threading.Event's Condition on this hot path.
        self.done = threading.Lock()
        self.done.acquire()
        self.result = None
        self.error = None


class Writer:
    """Single writer thread; submit() blocks until the write is committed."""

    def __init__(self, path: str, connect, max_batch: int = 256):
        self.path = path
        self._connect = connect
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self.batches = 0
        self.items = 0

    def _ensure_started(self) -> None:
        # Started lazily so that a gunicorn worker starts its own writer after fork.
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is None or self._pid != os.getpid():
                self._queue = queue.SimpleQueue()
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
                self._thread.start()

    def submit(self, fn, timeout: float = 30.0):
        """Run fn(conn) inside the next batch transaction; return its result once committed."""
        self._ensure_started()
        item = _Item(fn)
        self._queue.put(item)
        if not item.done.acquire(timeout=timeout):
            raise WriteTimeout(f"write not committed within {timeout} s")
        if item.error is not None:
            raise item.error
        return item.result

    def close(self) -> None:
        """Drain pending writes and stop the thread."""
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            self._queue.put(_STOP)
            thread.join(timeout=10)
        self._thread = None

    def _run(self) -> None:
        conn = self._connect(self.path)
        # One writer per database file at a time, across processes: gunicorn workers
        # each have a writer thread, and they take turns through this lock. A blocked
        # flock() wakes the moment the other writer commits, where SQLite's own busy
        # handler would sleep-poll (1, 2, 5 ... 100 ms) and leave a 0.3-0.9 s tail.
        lock = open(self.path + ".writelock", "a") if fcntl else None  # noqa: SIM115
        try:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                if lock is not None:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    # Take what queued up meanwhile (also while waiting for the lock).
                    batch, stop = self._drain(first)
                    self._commit(conn, batch)
                finally:
                    if lock is not None:
                        fcntl.flock(lock, fcntl.LOCK_UN)
                self._wake(batch)
                if stop:
                    return
        finally:
            conn.close()
            if lock is not None:
                lock.close()

    def _drain(self, first) -> tuple[list, bool]:
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                nxt = self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is _STOP:
                return batch, True
            batch.append(nxt)
        return batch, False

    def _commit(self, conn: sqlite3.Connection, batch: list) -> None:
        try:
            self._transaction(conn, batch)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
                return
            # One bad write fails alone, not its batch: redo each in its own transaction.
            for item in batch:
                try:
                    self._transaction(conn, [item])
                except Exception as single:  # handed back to the waiting request
                    item.error = single

    def _transaction(self, conn: sqlite3.Connection, batch: list) -> None:
        # IMMEDIATE takes the write lock up front: a deferred BEGIN would fail at
        # once with "database is locked" if another process wrote in between.
        conn.execute("BEGIN IMMEDIATE")
        try:
            for item in batch:
                item.result = item.fn(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _wake(self, batch: list) -> None:
        self.batches += 1
        self.items += len(batch)
        for item in batch:
            item.done.release()
