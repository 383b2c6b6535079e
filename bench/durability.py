"""Durability: kill -9 the server under load; every acknowledged event must be in the store.

    python bench/durability.py                   # 5 rounds of 10 s each
    python bench/durability.py --rounds 1 --seconds 2    # the short form CI runs (via pytest)

Each round: start the sandbox (same data dir every round), post events from several
keep-alive connections recording every 200 (event_id and X-Sandbox-Request-Id), kill -9
the whole server (master and workers) mid-load, restart it, and check that every
acknowledged event_id is in `events` and every acknowledged request in `journal`.
"""

import argparse
import http.client
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import harness
import servers


def _load(url: str, stop: threading.Event, acked: list, run: str, worker: int) -> None:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        _post_until_stopped(conn, stop, acked, run, worker)
    finally:
        conn.close()


def _post_until_stopped(conn, stop: threading.Event, acked: list, run: str, worker: int) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        event_id = f"{run}-{worker}-{n}"
        body = json.dumps(
            {
                "event_id": event_id,
                "event_name": "durability",
                "user_id": f"u{worker}",
                "timestamp": "2026-11-27T10:00:00Z",
                "event_properties": {"n": n},
            }
        )
        try:
            conn.request(
                "POST",
                "/server/v4",
                body,
                {"Content-Type": "application/json", "x-api-key": harness.DEMO_KEY},
            )
            resp = conn.getresponse()
            resp.read()
        except (OSError, http.client.HTTPException):
            return  # the server died: stop this connection (unacknowledged in flight)
        if resp.status == 200:
            acked.append((event_id, resp.getheader("X-Sandbox-Request-Id")))


def one_round(
    data_dir: Path,
    seconds: float,
    connections: int = 16,
    workers: int = harness.WORKERS,
    threads: int = harness.THREADS,
) -> dict:
    """Load, kill -9, restart, verify; return the counts (lost must be 0)."""
    server = servers.sandbox(data_dir, workers, threads)
    run, stop, acked = harness.nonce(), threading.Event(), []
    loaders = [
        threading.Thread(target=_load, args=(server.url, stop, acked, run, i), daemon=True)
        for i in range(connections)
    ]
    for t in loaders:
        t.start()
    time.sleep(seconds)
    server.kill()  # mid-load: requests in flight die unanswered
    stop.set()
    for t in loaders:
        t.join(10)
    restarted = servers.sandbox(data_dir, workers, threads)  # must come up on the same data
    restarted.stop()
    conn = harness.open_journal(data_dir)
    try:
        stored = {
            r[0]
            for r in conn.execute(
                "SELECT event_id FROM events WHERE event_id LIKE ?", (f"{run}-%",)
            )
        }
        journaled = {
            r[0]
            for r in conn.execute(
                "SELECT request_id FROM journal WHERE event_id LIKE ?", (f"{run}-%",)
            )
        }
    finally:
        conn.close()
    lost_events = [e for e, _ in acked if e not in stored]
    lost_entries = [r for _, r in acked if r not in journaled]
    return {
        "acknowledged": len(acked),
        "stored": len(stored),
        "journaled": len(journaled),
        "lost_events": len(lost_events),
        "lost_journal_entries": len(lost_entries),
        "examples": (lost_events + lost_entries)[:5],
    }


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
