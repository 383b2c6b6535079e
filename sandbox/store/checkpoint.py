"""WAL checkpoints behind the writer: commits only append to the WAL, a thread copies it back.

SQLite's automatic checkpoint runs inside the commit that crosses the threshold, so
the writer copies the WAL into the database file and fsyncs both while it holds the
write lock every worker waits on, stalling every worker (measured: docs/architecture.md,
"The process model", Checkpoints). A PASSIVE
checkpoint from another connection needs no write lock: it copies what is committed
while the writer goes on appending.

The WAL starts over from its beginning only when a writer finds all of it copied back,
which under sustained load a lock-free checkpoint rarely leaves behind (a commit lands
while it runs). So once the WAL passes RESTART_FRAMES, the thread copies the last few
frames holding the writers' lock, and the next commit starts the WAL over.
"""

import logging

from .health import RepeatedFailure
from .lock import locked, open_lock
from .osthread import OsThread, name_os_thread, os_lock

log = logging.getLogger(__name__)

# The writer checkpoints on its own only if this thread falls this far behind
# (pages of 4 KiB): a safety net, never the normal path.
FALLBACK_PAGES = 20_000
# After a checkpoint lets the WAL start over, SQLite truncates the file to this size.
WAL_SIZE_LIMIT = 64 * 1024 * 1024
# WAL frames (pages) past which a checkpoint takes the writers' lock so the WAL can
# start over: the size limit's worth of pages.
RESTART_FRAMES = WAL_SIZE_LIMIT // 4096


def writer_pragmas(conn) -> None:
    """Set the writer connection's checkpoint pragmas: no checkpoint inside a commit."""
    conn.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_PAGES}")
    conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")


def checkpoint(conn) -> dict:
    """Run one PASSIVE checkpoint; return WAL frames written and copied back, and busy."""
    busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return {"busy": bool(busy), "wal_frames": frames, "checkpointed": copied}


class Checkpointer:
    """A thread that checkpoints the WAL every `interval` seconds, less often when idle."""

    def __init__(self, path: str, connect, interval: float = 0.1, idle_interval: float = 1.0):
        self.path = path
        self._connect = connect
        self.interval = interval
        self.idle_interval = idle_interval
        self.restart_frames = RESTART_FRAMES
        self._stop = os_lock()  # held while the thread should run; released by stop()
        self._thread: OsThread | None = None
        self._more: list[str] = []  # files watch() added, checkpointed by the same thread
        self.runs = 0
        self.locked_runs = 0  # checkpoints run holding the writers' lock
        self.failures = RepeatedFailure(log, "WAL checkpoint")

    def start(self) -> None:
        """Start the thread (in the process that calls this: after a fork, call it again)."""
        self._stop = os_lock()
        self._stop.acquire()
        self._more = []  # a restarted writer watches its shard again
        self._thread = OsThread(self._run, "store-checkpoint")
        self._thread.start()

    def is_alive(self) -> bool:
        """Return whether the thread runs (in this process)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Stop the thread; it runs one last checkpoint first."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._stop.release()
            thread.join(timeout=10)
        self._thread = None

    def watch(self, path: str) -> None:
        """Checkpoint another database file too, from the same thread (a journal shard)."""
        self._more.append(path)

    def _run(self) -> None:
        name_os_thread("store-checkpoint")
        files = []  # (connection, lock) per watched file
        try:
            done, wait, last = False, self.interval, None
            while not done:
                done = self._stop.acquire(timeout=wait)
                for path in [self.path, *self._more][len(files) :]:  # files watch() added
                    files.append((self._connect(path), open_lock(path)))
                try:
                    state = [self._turn(conn, lock) for conn, lock in files]
                    self.failures.succeeded()
                except Exception as exc:  # a failed checkpoint must not end the thread
                    self.failures.failed(exc)
                    state = None
                # An idle store is polled once a second, a busy one ten times.
                idle = state is not None and state == last
                wait = self.idle_interval if idle else self.interval
                last = state
        finally:
            for conn, lock in files:
                conn.close()
                if lock is not None:
                    lock.close()

    def _turn(self, conn, lock) -> dict:
        # Another process's checkpointer may be running: SQLite answers busy at once
        # (no busy wait for checkpoints) and the next turn catches up.
        state = checkpoint(conn)
        self.runs += 1
        if state["wal_frames"] >= self.restart_frames:
            # Most frames are copied already: this holds the writers for the rest only.
            with locked(lock):
                state = checkpoint(conn)
            self.locked_runs += 1
        return state
