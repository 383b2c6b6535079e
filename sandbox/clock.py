"""The one clock every module reads: real time, or a virtual clock in test mode.

Domain code never calls time.time() or datetime.now(); it asks the app's clock,
so tests can move time forward and exercise backoffs and daily jobs in milliseconds.
"""

import threading
import time
from datetime import UTC, datetime


class RealClock:
    """Wall-clock time."""

    virtual = False

    def time(self) -> float:
        """Return seconds since the epoch."""
        return time.time()

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), UTC)

    def isoformat(self, ts: float | None = None) -> str:
        """Return now (or `ts`) as ISO 8601 with milliseconds and a Z."""
        moment = self.now() if ts is None else datetime.fromtimestamp(ts, UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def describe(self) -> dict:
        """Return the clock's state for the admin API."""
        return {"virtual": self.virtual, "now": self.isoformat()}


class VirtualClock(RealClock):
    """Real time plus an offset that tests move forward; optionally frozen.

    The offset is shared with other processes through the store (see
    store.settings), so the server and a CLI command agree on "now".
    """

    virtual = True

    def __init__(self, offset: float = 0.0, frozen_at: float | None = None):
        self._lock = threading.Lock()
        self.offset = offset
        self.frozen_at = frozen_at

    def time(self) -> float:
        """Return virtual seconds since the epoch."""
        with self._lock:
            if self.frozen_at is not None:
                return self.frozen_at
            return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by `seconds` (never backward); return the new time."""
        if seconds < 0:
            raise ValueError("the virtual clock only moves forward")
        with self._lock:
            if self.frozen_at is not None:
                self.frozen_at += seconds
            else:
                self.offset += seconds
        return self.time()

    def freeze(self, at: float | None = None) -> None:
        """Stop the clock at `at` (default: now) until unfrozen."""
        current = self.time()
        with self._lock:
            self.frozen_at = current if at is None else at

    def unfreeze(self) -> None:
        """Let the clock run again from where it stands."""
        with self._lock:
            if self.frozen_at is not None:
                self.offset = self.frozen_at - time.time()
                self.frozen_at = None

    def state(self) -> dict:
        """Return the persistable state (offset, frozen_at)."""
        with self._lock:
            return {"offset": self.offset, "frozen_at": self.frozen_at}

    def load(self, state: dict) -> None:
        """Adopt a persisted state."""
        with self._lock:
            self.offset = float(state.get("offset") or 0.0)
            frozen = state.get("frozen_at")
            self.frozen_at = None if frozen is None else float(frozen)

    def describe(self) -> dict:
        """Return the clock's state for the admin API."""
        return {**super().describe(), **self.state()}


def make_clock(test_mode: bool) -> RealClock:
    """Return a virtual clock in test mode, the real one otherwise."""
    return VirtualClock() if test_mode else RealClock()
