"""One poller per process that turns rows committed by any worker into stream wake-ups."""

import logging
import os
import threading
import time

log = logging.getLogger(__name__)


class Watcher:
    """Polls `source(after)` every `interval` seconds while streams are open.

    Every `reap_every` seconds it also asks the hub to drop streams whose client left,
    and to give memory back to the OS after many closed.

    `source(after)` returns `(cursor, keys)`: the newest row id it saw and the keys that
    have rows after `after`. Another worker's commit reaches this process's streams
    within one interval; one query per process per interval, whatever the stream count.
    A plain `threading.Thread`: under gevent it is a greenlet on the event loop, next
    to the streams it wakes.
    """

    def __init__(self, hub, source, start, interval: float = 0.1, reap_every: float = 1.0):
        self.hub, self.source, self.start, self.interval = hub, source, start, interval
        self.reap_every = reap_every
        self._pid = None
        self._thread = None
        self._stop = threading.Event()

    def ensure_running(self) -> None:
        """Start the poller in this process if it does not run yet (after fork: again)."""
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        self._pid = os.getpid()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stream-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling (at shutdown)."""
        self._stop.set()

    def _run(self) -> None:
        try:
            after = self.start()
        except Exception as exc:  # an unreadable store: start from the next rows seen
            log.warning("stream watcher could not read its start: %s", exc)
            after = 0
        next_reap = 0.0
        while not self._stop.wait(self.interval):
            now = time.monotonic()
            if now >= next_reap:
                next_reap = now + self.reap_every
                self.hub.reap()
                self.hub.trim()
            if self.hub.count() == 0:
                continue  # nobody listens: no query
            try:
                after, keys = self.source(after)
            except Exception as exc:  # a failed poll must not end the wake-ups
                log.warning("stream watcher poll failed: %s", exc)
                continue
            for key in keys:
                self.hub.notify(key)
