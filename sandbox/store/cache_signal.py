"""A word in shared memory that a process moves after it commits a change to cached rows.

Every request asks whether another process changed what `Store.cached()` keeps (a key,
a tenant, a fault plan). Asking SQLite (PRAGMA data_version, then the epoch row) was a
statement on every request, and under gevent each statement hands the GIL to the
writer thread and waits to get it back. Reading eight bytes of a file every process
maps (`<data dir>/cache-signal`) costs no system call; only when they moved does the
request ask SQLite. The epoch row (store/writes.CachedWrite) stays the authority: the
word only says "look now".
"""

import contextlib
import mmap
import os
from pathlib import Path

NAME = "cache-signal"
_SIZE = 8


class Signal:
    """The data dir's change word, mapped into this process (shared across fork).

    Mapped at first use and again after close(): a store is closed and used again (the
    server's master closes its store before the workers fork and reopen theirs).
    """

    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir) / NAME
        self._map: mmap.mmap | None = None
        self._mapped()  # a folder where the word cannot live is known at once

    def _mapped(self) -> mmap.mmap:
        if self._map is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < _SIZE:
                    os.ftruncate(fd, _SIZE)
                self._map = mmap.mmap(fd, _SIZE)
            finally:
                os.close(fd)  # the mapping keeps the file
        return self._map

    def read(self) -> bytes | None:
        """Return the word as it is now (a torn read only causes one extra look); None
        if it can no longer be mapped."""
        try:
            return (self._map or self._mapped())[:_SIZE]
        except (OSError, ValueError):
            return None

    def move(self) -> None:
        """Set the word to a fresh random value: every process's next look asks SQLite.

        Random, not a count: two processes moving it at once cannot land on a value a
        reader has already seen, as an increment lost between them could.
        """
        try:
            self._mapped()[:_SIZE] = os.urandom(_SIZE)
        except (OSError, ValueError):  # the folder went away: caches expire within a second
            pass

    def close(self) -> None:
        """Unmap the word (the next use maps it again)."""
        mapped, self._map = self._map, None
        if mapped is not None:
            with contextlib.suppress(BufferError, ValueError):
                mapped.close()


def open_signal(data_dir: str | Path) -> Signal | None:
    """Map the data dir's change word; None where it cannot be (a read-only folder)."""
    try:
        return Signal(data_dir)
    except (OSError, ValueError):
        return None


def move(data_dir: str | Path) -> None:
    """Move the data dir's change word once (a restore replaced the cached rows)."""
    signal = open_signal(data_dir)
    if signal is not None:
        signal.move()
        signal.close()
