"""Durability: kill -9 the server under load; every acknowledged event must be in the store.

    python bench/durability.py                   # 5 rounds of 10 s each
    python bench/durability.py --rounds 1 --seconds 2    # the short form CI runs (via pytest)

Each round: start the sandbox (same data dir every round), post events from several
keep-alive connections recording every 200 (event_id and X-Sandbox-Request-Id), kill -9
the whole server (master and workers) mid-load, restart it, and check that every
acknowledged event_id is in `events` and every acknowledged request in `journal`.
"""

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import harness
import servers

sys.path.insert(0, str(harness.ROOT))  # the load and the tally are the test's (tests/)
from tests import kill_under_load  # noqa: E402


def one_round(
    data_dir: Path,
    seconds: float,
    connections: int = 16,
    workers: int = harness.WORKERS,
    threads: int = harness.THREADS,
) -> dict:
    """Load, kill -9, restart, verify; return the counts (lost must be 0)."""
    server = servers.sandbox(data_dir, workers, threads)
    run = harness.nonce()
    stop, acked, loaders = kill_under_load.load(server.url, harness.DEMO_KEY, run, connections)
    time.sleep(seconds)
    server.kill()  # mid-load: requests in flight die unanswered
    stop.set()
    for t in loaders:
        t.join(10)
    restarted = servers.sandbox(data_dir, workers, threads)  # must come up on the same data
    restarted.stop()
    return kill_under_load.tally(data_dir, run, acked)


def main(argv=None) -> int:
    """Run the rounds and print what each kept; exit 1 if any acknowledged event was lost."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--smoke", action="store_true", help="1 round of 2 s")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.seconds = 1, 2
    data = Path(tempfile.mkdtemp(prefix="bench-durability-"))
    try:
        return _rounds(args, data)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def _rounds(args, data: Path) -> int:
    failed = False
    print(
        "| round | acknowledged | stored (of this round) | journaled | lost events | "
        "lost journal entries |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for i in range(1, args.rounds + 1):
        r = one_round(data, args.seconds)
        failed |= bool(r["lost_events"] or r["lost_journal_entries"])
        print(
            f"| {i} | {r['acknowledged']:,} | {r['stored']:,} | {r['journaled']:,} | "
            f"{r['lost_events']} | {r['lost_journal_entries']} |",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
