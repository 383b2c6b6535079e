"""Per-worker stream and connection counts in memory every worker of the server shares.

/_sandbox/health is answered by one worker but reports all of them: each worker writes
its own row (a few integers, no lock on the hot path), any worker reads every row.
"""

import multiprocessing
import os

FIELDS = ("pid", "connections", "sse", "ws", "refused")


class Board:
    """Rows of counters, one per worker process, in shared memory (or local memory)."""

    def __init__(self, slots: int, shared: bool):
        ctx = multiprocessing.get_context("fork") if shared else None
        size = slots * len(FIELDS)
        self._cells = ctx.RawArray("q", size) if ctx else [0] * size
        self._claim = ctx.Lock() if ctx else None
        self.slots = slots
        self._row: int | None = None
        self._pid: int | None = None
        self.counts_connections = False  # set by a server worker that counts them

    @classmethod
    def local(cls) -> "Board":
        """Return a one-row board for a single process (werkzeug, tests)."""
        return cls(1, shared=False)

    @classmethod
    def shared(cls, workers: int) -> "Board":
        """Return a board the forked workers share (rows for restarts to reuse)."""
        return cls(max(2, workers * 2), shared=True)

    def _mine(self) -> int:
        """Return this process's row, claiming a free one (or a dead worker's) once."""
        pid = os.getpid()
        if self._pid == pid:
            return self._row
        width = len(FIELDS)
        if self._claim is not None:
            self._claim.acquire()
        try:
            row = next(
                (r for r in range(self.slots) if not _alive(self._cells[r * width])),
                self.slots - 1,  # every row taken by a live process: share the last one
            )
            for i in range(width):
                self._cells[row * width + i] = 0
            self._cells[row * width] = pid
        finally:
            if self._claim is not None:
                self._claim.release()
        self._row, self._pid = row, pid
        return row

    def publish(self, **values: int) -> None:
        """Write this process's counters (any of connections, sse, ws, refused)."""
        base = self._mine() * len(FIELDS)
        for name, value in values.items():
            self._cells[base + FIELDS.index(name)] = value

    def add(self, name: str, delta: int) -> None:
        """Add `delta` to one of this process's counters."""
        i = self._mine() * len(FIELDS) + FIELDS.index(name)
        self._cells[i] += delta

    def rows(self) -> list[dict]:
        """Return every live worker's counters, ordered by pid."""
        self._mine()  # the answering worker always shows, even before its first stream
        width = len(FIELDS)
        out = []
        for r in range(self.slots):
            values = list(self._cells[r * width : (r + 1) * width])
            if _alive(values[0]):
                out.append(dict(zip(FIELDS, values, strict=True)))
        return sorted(out, key=lambda row: row["pid"])


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
