"""Seeded faults on the emulated API, per tenant: the 429s, 5xx, stalls, resets and cut answers
the real service gives at times, so a partner's client can be tested against them.

A plan is a list of rules, each a route pattern and method, an effect (a status with its
headers, a latency, a connection reset, a truncated body) and when it applies (a seeded
probability, the next N matching requests, once the first N have passed, a window on the
virtual clock, or a rate limit).
The first rule that applies to a request decides. This module owns `fault_plans` and
`fault_counts`; http/faults.py applies the decision on the request path.
"""

import fnmatch
import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from ..store import CachedWrite, CoreWrite, Store, dumps, loads
from .rand import rng_for

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


@dataclass(frozen=True)
class Fault:
    """What a request gets instead of (or besides) its answer."""

    rule_id: str
    status: int | None = None
    headers: dict = field(default_factory=dict)
    latency_ms: float = 0.0
    reset: bool = False
    truncate: bool = False

    def label(self) -> str:
        """Say what the fault did, for the journal (X-Sandbox-Fault)."""
        what = [str(self.status)] if self.status else []
        what += [f"{self.latency_ms:g} ms late"] if self.latency_ms else []
        what += ["connection reset"] if self.reset else []
        what += ["body cut short"] if self.truncate else []
        return f"{self.rule_id}: {', '.join(what)}"


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


def put_plan(tenant_id: str, plan: dict, now: str) -> CoreWrite:
    """Return the write that installs a tenant's plan (its counts start again)."""

    def run(conn):
        conn.execute("DELETE FROM fault_counts WHERE tenant_id = ?", (tenant_id,))
        conn.execute(
            "INSERT OR REPLACE INTO fault_plans (tenant_id, plan, updated_at) VALUES (?, ?, ?)",
            (tenant_id, dumps(plan), now),
        )

    return CachedWrite(run)


def clear(tenant_id: str) -> CoreWrite:
    """Return the write that removes a tenant's plan and its counts."""

    def run(conn):
        conn.execute("DELETE FROM fault_counts WHERE tenant_id = ?", (tenant_id,))
        return conn.execute("DELETE FROM fault_plans WHERE tenant_id = ?", (tenant_id,)).rowcount

    return CachedWrite(run)


def plan_of(store: Store, tenant_id: str) -> dict | None:
    """Return a tenant's plan with how often each rule has applied, or None."""
    row = store.one("SELECT plan, updated_at FROM fault_plans WHERE tenant_id = ?", (tenant_id,))
    if row is None:
        return None
    counts = {
        r["rule_id"]: r["n"]
        for r in store.all(
            "SELECT rule_id, sum(n) AS n FROM fault_counts WHERE tenant_id = ? AND "
            "window = 'applied' GROUP BY rule_id",
            (tenant_id,),
        )
    }
    plan = loads(row["plan"])
    for rule in plan["rules"]:
        rule["applied"] = counts.get(rule["id"], 0)
    return {**plan, "updatedAt": row["updated_at"]}


def plans(store: Store) -> dict:
    """Return every tenant's plan by tenant id, compiled (cached a second: every request
    asks; empty: a request needs no tenant lookup)."""

    def load():
        plans = {}
        for row in store.all("SELECT tenant_id, plan FROM fault_plans LIMIT 10000"):
            plan = loads(row["plan"])
            rules = [compile_rule(r, []) for r in plan["rules"]]
            plans[row["tenant_id"]] = Plan(plan.get("seed"), [r for r in rules if r is not None])
        return plans

    return store.cached(("fault_plans",), load)


def _bump(store: Store, tenant_id: str, rule_id: str, window: str, prune: bool = False) -> int:
    def run(conn):
        if prune:  # a rate limit's earlier windows are done with
            conn.execute(
                "DELETE FROM fault_counts WHERE tenant_id = ? AND rule_id = ? AND window LIKE "
                "'w%' AND window != ?",
                (tenant_id, rule_id, window),
            )
        return conn.execute(
            "INSERT INTO fault_counts (tenant_id, rule_id, window, n) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (tenant_id, rule_id, window) DO UPDATE SET n = n + 1 RETURNING n",
            (tenant_id, rule_id, window),
        ).fetchone()[0]

    return store.write(CoreWrite(run))


def decide(store: Store, plans: dict, seed: str, tenant_id: str, method: str, path: str, now):
    """Return the Fault a request gets from its tenant's plan (in `plans`), or None."""
    plan = plans.get(tenant_id)
    if plan is None:
        return None
    own_seed = plan.seed
    for rule in plan.matching(method, path):
        if (rule.start is not None and now < rule.start) or (
            rule.end is not None and now >= rule.end
        ):
            continue
        # "Let the next N through": the request passes and no later rule is asked.
        if rule.skip and ("skip", rule.id) not in plan.done:
            if _bump(store, tenant_id, rule.id, "seen") <= rule.skip:
                return None
            plan.done.add(("skip", rule.id))
        headers = {}
        if rule.rate is not None:
            limit, per = rule.rate
            window = math.floor(now / per)
            n = _bump(store, tenant_id, rule.id, f"w{window}", prune=True)
            reset_at = (window + 1) * per
            if n <= limit:
                continue
            wait = max(1, math.ceil(reset_at - now))
            headers = {
                "Retry-After": str(wait),
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(math.ceil(reset_at)),
            }
        if rule.count is not None:
            if ("count", rule.id) in plan.done:
                continue
            if _bump(store, tenant_id, rule.id, "count") > rule.count:
                plan.done.add(("count", rule.id))
                continue
        if rule.probability < 1.0:
            n = _bump(store, tenant_id, rule.id, "draw")
            roll = rng_for(own_seed or seed, tenant_id, "fault", rule.id, str(n)).random()
            if roll >= rule.probability:
                continue
        if rule.retry_after is not None and rule.status in (429, 503):
            headers["Retry-After"] = f"{rule.retry_after:g}"
        if rule.status == 429:
            headers.setdefault("X-RateLimit-Remaining", "0")
        _bump(store, tenant_id, rule.id, "applied")
        return Fault(rule.id, rule.status, headers, rule.latency_ms, rule.reset, rule.truncate)
    return None
