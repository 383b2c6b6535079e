"""The one clock every module reads: real time, or a virtual clock in test mode.

Domain code never calls time.time() or datetime.now(); it asks the app's clock,
so tests can move time forward and exercise backoffs and daily jobs in milliseconds.
"""

import contextlib
import math
import threading
import time
from datetime import UTC, datetime

# How far the virtual clock may run ahead of real time: far enough for any test of a
# backoff or a daily job, near enough that every date it gives is a calendar date.
YEAR = 365.25 * 86400
MAX_OFFSET_SECONDS = 100 * YEAR
MAX_ADVANCE_SECONDS = 10 * YEAR


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

    def moving(self):
        """Hold while the clock is changed and shared, or adopts the shared state."""
        return contextlib.nullcontext()


class VirtualClock(RealClock):
    """Real time plus an offset that tests move forward; optionally frozen.

    The offset is shared with other processes through the store (see
    store.settings), so the server and a CLI command agree on "now".
    """

    virtual = True

    def __init__(self, offset: float = 0.0, frozen_at: float | None = None):
        self._lock = threading.Lock()
        # A move and its save are one step for this process: a request (or the delivery loop)
        # adopting the stored state between them would put the clock back where it was.
        self._moving = threading.RLock()
        self.offset = offset
        self.frozen_at = frozen_at

    def moving(self):
        """Hold while the clock is changed and shared, or adopts the shared state."""
        return self._moving

    def time(self) -> float:
        """Return virtual seconds since the epoch."""
        with self._lock:
            if self.frozen_at is not None:
                return self.frozen_at
            return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by `seconds` (never backward); return the new time.

        Raises ValueError for a step that is not a finite number from 0 to
        MAX_ADVANCE_SECONDS, or that would take the clock past MAX_OFFSET_SECONDS ahead.
        """
        if not math.isfinite(seconds) or not 0 <= seconds <= MAX_ADVANCE_SECONDS:
            raise ValueError(f"seconds must be a number from 0 to {MAX_ADVANCE_SECONDS:.0f}")
        with self._lock:
            ahead = self.offset if self.frozen_at is None else self.frozen_at - time.time()
            if ahead + seconds > MAX_OFFSET_SECONDS:
                raise ValueError(
                    f"the clock would run {ahead + seconds:.0f} s ahead of real time; "
                    f"at most {MAX_OFFSET_SECONDS:.0f} (100 years)"
                )
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

    def load(self, state: dict) -> str | None:
        """Adopt a persisted state; return why it was reset instead, if it was out of range.

        A state no clock could be in (written by an older sandbox, or by hand) must not
        keep a data dir from starting: the clock goes back to real time and says why.
        """
        try:
            offset = float(state.get("offset") or 0.0)
            frozen = state.get("frozen_at")
            frozen = None if frozen is None else float(frozen)
        except (TypeError, ValueError, OverflowError):
            offset, frozen = math.nan, None
        ahead = offset if frozen is None else frozen - time.time()
        problem = None
        if not (math.isfinite(ahead) and -MAX_OFFSET_SECONDS <= ahead <= MAX_OFFSET_SECONDS):
            problem = f"the stored virtual clock state {state!r} is out of range"
            offset, frozen = 0.0, None
        with self._lock:
            self.offset, self.frozen_at = offset, frozen
        return problem

    def describe(self) -> dict:
        """Return the clock's state for the admin API."""
        return {**super().describe(), **self.state()}


def make_clock(test_mode: bool) -> RealClock:
    """Return a virtual clock in test mode, the real one otherwise."""
    return VirtualClock() if test_mode else RealClock()
