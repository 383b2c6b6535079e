"""One tail of the feed per process, shared by its inspectors: the store is read (and every entry
masked and shaped) once per tick, not once per socket.

A socket joins the tail at a point the tail has passed: it reads from its own cursor up to
that point (feed.read with `upto`), then takes the tail's batches after it, filtering in
Python. The tail keeps its recent batches; a socket that falls further behind than they
reach goes back to reading the store itself, from its own cursor. Sockets whose filters need
the store (full text, event names, paths) never join.
"""

import os
import threading
import time
from collections import deque

from ..journal.filters import Filters
from . import feed

KEEP_ITEMS = 20_000  # what the tail keeps for sockets a little behind
IDLE_STOP_SECONDS = 10.0
TAIL_KINDS = ("request", "draw", "attempt")


def joinable(filters: Filters) -> bool:
    """Return True if the tail's items can be filtered in Python for these filters."""
    exact_ok = set(filters.exact) <= {"tenant_id", "user_id"}
    return exact_ok and not (
        filters.q
        or filters.event_name
        or filters.path_prefix
        or filters.flag
        or filters.since is not None
        or filters.until is not None
        or filters.before
    )


def matches(item: dict, filters: Filters, kinds) -> bool:
    """Return True if a tail item passes a socket's filters."""
    if item["kind"] not in kinds:
        return False
    exact = filters.exact
    if "tenant_id" in exact and item.get("tenant") != exact["tenant_id"]:
        return False
    if "user_id" in exact and item.get("user") != exact["user_id"]:
        return False
    if item["kind"] != "request":
        return not (filters.status or filters.auth)
    if filters.status and not (filters.status[0] <= (item["status"] or 0) < filters.status[1]):
        return False
    return not (filters.auth and item.get("auth") != filters.auth)


def _covers(a: str, b: str) -> bool:
    """Return True if cursor `a` is at or past cursor `b` in every file and table."""
    pa, da, aa = feed.decode(a)
    pb, db, ab = feed.decode(b)
    return da >= db and aa >= ab and all(pa.get(slot, 0) >= pos for slot, pos in pb.items())


class Tail:
    """The process's shared tail of the feed."""

    def __init__(self, store, masker, interval: float):
        self.store, self.masker, self.interval = store, masker, interval
        self.cursor = feed.encode(*feed.heads(store))
        self.seq = 0
        self.batches: deque = deque()  # (seq, cursor after, items, frames by filter)
        self.kept = 0
        self.cond = threading.Condition()
        self.last_use = time.monotonic()
        self.pid = os.getpid()
        self.alive = True
        threading.Thread(target=self._run, name="feed-tail", daemon=True).start()

    def _run(self) -> None:
        while time.monotonic() - self.last_use < IDLE_STOP_SECONDS:
            try:
                items, after, more = feed.read(
                    self.store, self.cursor, Filters(), TAIL_KINDS, self.masker()
                )
            except Exception:  # the store is busy or gone for a moment: try again
                items, after, more = [], self.cursor, False
            with self.cond:
                if items or after != self.cursor:
                    self.seq += 1
                    self.batches.append((self.seq, after, items, {}))
                    self.kept += len(items)
                    while self.kept > KEEP_ITEMS and len(self.batches) > 1:
                        self.kept -= len(self.batches.popleft()[2])
                self.cursor = after
                self.cond.notify_all()
            if not more:
                time.sleep(self.interval)
        with self.cond:
            self.alive = False
            self.cond.notify_all()

    def join(self, cursor: str, timeout: float = 2.0) -> tuple[int, str] | None:
        """Return (seq, cursor) of a tail point at or past `cursor`, or None (not reached)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.alive:
                self.last_use = time.monotonic()
                if _covers(self.cursor, cursor):
                    return self.seq, self.cursor
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)
        return None

    def after(self, seq: int, timeout: float) -> list | None:
        """Return the batches after `seq` (waiting up to `timeout` for one), or None if the
        tail no longer keeps them (or stopped): the socket reads the store itself again."""
        deadline = time.monotonic() + timeout
        with self.cond:
            self.last_use = time.monotonic()
            while self.alive and self.seq == seq:
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self.cond.wait(left)
            if not self.alive:
                return None
            if self.batches and self.batches[0][0] > seq + 1:
                return None  # fell behind what is kept
            return [b for b in self.batches if b[0] > seq]


_TAILS: dict = {}
_LOCK = threading.Lock()


def tail_for(store, masker, interval: float) -> Tail:
    """Return this process's tail, started (again) if it is not running."""
    with _LOCK:
        found = _TAILS.get("tail")
        if found is None or not found.alive or found.pid != os.getpid():
            found = _TAILS["tail"] = Tail(store, masker, interval)
        found.last_use = time.monotonic()
        return found
