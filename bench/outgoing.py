"""Outgoing requests: deliveries per second beside a plain requests.Session loop, ingest while
delivering, and a 10,000-request failure cycle in virtual time beside plain failing attempts.

Targets (ratios from one run, same machine, same minutes):
  deliveries / plain loop >= 0.8 (same concurrency, same bodies, same receiver)
  ingest while delivering / ingest alone >= 0.8
  failure cycle (3 tries, dead letter, end-of-day retry, report) <= 2 x 40,000 plain attempts

    python bench/outgoing.py            # 10,000 deliveries
    python bench/outgoing.py --smoke    # a few hundred, to check it runs (CI)
"""

import argparse
import contextlib
import json
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import harness
import requests
import servers

sys.path.insert(0, str(harness.ROOT))
from sandbox.domain import outbox  # noqa: E402
from sandbox.outgoing import engine as engine_mod  # noqa: E402
from sandbox.outgoing import signing  # noqa: E402

PARALLEL = engine_mod.PARALLEL  # the engine's attempts in flight: the baseline uses as many
ADMIN = {"X-Sandbox-Admin-Token": "bench-admin"}


def payload(i: int) -> dict:
    """Return reward webhook number i (the shape plays queue)."""
    return {
        "campaignId": "bench",
        "type": "scratchcard",
        "userId": f"user-{i}",
        "rewardId": f"rwd_bench_{i:06d}",
        "rewardType": "coins",
        "status": "redeemable-unseen",
        "transactionId": f"tx{i:010d}",
        "rewardName": "200 Coins",
        "rewardAmount": 200,
        "rewardExpiry": -1,
        "code": "",
        "details": {},
    }


def plain(url: str, count: int) -> float:
    """Send `count` signed bodies with PARALLEL threads, a Session each; return seconds."""
    local = threading.local()

    def one(i):
        s = getattr(local, "s", None) or requests.Session()
        local.s = s
        body = signing.body_bytes(payload(i))
        headers = {
            "Content-Type": "application/json",
            "X-CG-SIGNATURE": signing.cg_signature("secret", body),
        }
        s.post(url, data=body, headers=headers, timeout=(5, 10)).close()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(one, range(count)))
    return time.perf_counter() - t0


