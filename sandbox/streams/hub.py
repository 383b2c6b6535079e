"""The per-process registry of open streams: a cap, one waiter each, wake-ups, shutdown.

A stream (an /sse response, a WebSocket) registers here for its whole life. It waits on
its own event, so an idle stream costs no CPU: a Watcher (watch.py) polls the store once
per process and wakes only the streams whose key has news. Under gevent the events are
gevent's (the threading module is patched), so a waiting stream holds a greenlet, not a
thread (docs/architecture.md, "The process model").
"""

import threading
import time

from .board import Board
from .memory import release_free_memory
from .peer import peer_gone


class StreamsFull(Exception):
    """This process holds as many streams as it may; the client should retry later."""

    def __init__(self, cap: int, retry_after: int, closing: bool):
        super().__init__("shutting down" if closing else f"{cap} streams open")
        self.cap, self.retry_after, self.closing = cap, retry_after, closing


class Stream:
    """One open stream: wait() for news, `closing` when the server shuts down."""

    __slots__ = ("hub", "kind", "key", "opened", "closing", "gone", "peer", "on_close", "_wake")

    def __init__(self, hub: "Hub", kind: str, key, on_close):
        self.hub, self.kind, self.key = hub, kind, key
        self.opened = time.monotonic()
        self.closing = False  # the server shuts down
        self.gone = False  # the client closed its end
        self.peer: int | None = None  # the client socket's fd, watched by Hub.reap()
        self.on_close = on_close  # called at shutdown (a WebSocket closes its socket)
        self._wake = threading.Event()

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for news or shutdown; return True if woken."""
        woken = self._wake.wait(timeout)
        # Cleared after the wait: news that arrives while the caller reads the store
        # sets the event again and the next wait returns at once (nothing is lost).
        self._wake.clear()
        return woken

    @property
    def live(self) -> bool:
        """True until the server shuts down or the client goes."""
        return not (self.closing or self.gone)

    def wake(self) -> None:
        """Wake the stream's waiter (news for its key)."""
        self._wake.set()

    def shut(self) -> None:
        """Mark the stream closing and wake it; run its close callback (a WebSocket's)."""
        self.closing = True
        self._wake.set()
        if self.on_close is not None:
            try:
                self.on_close()
            except Exception:  # a half-closed socket must not stop the other closes
                pass

    def close(self) -> None:
        """Leave the registry (idempotent)."""
        self.hub.drop(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Hub:
    """Open streams of this process, by key; refuses past `cap` and while shutting down."""

    def __init__(self, cap: int, heartbeat: float, retry_after: int = 5, board=None):
        self.cap, self.heartbeat, self.retry_after = cap, heartbeat, retry_after
        self.board: Board = board or Board.local()
        self._lock = threading.Lock()
        self._streams: dict = {}  # key -> {Stream: None} (insertion-ordered set)
        self._open = {"sse": 0, "ws": 0}
        self.refused = 0
        self.closed_since_trim = 0  # streams closed since memory was last given back
        self.closing = False
        # Set at shutdown: anything this process holds open on purpose (a rehearsed stall of
        # the built-in receiver) waits on it instead of sleeping, and ends with the server.
        self.stopping = threading.Event()
        self.watchers: list = []

    def open(self, kind: str, key=None, on_close=None) -> Stream:
        """Register a stream of `kind` ("sse" or "ws") under `key`; StreamsFull past the cap."""
        with self._lock:
            if self.closing or sum(self._open.values()) >= self.cap:
                self.refused += 1
                self.board.publish(refused=self.refused)
                raise StreamsFull(self.cap, self.retry_after, self.closing)
            stream = Stream(self, kind, key, on_close)
            self._streams.setdefault(key, {})[stream] = None
            self._open[kind] += 1
            self.board.publish(**self._open)
        for watcher in self.watchers:
            watcher.ensure_running()
        return stream

    def drop(self, stream: Stream) -> None:
        """Remove `stream` from the registry (once; later calls do nothing)."""
        with self._lock:
            group = self._streams.get(stream.key)
            if group is None or stream not in group:
                return
            del group[stream]
            if not group:
                del self._streams[stream.key]
            self._open[stream.kind] -= 1
            self.closed_since_trim += 1
            self.board.publish(**self._open)

    def notify(self, key) -> int:
        """Wake every stream registered under `key`; return how many."""
        group = list(self._streams.get(key, ()))
        for stream in group:
            stream.wake()
        return len(group)

    def count(self) -> int:
        """Return how many streams are open in this process."""
        return sum(self._open.values())

    def counts(self) -> dict:
        """Return this process's open streams by kind, its cap and its refusals."""
        return {**self._open, "cap": self.cap, "refused": self.refused}

    def reap(self) -> int:
        """Wake the streams whose client has gone (a peek at each socket); return how many.

        A stream that sends nothing between heartbeats would otherwise learn only at
        its next write that nobody listens, and hold its memory until then.
        """
        with self._lock:
            watched = [s for group in self._streams.values() for s in group if s.peer is not None]
        gone = [s for s in watched if peer_gone(s.peer)]
        for stream in gone:
            stream.gone = True
            stream.wake()
        return len(gone)

    def trim(self, at_least: int = 100) -> bool:
        """Give freed memory back to the OS once `at_least` streams closed since last time."""
        if self.closed_since_trim < at_least:
            return False
        self.closed_since_trim = 0
        return release_free_memory()

    def shutdown(self) -> int:
        """Refuse new streams and close every open one; return how many were open."""
        with self._lock:
            self.closing = True
            streams = [s for group in self._streams.values() for s in group]
        self.stopping.set()
        for stream in streams:
            stream.shut()
        for watcher in self.watchers:
            watcher.stop()
        return len(streams)
