"""The writer's intake: the writes submitted and not yet committed, and what one commit takes.

A commit costs about the same for one event as for thirty (the index pages and the WAL
frames they share), so under load the writer lingers: while writes keep arriving it
waits a little for more before it commits (PostgreSQL's commit_delay, adaptive). A
lone client never waits: the writer lingers only after a batch of two or more.
"""

import queue
import threading

from .osthread import os_queue, os_sleep
from .writes import Write

STOP = object()
MAINTAIN = object()  # marks a maintain_now() request in the queue
# Measured with bench/compare.py (2 workers, wrk -c32): a fixed wait of 0.2 / 0.5 / 1 /
# 2 ms gave 1.06 / 1.09 / 1.15 / 1.10 x the ingest rate of none, the last leaving the
# cores idle. So: steps of 0.1 ms while more keep coming, 20 steps at most. The OS
# sleeps a step for longer than asked (~0.17 ms here), so the longest wait is ~3.5 ms.
LINGER_STEP = 0.0001
LINGER_MOST = 0.002  # the steps asked for, summed (not the time they took)


class Item:
    """One submitted write and its waiter: `done` is released once it is committed."""

    __slots__ = ("fn", "done", "result", "error")

    def __init__(self, fn: Write | object):
        self.fn = fn
        # A lock held until the write commits: the waiter blocks on acquire(), the
        # writer releases it. Cheaper than threading.Event's Condition on this hot path.
        self.done = threading.Lock()
        self.done.acquire()
        self.result = self.error = None


class Intake:
    """The queue between the requests and the writer thread (made again in a forked child)."""

    def __init__(self, max_batch: int):
        self.max_batch = max_batch
        self.queue = os_queue()
        self.pending_maintain: list[Item] = []  # maintain_now() requests met while draining
        self._last = 1  # how many writes the last lingering-eligible batch held

    def put(self, item) -> None:
        """Queue an Item (or STOP)."""
        self.queue.put(item)

    def first(self, timeout: float | None):
        """Wait for the next Item, STOP, or None after `timeout` seconds."""
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def batch(self, first: Item, linger: bool = False) -> tuple[list[Item], bool]:
        """Return (the writes one commit takes, whether STOP came): `first` and what queued
        meanwhile; with `linger`, after a busy batch, also what keeps arriving."""
        batch: list[Item] = [first]
        if self._take(batch):
            return batch, True
        if linger and self._last >= 2:
            waited = 0.0
            while len(batch) < self.max_batch and waited < LINGER_MOST:
                os_sleep(LINGER_STEP)
                waited += LINGER_STEP
                had = len(batch)
                if self._take(batch):
                    return batch, True
                if len(batch) == had:  # nothing new: the requests are all waiting on us
                    break
        if linger:
            self._last = len(batch)
        return batch, False

    def _take(self, batch: list[Item]) -> bool:
        """Move what is queued into `batch` (up to the most a batch holds); True on STOP."""
        while len(batch) < self.max_batch:
            try:
                nxt = self.queue.get_nowait()
            except queue.Empty:
                return False
            if nxt is STOP:
                return True
            if nxt.fn is MAINTAIN:
                self.pending_maintain.append(nxt)
                continue
            batch.append(nxt)
        return False
