"""Draws benchmark: plays per second through the API, with a coupon pool, beside ingest.

    python bench/draws.py            # 3 rounds of 10 s each, ingest and plays taking turns
    python bench/draws.py --smoke    # CI: one short round

One server in test mode (plays on demand need it), a campaign whose winning variant draws
from a pool of 100,000 codes (75 % win), and wrk -t2 -c32 alternating between event ingest
(post.lua) and plays (plays.lua, one play per request). Target: plays >= 0.5 x ingest,
as a ratio within each round. A play that answers non-2xx, or a code issued twice, is
reported and the script exits 1.
"""

import argparse
import contextlib
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

import harness
import requests
import servers

CAMPAIGN = "bench-pool"


def fixtures_with_pool(into: Path, codes: int) -> Path:
    """Return a copy of fixtures/ whose pools/ folder holds bench-pool.txt with `codes` codes."""
    folder = into / "fixtures"
    shutil.copytree(harness.ROOT / "fixtures", folder)
    (folder / "pools" / "bench-pool.txt").write_text(
        "\n".join(f"B{i:07d}" for i in range(codes)) + "\n"
    )
    return folder


SHEET = (
    "Campaign ID,Campaign Type,Reward Variant,Reward Type,Coupon Codes,Winning chance Percentage\n"
    f"{CAMPAIGN},scratchcard,code,coupons,bench-pool.txt,75\n"
).encode()


def main(argv=None) -> int:
    """Run the rounds; print the table; exit 1 on a broken run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    harness.load_arguments(parser, rounds=3, duration="10s", warm="2s")
    parser.add_argument("--codes", type=int, default=100_000)
    args = harness.parse_load_arguments(parser, argv)
    if args.smoke:
        args.codes = 5_000
    data = Path(tempfile.mkdtemp(prefix="bench-draws-"))
    fixtures = fixtures_with_pool(Path(tempfile.mkdtemp(prefix="bench-draws-fx-")), args.codes)
    env = {
        "SANDBOX_TEST_MODE": "1",
        "SANDBOX_ADMIN_TOKEN": "bench-admin",
        "SANDBOX_FIXTURES_DIR": str(fixtures),
    }
    server = servers.sandbox(data, args.workers, args.threads, env)
    problems, rows = [], []
    try:
        plays_url = f"{server.url}/_sandbox/tenants/{harness.DEMO_TENANT}/plays"
        answer = requests.post(
            f"{server.url}/_sandbox/tenants/{harness.DEMO_TENANT}/campaigns/import",
            data=SHEET,
            headers={"X-Sandbox-Admin-Token": "bench-admin", "Content-Type": "text/csv"},
            timeout=60,
        )
        if answer.status_code != 200:
            sys.exit(f"the bench sheet did not import: {answer.text}")
        harness.wrk(server.url + "/server/v4", "post.lua", args.warm, args=(harness.nonce(),))
        harness.wrk(plays_url, "plays.lua", args.warm, args=(CAMPAIGN,))
        for r in range(args.rounds):
            ingest = harness.wrk(
                server.url + "/server/v4", "post.lua", args.duration, args=(harness.nonce(),)
            )
            plays = harness.wrk(plays_url, "plays.lua", args.duration, args=(CAMPAIGN,))
            for label, result in (("ingest", ingest), ("plays", plays)):
                if result["err_status"] or result["socket_errors"]:
                    problems.append(
                        f"round {r + 1} {label}: {result['err_status']} non-2xx, "
                        f"{result['socket_errors']} socket errors"
                    )
            rows.append((ingest, plays))
            print(
                f"round {r + 1}: ingest {ingest['rps']:,.0f} req/s, plays {plays['rps']:,.0f} "
                f"plays/s, ratio {plays['rps'] / ingest['rps']:.2f}",
                flush=True,
            )
    finally:
        server.stop()
    with contextlib.closing(sqlite3.connect(data / "sandbox.db")) as conn:
        issued, distinct = conn.execute(
            "SELECT count(code), count(DISTINCT code) FROM draws WHERE code IS NOT NULL"
        ).fetchone()
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(fixtures.parent, ignore_errors=True)
    if issued != distinct:
        problems.append(f"{issued} codes issued, {distinct} distinct")
    ratios = [p["rps"] / i["rps"] for i, p in rows]
    print(f"\n{harness.machine()}\n{harness.load_label(args.duration)}, {args.rounds} round(s)")
    print("| round | ingest req/s | plays/s | plays / ingest | plays p99 ms |")
    print("|---:|---:|---:|---:|---:|")
    for n, ((i, p), ratio) in enumerate(zip(rows, ratios, strict=True), start=1):
        print(f"| {n} | {i['rps']:,.0f} | {p['rps']:,.0f} | {ratio:.2f} | {p['p99_ms']} |")
    print(
        f"median plays / ingest: {statistics.median(ratios):.2f} (target >= 0.5); "
        f"codes issued {issued:,}, all distinct: {issued == distinct}"
    )
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
