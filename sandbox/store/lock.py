"""The writers' lock: one writer per database file at a time, across processes (flock).

gunicorn workers each have a writer thread, and they take turns through this lock. A
blocked flock() wakes the moment the holder lets go, where SQLite's own busy handler
sleep-polls and leaves a long tail (docs/architecture.md, "The process model").
"""

import contextlib

try:
    import fcntl
except ImportError:  # Windows: one process serves there (werkzeug), no lock needed
    fcntl = None


def open_lock(db_path: str):
    """Open the lock file beside the database (None where flock does not exist)."""
    # Each holder opens its own: flock excludes open files, even within one process.
    return open(db_path + ".writelock", "a") if fcntl else None  # noqa: SIM115


@contextlib.contextmanager
def locked(lock_file):
    """Hold the writers' lock (a no-op where flock does not exist, or for None)."""
    if lock_file is not None:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
    try:
        yield
    finally:
        if lock_file is not None:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@contextlib.contextmanager
def held(db_path: str):
    """Open the writers' lock of `db_path`, hold it, and close it after."""
    lock_file = open_lock(db_path)
    try:
        with locked(lock_file):
            yield
    finally:
        if lock_file is not None:
            lock_file.close()
