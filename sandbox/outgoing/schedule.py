"""The retry schedule and every decision it makes, in words stored with the attempt."""

from ..domain.rand import rng_for


def waits(s: dict) -> list[float]:
    """Return the waits between tries without jitter: base x factor^i, fitted into maxSeconds."""
    plain = [s["baseSeconds"] * s["factor"] ** i for i in range(max(0, s["tries"] - 1))]
    total = sum(plain)
    if total > s["maxSeconds"] > 0:
        plain = [w * s["maxSeconds"] / total for w in plain]
    return plain


def describe(s: dict) -> str:
    """Return the schedule in words: "tries at 0 s, +60 s, +300 s (jitter 10 %)"."""
    steps = ", ".join(["0 s", *(f"+{w:g} s" for w in (round(w, 1) for w in waits(s)))])
    return f"{s['tries']} tries at {steps} (jitter {s['jitter'] * 100:g} %)"


def wait_after(s: dict, tried: int, seed: str, tenant_id: str, delivery_id: str) -> float:
    """Return the wait after try number `tried` (1-based), jittered from the seeded source."""
    plain = waits(s)
    base = plain[min(tried, len(plain)) - 1] if plain else 0.0
    u = rng_for(seed, tenant_id, "jitter", delivery_id, str(tried)).random()
    return round(max(0.0, base * (1 + s["jitter"] * (2 * u - 1))), 3)


def retry_after(headers: dict, now: float) -> float | None:
    """Return the seconds a Retry-After header asks for (seconds or an HTTP date), or None."""
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isascii() and raw.isdigit():
        return float(raw)
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def decide(s: dict, tried: int, outcome, now: float, wait: float) -> tuple[str, float | None, str]:
    """Return (status, next try at, why) after try number `tried` ended in `outcome`.

    status: delivered, retrying, failed or disabled. A 429 or 503 with Retry-After waits
    that long, bounded by the schedule's maxSeconds.
    """
    if outcome.ok:
        return "delivered", None, f"delivered: {outcome.summary}"
    if outcome.status == 410:
        return (
            "disabled",
            None,
            "stopped: 410 Gone disables the endpoint until its URL is set again",
        )
    if tried >= s["tries"]:
        return (
            "failed",
            None,
            (
                f"failed: {tried} of {s['tries']} tries failed ({outcome.summary}); dead letter, "
                f"to be tried once more at the end of the day ({s['endOfDay']} tenant time)"
            ),
        )
    asked = retry_after(outcome.headers, now) if outcome.status in (429, 503) else None
    if asked is not None:
        wait = min(asked, s["maxSeconds"])
        return (
            "retrying",
            now + wait,
            (f"retry in {round(wait, 1):g} s: Retry-After ({outcome.summary})"),
        )
    return (
        "retrying",
        now + wait,
        (f"retry in {wait:g} s: try {tried} of {s['tries']} failed ({outcome.summary})"),
    )
