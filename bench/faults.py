"""Fault plan benchmark: what a tenant's fault plan costs the requests it does not fault.

    python bench/faults.py             # 4 rounds of 10 s runs, in turn (ABBA)
    python bench/faults.py --smoke     # one round of 1 s runs; exit 1 if an event was faulted (CI)

One sandbox (gunicorn, the default workers), the demo tenant. In turn, rounds of ingest (wrk,
post.lua, POST /server/v4): with no plan, then with the largest plan a tenant may have (50
rules, every kind: counts, probabilities, schedules, rate limits) on routes ingest never calls,
so every event pays the tenant lookup and the rule matching and gets no fault. Target: ingest
with the plan >= 0.95 x without.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import harness
import requests
import servers

ADMIN = {"X-Sandbox-Admin-Token": "bench-admin"}
KINDS = (
    {"status": 503, "count": 1000},
    {"status": 502, "probability": 0.5},
    {"status": 429, "retryAfter": 1, "from": "2026-01-01T00:00:00Z", "until": "2099-01-01T00:00Z"},
    {"rateLimit": {"requests": 5, "perSeconds": 1}},
    {"latencyMs": 100, "reset": True},
)


def plan(rules: int = 50) -> dict:
    """Return a plan of `rules` rules, every kind, on routes the ingest run never calls."""
    routes = ("/reward/*", "/user/v1/*", "/entrypoints/*", "/api/v1/*", "/server/v5*")
    return {
        "seed": "bench",
        "rules": [
            {"id": f"r{i}", "route": routes[i % len(routes)], **KINDS[i % len(KINDS)]}
            for i in range(rules)
        ],
    }  # fmt: skip


def any_faulted(url: str) -> bool:
    """Return whether any of the sandbox's journal entries says it was faulted (one is enough:
    the plan's rules are on routes ingest never calls)."""
    got = requests.get(f"{url}/_sandbox/journal?flag=fault&limit=1", headers=ADMIN, timeout=60)
    got.raise_for_status()
    return bool(got.json()["entries"])


def main(argv=None) -> int:
    """Measure ingest without and with a plan on other routes, rounds in turn; print the ratio."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    harness.load_arguments(parser, rounds=4, duration="10s", warm="3s")
    args = harness.parse_load_arguments(parser, argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    server = servers.sandbox(folder / "data", args.workers, args.threads)
    faults_url = f"{server.url}/_sandbox/tenants/{harness.DEMO_TENANT}/faults"
    url = server.url + "/server/v4"
    try:
        harness.wrk(url, "post.lua", args.warm, args=(harness.nonce(),))
        rounds = []
        for i in range(args.rounds):
            # ABBA: the journal grows run by run and ingest slows with it a little, so
            # neither side always runs on the larger file.
            got = {}
            for planned in (False, True) if i % 2 == 0 else (True, False):
                if planned:
                    requests.put(faults_url, json=plan(), headers=ADMIN, timeout=30)
                else:
                    requests.delete(faults_url, headers=ADMIN, timeout=30)
                time.sleep(0.2)
                got[planned] = harness.wrk(url, "post.lua", args.duration, args=(harness.nonce(),))
            rounds.append((got[False]["rps"], got[True]["rps"], got[True]["err_status"]))
        hit = any_faulted(server.url)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{harness.machine()}")
    print(f"ingest ({harness.load_label(args.duration)}, {args.rounds} rounds in turn)\n")
    print("| round | no plan, req/s | 50 rules on other routes, req/s | ratio |")
    print("|---:|---:|---:|---:|")
    for i, (without, with_plan, _) in enumerate(rounds, 1):
        print(f"| {i} | {without:,.0f} | {with_plan:,.0f} | {with_plan / without:.2f} |")
    ratio = statistics.median(w / o for o, w, _ in rounds)
    print(f"\nmedian ratio {ratio:.2f} (target >= 0.95)")
    errors = sum(e for _, _, e in rounds)
    if hit or errors:
        said = "a faulted entry, " if hit else ""
        print(f"FAILED: {said}{errors} non-2xx answers: the plan touched ingest")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
