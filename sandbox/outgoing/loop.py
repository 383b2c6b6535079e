"""The delivery loop: one per sandbox, elected by a lock on <data dir>/delivery.lock.

Every worker runs a candidate; the one holding the lock sends. The kernel drops the lock
when its process dies (kill -9 included), and another candidate takes over within a
second; rows the dead one had claimed are sent again once their lease expires.
"""

import logging
import os
import threading
import time
from pathlib import Path

from ..store import settings as store_settings
from ..store.health import FailureLog
from . import endofday
from .engine import Engine

log = logging.getLogger(__name__)
# One traceback per kind, then a count a minute: a failure on every request stays one line.
failures = FailureLog(log)
LOCK_NAME = "delivery.lock"


class DeliveryLoop:
    """A candidate for the delivery loop; start() it in each serving process."""

    def __init__(self, store, clock, seed: str, interval: float = 0.1):
        self.store, self.clock, self.seed, self.interval = store, clock, seed, interval
        self.lock_path = Path(store.data_dir) / LOCK_NAME
        self.leader = False
        self._stop = threading.Event()
        self._thread = None

    def start(self) -> None:
        """Start the candidate thread (a greenlet under gevent)."""
        self._thread = threading.Thread(target=self._run, name="delivery-loop", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop; the lock goes with the file handle."""
        self._stop.set()

    def _acquire(self):
        try:
            import fcntl
        except ImportError:  # no flock (Windows): one process serves there
            return open(self.lock_path, "a")  # noqa: SIM115 (held for the process's life)
        handle = open(self.lock_path, "a")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return None
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return handle

    def _run(self) -> None:
        handle = None
        while handle is None and not self._stop.is_set():
            handle = self._acquire()
            if handle is None:
                self._stop.wait(1.0)
        if handle is None:
            return
        self.leader = True
        engine = Engine(self.store, self.clock, self.seed)
        next_day_check = 0.0
        while not self._stop.is_set():
            try:
                store_settings.load_clock(self.store, self.clock)
                sent = engine.drain()
                if time.monotonic() >= next_day_check:
                    next_day_check = time.monotonic() + 1.0
                    endofday.run_due(engine)
            except Exception as exc:  # keep delivering: one bad row must not stop the loop
                failures.failed("delivery loop", exc)
                sent = 0
            if not sent:
                self._stop.wait(self.interval)
        engine.close()
        handle.close()
