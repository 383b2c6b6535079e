"""Seeded faults on the emulated API, per tenant: the 429s, 5xx, stalls, resets and cut answers
the real service gives at times, so a partner's client can be tested against them.

A plan is a list of rules (fault_plan.py says what one holds and checks it). The first rule
that applies to a request decides. This module owns `fault_plans` and `fault_counts`;
http/faults.py applies the decision on the request path.
"""

import math
from dataclasses import dataclass, field

from ..store import CachedWrite, CoreWrite, Store, dumps, loads
from .fault_plan import MAX_LATENCY_MS, STATUSES, Plan, check_plan, compile_rule
from .rand import rng_for

__all__ = ["MAX_LATENCY_MS", "STATUSES", "Fault", "check_plan", "decide", "plans"]


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
