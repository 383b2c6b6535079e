"""Whether the store can write, and failures that repeat logged once with a count."""

import logging
import os
import shutil
import threading
import time

# Below this much free space a commit is about to fail: reported before it does.
MIN_FREE_BYTES = 16 * 1024 * 1024
REPEAT_REPORT_SECONDS = 60.0


class RepeatedFailure:
    """Logs a failure the first time with its traceback, then once a minute with a count.

    A full disk fails every checkpoint ten times a second; one traceback and a count say
    as much as six hundred tracebacks a minute, and do not fill the disk's last bytes.
    """

    def __init__(self, log: logging.Logger, what: str):
        self.log, self.what = log, what
        self._lock = threading.Lock()
        self.count = 0
        self.last_error: str | None = None
        self._reported = 0.0

    def failed(self, exc: BaseException) -> None:
        """Record a failure: logged in full the first time, counted after."""
        with self._lock:
            first, self.count = self.count == 0, self.count + 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            now = time.monotonic()  # when to report again; not a domain time read
            due = now - self._reported >= REPEAT_REPORT_SECONDS
            if first or due:
                self._reported = now
        if first:
            self.log.error("%s failed", self.what, exc_info=exc)
        elif due:
            self.log.error("%s failed %d times so far: %s", self.what, self.count, exc)

    def succeeded(self) -> None:
        """Record a success: a failure streak ends (and says so, once)."""
        with self._lock:
            streak, self.count, self.last_error = self.count, 0, None
        if streak:
            self.log.warning("%s works again after %d failure(s)", self.what, streak)


class FailureLog:
    """Failures of many kinds, each logged as RepeatedFailure does: once in full, then a count.

    The kind is what failed and the exception's class ("could not record POST /server/v4"
    with OperationalError): one line per kind per minute however many requests fail.
    """

    _MAX_KINDS = 256  # kinds come partly from input (paths): the table stays bounded

    def __init__(self, log: logging.Logger):
        self.log = log
        self._kinds: dict[tuple, RepeatedFailure] = {}
        self._lock = threading.Lock()

    def failed(self, what: str, exc: BaseException) -> None:
        """Log one failure of `what` (with its traceback the first time of its kind)."""
        key = (what, type(exc).__name__)
        with self._lock:
            found = self._kinds.get(key)
            if found is None:
                if len(self._kinds) >= self._MAX_KINDS:
                    self._kinds.clear()
                found = self._kinds[key] = RepeatedFailure(self.log, what)
        found.failed(exc)


def write_problem(data_dir: str, recent: RepeatedFailure | None = None) -> str | None:
    """Return why the store cannot write now (disk full, read-only, last commit failed), or None."""
    if not os.access(data_dir, os.W_OK):
        return f"the data dir {data_dir} is not writable"
    free = shutil.disk_usage(data_dir).free
    if free < MIN_FREE_BYTES:
        return f"the disk of {data_dir} is full ({free // 1024} KiB free)"
    if recent is not None and recent.last_error:
        return f"the last commit failed ({recent.count} time(s) in a row): {recent.last_error}"
    return None
