"""A per-client rate limit (token bucket) for the routes anyone may call without a token."""

import threading
import time

from ..errors import ApiError

# Clients remembered at once: the table is bounded whatever addresses arrive.
_MAX_CLIENTS = 10_000


class RateLimit:
    """`rate` calls per second per client address, with bursts of up to `burst` (per process)."""

    def __init__(self, rate: float, burst: float | None = None):
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate * 2)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Spend one call of `client`'s; return 0, or the seconds until it may call again."""
        if self.rate <= 0:  # switched off
            return 0.0
        now = time.monotonic()  # a rate over process time, not a domain time
        with self._lock:
            tokens, seen = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - seen) * self.rate)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return (1 - tokens) / self.rate
            if len(self._buckets) >= _MAX_CLIENTS and client not in self._buckets:
                self._buckets.clear()  # forget everyone rather than grow without bound
            self._buckets[client] = (tokens - 1, now)
            return 0.0

    def check(self, client: str, what: str, setting: str) -> None:
        """Raise the explained 429 when `client` is over the limit."""
        wait = self.take(client)
        if wait:
            raise ApiError(
                429,
                f"{client} sent more than {self.rate:g} calls per second to {what}",
                "rate_limited",
                f"Wait {wait:.1f} s (Retry-After), or raise {setting} (0 switches it off).",
                headers={"Retry-After": str(max(1, round(wait + 0.5)))},
                limits={"perSecond": self.rate, "burst": self.burst},
            )
