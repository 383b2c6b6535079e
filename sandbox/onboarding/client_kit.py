"""The client kit: the mirror of the receiver kit. A run installs a fault plan on the tenant's
event routes and, while the partner's app or backend goes through its normal flow, grades how
it reacted, from the journal alone.

The plan, in order, on POST /server/v4, /v4/sdk and /sdk/v4: a 503 with Retry-After 1, a 429
with Retry-After 1, two 502s without Retry-After, the try that gets through, then (for the
next event) 503s for longer than a careful client keeps trying; on Bearer routes one 401. A
retry is a request to the same route with the same event (name, user and properties),
whatever its event_id.
"""

import fnmatch
import json
import secrets
from xml.sax.saxutils import escape, quoteattr

from ..domain import faults
from ..journal import attempts_of
from ..store import CoreWrite, Store, dumps
from ..store.shards import SLOT_BITS
from ..store.writes import Bundle

EVENT_ROUTE = "/*v4*"  # the three event doors: /server/v4, /v4/sdk, /sdk/v4
DOWN_FOR = 12  # 503s in a row: more tries than any client should make for one event
MAX_TRIES = 10  # a client that tried one event more often than this did not give up
REGISTER = "/user/v1/user/sdk"
PLAN = {
    "rules": [
        {"id": "kit-503", "route": EVENT_ROUTE, "method": "POST", "status": 503,
         "retryAfter": 1, "count": 1},
        {"id": "kit-429", "route": EVENT_ROUTE, "method": "POST", "status": 429,
         "retryAfter": 1, "count": 1},
        {"id": "kit-502", "route": EVENT_ROUTE, "method": "POST", "status": 502, "count": 2},
        {"id": "kit-down", "route": EVENT_ROUTE, "method": "POST", "status": 503,
         "skip": 1, "count": DOWN_FOR},
        {"id": "kit-401", "route": "/reward/*", "status": 401, "count": 1},
    ]
}  # fmt: skip
CHECKS = (
    ("retries_503", "retried the event after a 503"),
    ("retries_429", "retried the event after a 429"),
    ("waits_retry_after", "waited at least Retry-After before the retry"),
    ("backs_off", "waited longer before each retry when no Retry-After was given"),
    ("reuses_event_id", "sent the same event_id on every retry (so it is counted once)"),
    ("gives_up", f"stopped after a bounded number of tries (at most {MAX_TRIES})"),
    ("reregisters_once", "after a 401 on a Bearer call, registered exactly once, then retried"),
)


def start(tenant_id: str, now_iso: str) -> tuple[dict, Bundle]:
    """Return (the run, the write that keeps it and installs its fault plan, as one)."""
    run = {
        "runId": "cck_" + secrets.token_hex(8),
        "tenantId": tenant_id,
        "startedAt": now_iso,
        "after": attempts_of.watermark(),
    }

    def keep(conn):
        conn.execute(
            "INSERT INTO client_check_runs (run_id, tenant_id, started_at, after_id) "
            "VALUES (?, ?, ?, ?)",
            (run["runId"], tenant_id, now_iso, run["after"]),
        )

    return run, Bundle([faults.put_plan(tenant_id, PLAN, now_iso), CoreWrite(keep)])


def _run(row: dict) -> dict:
    return {
        "runId": row["run_id"],
        "tenantId": row["tenant_id"],
        "startedAt": row["started_at"],
        "after": row["after_id"],
    }


def get(store: Store, run_id: str) -> dict | None:
    """Return a run (its tenant and start), or None."""
    row = store.one("SELECT * FROM client_check_runs WHERE run_id = ?", (run_id,))
    return None if row is None else _run(row)


def recent(store: Store, tenant_id: str, limit: int = 20) -> list[dict]:
    """Return the tenant's latest runs, newest first."""
    rows = store.all(
        "SELECT * FROM client_check_runs WHERE tenant_id = ? ORDER BY started_at DESC, "
        "rowid DESC LIMIT ?",
        (tenant_id, limit),
    )
    return [_run(row) for row in rows]


def _at(row: dict) -> float:
    """When the entry was committed (wall clock): timing holds even on a frozen virtual clock."""
    return (row["id"] >> SLOT_BITS) / 1_000_000


def _waited(tried: dict, then: dict) -> float:
    """How long the client waited between the answer to `tried` and sending `then`: the
    commits apart, less the time the sandbox spent on `then` before committing it (on a
    loaded machine that is most of the noise)."""
    spent = (then.get("latency_ms") or 0) / 1000
    return max(0.0, _at(then) - spent - _at(tried))


def _backs_off(waits: list[float]) -> bool:
    """Return True if the waits grow: the last at least twice the first and 0.1 s, and at
    most one step shorter than the one before (a busy machine stretches a wait now and then;
    a client that retries at once never waits 0.1 s)."""
    shorter = sum(later < earlier * 0.9 for earlier, later in zip(waits, waits[1:], strict=False))
    return waits[-1] >= max(2 * waits[0], 0.1) and shorter <= 1


