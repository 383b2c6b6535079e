"""Memory benchmark: the sandbox's RSS at start, after 100k and after 1M events, retention on.

    python bench/memory.py                  # 1,000,000 events (about 15 minutes here)
    python bench/memory.py --smoke          # 2,000 / 10,000 events (CI)

The journal lives on disk, so memory should stay flat while events pour in; retention
(SANDBOX_JOURNAL_MAX_ENTRIES, default here 100,000) keeps the database bounded too,
pruning in the writer's housekeeping without stopping ingest.
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import harness
import servers


def main(argv=None) -> int:
    """Pour events in with wrk, sampling memory at the marks; print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--mark", type=int, default=100_000)
    parser.add_argument(
        "--retention", type=int, default=100_000, help="SANDBOX_JOURNAL_MAX_ENTRIES for the run"
    )
    parser.add_argument("--workers", type=int, default=harness.WORKERS)
    parser.add_argument("--threads", type=int, default=harness.THREADS)
    parser.add_argument("--chunk", default="10s", help="wrk run length between samples")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.smoke:
        args.events, args.mark, args.retention, args.chunk = 10_000, 2_000, 5_000, "1s"
    data = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    server = servers.sandbox(
        data, args.workers, args.threads, {"SANDBOX_JOURNAL_MAX_ENTRIES": str(args.retention)}
    )
    # "Start" is the server ready: servers.sandbox returns once every worker answers.
    samples = [("start", 0, server.memory_mb())]
    sent = 0
    try:
        marks = [args.mark, args.events]
        while marks:
            result = harness.wrk(
                server.url + "/server/v4", "post.lua", args.chunk, args=(harness.nonce(),)
            )
            if result["err_status"] or result["socket_errors"]:
                print(f"errors during load: {result}", file=sys.stderr)
                return 1
            sent += result["ok"]
            while marks and sent >= marks[0]:
                samples.append((f"after {marks.pop(0):,} events", sent, server.memory_mb()))
                print(f"  {samples[-1]}", flush=True)
    finally:
        server.stop()
    conn = harness.open_journal(data)
    try:
        journal_rows = conn.execute("SELECT count(*) FROM journal").fetchone()[0]
        event_rows = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        conn.close()
    size = harness.store_bytes(data)
    shutil.rmtree(data, ignore_errors=True)
    print(
        f"\n{harness.machine()}\nsandbox gunicorn gevent -w {args.workers}, "
        f"retention {args.retention:,} entries\n"
    )
    print("| moment | events acknowledged | RSS MB (tree) | PSS MB | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for name, count, mem in samples:
        print(f"| {name} | {count:,} | {mem['rss_mb']} | {mem['pss_mb']} | {mem['hwm_mb']} |")
    growth = samples[-1][2]["rss_mb"] - samples[0][2]["rss_mb"]
    print(f"\n  RSS growth start -> end: {growth:+.1f} MB")
    print(
        f"  rows kept: journal {journal_rows:,}, events {event_rows:,} "
        f"(retention {args.retention:,}); database files {size / 1e6:,.0f} MB"
    )
    if args.json:
        harness.save_results(
            args.json,
            {
                "samples": samples,
                "growth_mb": growth,
                "journal_rows": journal_rows,
                "event_rows": event_rows,
                "db_bytes": size,
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