def queue(db_path: Path, count: int, offset: int = 0) -> None:
    """Queue `count` reward webhooks in the live sandbox's store, as plays do."""
    with contextlib.closing(sqlite3.connect(db_path, timeout=60)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        for i in range(offset, offset + count):
            outbox.queue(conn, harness.DEMO_TENANT, "reward_webhook", payload(i), "bench", f"u{i}")
        conn.execute("COMMIT")


def counts(db_path: Path) -> dict:
    """Return the outbox's rows by status."""
    with contextlib.closing(sqlite3.connect(db_path, timeout=60)) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status"))


def wait_for(db_path: Path, status: str, count: int, timeout: float) -> float:
    """Return the seconds until `count` rows have `status` (raise after `timeout`)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if counts(db_path).get(status, 0) >= count:
            return time.perf_counter() - t0
        time.sleep(0.05)
    raise SystemExit(f"only {counts(db_path)} after {timeout} s")


def main(argv=None) -> int:
    """Run the three comparisons; print the table; exit 1 on a broken run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    harness.load_arguments(parser, rounds=1, duration="10s", warm="1s")
    parser.add_argument("--deliveries", type=int, default=10_000)
    args = harness.parse_load_arguments(parser, argv)
    n = 300 if args.smoke else args.deliveries
    receiver = servers.noop(args.workers, args.threads)
    data = Path(tempfile.mkdtemp(prefix="bench-outgoing-"))
    env = {"SANDBOX_TEST_MODE": "1", "SANDBOX_ADMIN_TOKEN": "bench-admin"}
    server = servers.sandbox(data, args.workers, args.threads, env)
    db = data / "sandbox.db"
    problems, out = [], {}
    try:
        tenant = f"{server.url}/_sandbox/tenants/{harness.DEMO_TENANT}"
        patch = {"rewardWebhookUrl": receiver.url + "/hook", "delivery": {"jitter": 0}}
        requests.patch(tenant, json=patch, headers=ADMIN, timeout=10).raise_for_status()
        plain(receiver.url + "/hook", min(n, 500))  # warm both
        queue(db, min(n, 500))
        wait_for(db, "delivered", min(n, 500), 120)

        # 1. deliveries per second beside the plain loop
        out["plain_s"] = plain(receiver.url + "/hook", n)
        start = counts(db).get("delivered", 0)
        t0 = time.perf_counter()
        queue(db, n, offset=1_000_000)
        wait_for(db, "delivered", start + n, 600)
        out["sandbox_s"] = time.perf_counter() - t0

        # 2. ingest alone, then ingest while the same number of deliveries go out
        url = server.url + "/server/v4"
        alone = harness.wrk(url, "post.lua", args.duration, args=(harness.nonce(),))
        start = counts(db).get("delivered", 0)
        sender = threading.Thread(target=queue, args=(db, n, 2_000_000))
        sender.start()
        during = harness.wrk(url, "post.lua", args.duration, args=(harness.nonce(),))
        sender.join()
        wait_for(db, "delivered", start + n, 600)
        out["ingest_alone"], out["ingest_during"] = alone["rps"], during["rps"]
        for label, r in (("ingest alone", alone), ("ingest during", during)):
            if r["err_status"] or r["socket_errors"]:
                problems.append(f"{label}: {r['err_status']} non-2xx, {r['socket_errors']} errors")

        # 3. the failure cycle in virtual time beside 4 x n plain failing attempts
        out["plain_fail_s"] = plain(receiver.url + "/fail", 4 * n)
        patch = {"rewardWebhookUrl": receiver.url + "/fail"}
        requests.patch(tenant, json=patch, headers=ADMIN, timeout=10).raise_for_status()
        t0 = time.perf_counter()
        queue(db, n, offset=3_000_000)
        moved = requests.post(
            f"{server.url}/_sandbox/clock/advance",
            json={"seconds": 2 * 86400},
            headers=ADMIN,
            timeout=3600,
        )
        moved.raise_for_status()
        out["cycle_s"] = time.perf_counter() - t0
        runs = moved.json()["deliveries"]["endOfDay"]
        still = sum(r["stillFailing"] for r in runs)
        reports = requests.get(f"{server.url}/_sandbox/reports", headers=ADMIN, timeout=60).json()
        rows = sum(r["rows"] for r in reports["reports"])
        if still != n or rows != n:
            problems.append(f"end of day: {still} still failing, {rows} report rows (want {n})")
        with contextlib.closing(sqlite3.connect(db)) as conn:
            tries = conn.execute(
                "SELECT count(*) FROM attempts a JOIN outbox o USING (delivery_id) "
                "WHERE length(o.user_id) = 8 AND o.user_id LIKE 'u3%'"
            ).fetchone()[0]
        if tries != 4 * n:
            problems.append(f"{tries} attempts in the failure cycle, want {4 * n}")
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
        receiver.stop()
    rate_plain, rate_sandbox = n / out["plain_s"], n / out["sandbox_s"]
    print(f"\n{harness.machine()}\n{n:,} deliveries, {PARALLEL} in flight")
    print("| measure | baseline | sandbox | ratio | target |")
    print("|---|---:|---:|---:|---|")
    print(
        f"| deliveries/s | plain Session loop {rate_plain:,.0f} | {rate_sandbox:,.0f} | "
        f"{rate_sandbox / rate_plain:.2f} | >= 0.8 |"
    )
    print(
        f"| ingest req/s | alone {out['ingest_alone']:,.0f} | while delivering "
        f"{out['ingest_during']:,.0f} | {out['ingest_during'] / out['ingest_alone']:.2f} | >= 0.8 |"
    )
    print(
        f"| failure cycle s | {4 * n:,} plain attempts {out['plain_fail_s']:.1f} | "
        f"{n:,} x (3 tries + end of day) + report {out['cycle_s']:.1f} | "
        f"{out['cycle_s'] / out['plain_fail_s']:.2f} | <= 2 |"
    )
    print(json.dumps({k: round(v, 3) for k, v in out.items()}))
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