def _event_key(row: dict):
    try:
        body = json.loads(row["body"])
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    props = dumps(body.get("event_properties"))
    return (row["path"], body.get("event_name"), body.get("user_id"), props)


def _chains(rows: list[dict]) -> list[list[dict]]:
    """Group the event posts into chains of tries of the same event, in order."""
    chains: dict = {}
    for row in rows:
        if row["method"] == "POST" and fnmatch.fnmatchcase(row["path"], EVENT_ROUTE):
            key = _event_key(row)
            if key is not None:
                chains.setdefault(key, []).append(row)
    return list(chains.values())


def _fault(row: dict) -> str | None:
    label = row["response_headers"].get("X-Sandbox-Fault") or ""
    return label.split(":", 1)[0] if "fault" in row["flags"] and label else None


def grade(store: Store, run: dict) -> dict:
    """Grade the client from the tenant's requests since the run started."""
    rows = attempts_of.since(store, run["tenantId"], run["after"])
    chains = _chains(rows)
    found = {name: None for name, _ in CHECKS}  # None: not seen yet
    notes = {name: [] for name, _ in CHECKS}

    def verdict(name: str, ok: bool, note: str) -> None:
        found[name] = ok if found[name] is None else (found[name] and ok)
        if not ok or not notes[name]:
            notes[name].append(note)

    plains = []  # per chain, the waits after a fault that gave no Retry-After
    for chain in chains:
        for tried, then in zip(chain, chain[1:], strict=False):
            rule, gap = _fault(tried), _waited(tried, then)
            if rule in ("kit-503", "kit-429"):
                verdict(f"retries_{rule[-3:]}", True, f"retried {gap:.2f} s later")
            wait = tried["response_headers"].get("Retry-After")
            if rule and wait:
                ok = gap >= float(wait) - 0.05
                verdict("waits_retry_after", ok, f"Retry-After {wait}: retried {gap:.2f} s later")
            same = then["event_id"] == tried["event_id"]
            verdict(
                "reuses_event_id",
                same,
                "same event_id" if same else f"{tried['event_id']} became {then['event_id']}",
            )
        plains.append(
            [
                _waited(a, b)
                for a, b in zip(chain, chain[1:], strict=False)
                if _fault(a) and not a["response_headers"].get("Retry-After")
            ]
        )
        last = chain[-1]
        if _fault(last) == "kit-down" or len(chain) > MAX_TRIES:
            ok = len(chain) <= MAX_TRIES
            verdict("gives_up", ok, f"tried the event {len(chain)} times")
    # Backing off is judged on the chains with the most such waits (the kit's "down for
    # longer" gives five); two waits alone decide only when no longer chain exists.
    longest = max((len(p) for p in plains), default=0)
    for plain in plains:
        if len(plain) >= 2 and len(plain) == longest:
            waits = ", ".join(f"{g:.2f} s" for g in plain)
            verdict("backs_off", _backs_off(plain), "waits " + waits)
    for i, row in enumerate(rows):
        if _fault(row) != "kit-401":
            continue
        later = [r for r in rows[i + 1 :] if r["path"] == row["path"]]
        until = rows.index(later[0]) if later else len(rows)
        registered = sum(r["path"] == REGISTER for r in rows[i + 1 : until])
        ok = registered == 1 and bool(later)
        verdict("reregisters_once", ok, f"registered {registered} time(s), then "
                + ("retried" if later else "never retried"))  # fmt: skip
    results = [
        {
            "check": name,
            "title": title,
            "result": "not_seen" if found[name] is None else ("pass" if found[name] else "fail"),
            "notes": notes[name][:5],
        }
        for name, title in CHECKS
    ]
    return {
        **run,
        "requests": len(rows),
        "passed": all(r["result"] != "fail" for r in results),
        "results": results,
    }


def junit(tenant_name: str, graded: dict) -> str:
    """Return a grading as JUnit XML: a failed check fails, one not exercised yet is skipped."""
    cases = []
    for r in graded["results"]:
        inner = ""
        if r["result"] == "fail":
            said = escape("; ".join(r["notes"]))
            inner = f"<failure message={quoteattr(r['title'])}>{said}</failure>"
        elif r["result"] == "not_seen":
            inner = '<skipped message="the client has not met this case yet"/>'
        cases.append(
            f'  <testcase classname="client" name={quoteattr(r["check"])}>{inner}</testcase>'
        )
    failures = sum(r["result"] == "fail" for r in graded["results"])
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<testsuite name={quoteattr('API client of ' + tenant_name)} "
        f'tests="{len(cases)}" failures="{failures}">\n' + "\n".join(cases) + "\n</testsuite>\n"
    )
