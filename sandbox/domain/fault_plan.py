"""What a fault plan says: its rules, checked and compiled (domain/faults.py stores plans and
decides what a request gets from them).

A rule is a route pattern and method, an effect (a status with its headers, a latency, a
connection reset, a truncated body) and when it applies (a seeded probability, the next N
matching requests, once the first N have passed, a window on the virtual clock, or a rate
limit).
"""

import fnmatch
import math
import re
from dataclasses import dataclass, field
from datetime import datetime

STATUSES = (401, 429, 500, 502, 503)
MAX_RULES = 50
MAX_LATENCY_MS = 30_000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_METHODS = ("*", "GET", "POST", "PUT", "PATCH", "DELETE")
_FIELDS = {
    "id",
    "route",
    "method",
    "status",
    "retryAfter",
    "latencyMs",
    "reset",
    "truncate",
    "probability",
    "count",
    "skip",
    "from",
    "until",
    "rateLimit",
}


@dataclass(frozen=True)
class Rule:
    """One rule of a plan, checked and compiled."""

    id: str
    route: str
    method: str
    pattern: re.Pattern = field(compare=False)
    status: int | None = None
    retry_after: float | None = None
    latency_ms: float = 0.0
    reset: bool = False
    truncate: bool = False
    probability: float = 1.0
    count: int | None = None
    skip: int = 0  # the first N matching requests pass untouched
    start: float | None = None
    end: float | None = None
    rate: tuple[int, float] | None = None  # (requests, per seconds)

    def matches(self, method: str, path: str) -> bool:
        """Return True if the rule is about this method and path."""
        return self.method in ("*", method) and self.pattern.match(path) is not None


class Plan:
    """A tenant's compiled plan, and which of its rules each method and path meets (a
    request of ingest asks the same question thousands of times a second)."""

    __slots__ = ("seed", "rules", "_met", "done")

    def __init__(self, seed: str | None, rules: list[Rule]):
        self.seed, self.rules, self._met = seed, rules, {}
        # ("skip" | "count", rule id) this process has seen run out: their shared counters
        # only grow, so a request no longer writes one to learn it again.
        self.done: set = set()

    def matching(self, method: str, path: str) -> list[Rule]:
        """Return the rules about this method and path, in the plan's order."""
        met = self._met.get((method, path))
        if met is None:
            met = [rule for rule in self.rules if rule.matches(method, path)]
            if len(self._met) < 4096:  # bounded: paths come from callers
                self._met[(method, path)] = met
        return met


def _epoch(text, name: str, problems: list) -> float | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        problems.append(f"{name} must be an ISO 8601 time with its zone, e.g. 2026-12-07T10:00:00Z")
        return None


def _number(raw, name: str, low: float, high: float, problems: list) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        problems.append(f"{name} must be a number from {low:g} to {high:g}")
        return None
    if not low <= raw <= high:
        problems.append(f"{name} must be from {low:g} to {high:g}")
        return None
    return float(raw)


def compile_rule(raw, problems: list) -> Rule | None:
    """Return a rule from its JSON, or None with the reasons added to `problems`."""
    if not isinstance(raw, dict):
        problems.append("each rule is an object")
        return None
    found: list = []
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID.match(rid):
        found.append("id must be 1-64 letters, digits, '.', '_' or '-'")
        rid = "?"
    found += [f"unknown field {k!r}" for k in sorted(set(raw) - _FIELDS)]
    route, method = raw.get("route", "*"), str(raw.get("method", "*")).upper()
    if not isinstance(route, str) or not route or len(route) > 200:
        found.append("route must be a path pattern such as /server/v4 or /user/* (or *)")
        route = "*"
    if route.startswith("/_sandbox"):
        found.append("faults never touch the sandbox's own surface (/_sandbox)")
    if method not in _METHODS:
        found.append(f"method must be one of {', '.join(_METHODS)}")
    status = raw.get("status")
    if status is not None and status not in STATUSES:
        found.append(f"status must be one of {', '.join(map(str, STATUSES))}")
    rate = raw.get("rateLimit")
    rate_pair = None
    if rate is not None:
        if not isinstance(rate, dict):
            found.append('rateLimit is {"requests": N, "perSeconds": S}')
        else:
            n = _number(rate.get("requests"), "rateLimit.requests", 1, 100_000, found)
            per = _number(rate.get("perSeconds", 1), "rateLimit.perSeconds", 0.1, 86_400, found)
            rate_pair = (int(n), per) if n is not None and per is not None else None
    effects = [status is not None or rate is not None, raw.get("reset") is True]
    effects += [raw.get("truncate") is True, bool(raw.get("latencyMs"))]
    if not any(effects):
        found.append("give the rule an effect: status, rateLimit, latencyMs, reset or truncate")
    count = _number(raw.get("count"), "count", 1, 1_000_000, found)
    skip = _number(raw.get("skip"), "skip", 0, 1_000_000, found)
    chance = _number(raw.get("probability"), "probability", 0, 1, found)
    rule = Rule(
        id=rid,
        route=route,
        method=method,
        pattern=re.compile(fnmatch.translate(route)),
        status=429 if rate is not None and status is None else status,
        retry_after=_number(raw.get("retryAfter"), "retryAfter", 0, 3600, found),
        latency_ms=_number(raw.get("latencyMs"), "latencyMs", 0, MAX_LATENCY_MS, found) or 0.0,
        reset=raw.get("reset") is True,
        truncate=raw.get("truncate") is True,
        probability=1.0 if chance is None else chance,
        count=None if count is None else int(count),
        skip=int(skip or 0),
        start=_epoch(raw.get("from"), "from", found),
        end=_epoch(raw.get("until"), "until", found),
        rate=rate_pair,
    )
    problems += [f"rule {rid}: {p}" for p in found]
    return None if found else rule


def check_plan(body: dict) -> tuple[dict, list[str]]:
    """Return (the plan as kept, problems); a plan with problems is not kept."""
    problems: list[str] = []
    rules = body.get("rules")
    if not isinstance(rules, list) or not rules or len(rules) > MAX_RULES:
        return {}, [f"rules must be a list of 1 to {MAX_RULES} rules"]
    compiled = [compile_rule(r, problems) for r in rules]
    ids = [r.id for r in compiled if r is not None]
    if len(ids) != len(set(ids)):
        problems.append("each rule needs an id of its own")
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, str) or len(seed) > 100):
        problems.append("seed must be a text of at most 100 characters")
    return {"seed": seed, "rules": rules}, problems
