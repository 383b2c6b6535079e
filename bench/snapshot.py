"""Snapshot benchmark: save and restore a sandbox of a million journal entries, and ingest while
a snapshot is being taken.

    python bench/snapshot.py               # 1,000,000 entries (the build takes minutes)
    python bench/snapshot.py --smoke       # 5,000 entries; exit 1 if a save or restore fails (CI)

The sandbox is built as bench/scale.py builds it (real seed traffic, multiplied in the files
over ten days). Then, against the running server (gunicorn, the default workers):
- `POST /_sandbox/snapshots` and `POST /_sandbox/snapshots/<name>/restore`, timed, `--rounds`
  times each (targets: each <= 10 s at 1,000,000 entries);
- ingest (wrk, post.lua) alone, then while snapshots are taken back to back, rounds in turn;
  the ratio of the two (target >= 0.7).
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import harness
import requests
import scale
import servers

ADMIN = scale.ADMIN


def timed(method: str, url: str, **kwargs) -> float:
    """Return the seconds an admin call took; raise on an error answer."""
    started = time.monotonic()
    answer = requests.request(method, url, headers=ADMIN, timeout=600, **kwargs)
    took = time.monotonic() - started
    if answer.status_code != 200:
        raise RuntimeError(f"{method} {url}: {answer.status_code} {answer.text[:300]}")
    return took


def ingest_while_saving(server, duration: str) -> tuple[float, int]:
    """Return (ingest req/s, snapshots taken) with snapshots taken back to back meanwhile."""
    done, taken = threading.Event(), [0]

    def save():
        while not done.is_set():
            timed(
                "POST", f"{server.url}/_sandbox/snapshots", json={"name": "busy", "replace": True}
            )
            taken[0] += 1

    saver = threading.Thread(target=save)
    saver.start()
    try:
        rps = scale.ingest(server, duration)
    finally:
        done.set()
        saver.join()
    return rps, taken[0]


def main(argv=None) -> int:
    """Build, then time saves, restores and ingest beside saves; print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ingest", default="10s", help="each wrk run")
    parser.add_argument("--smoke", action="store_true", help="5,000 entries, one round (CI)")
    parser.add_argument("--tree", type=Path, default=harness.ROOT, help="the checkout measured")
    args = parser.parse_args(argv)
    if args.smoke:
        args.entries, args.rounds, args.ingest = 5_000, 1, "1s"
    tree = args.tree.resolve()
    folder = Path(tempfile.mkdtemp(prefix="bench-snapshot-"))
    data = folder / "data"
    started = time.monotonic()
    scale.create_tenants(tree, data)
    server = servers.sandbox(data, harness.WORKERS, harness.THREADS, tree=tree)
    try:
        for tenant in scale.tenants(data):
            scale.seed(server, tenant, args.smoke)
        time.sleep(2)
    finally:
        server.stop()
    built = scale.multiply(data, args.entries, tree)
    build_s = time.monotonic() - started
    server = servers.sandbox(data, harness.WORKERS, harness.THREADS, tree=tree, start_timeout=300)
    try:
        saves, restores = [], []
        for i in range(args.rounds):
            saves.append(timed("POST", f"{server.url}/_sandbox/snapshots", json={"name": f"s{i}"}))
            restores.append(timed("POST", f"{server.url}/_sandbox/snapshots/s{i}/restore"))
        size = sum(p.stat().st_size for p in (data / "snapshots").glob("s*.snapshot"))
        size //= args.rounds
        rounds = []
        for _ in range(args.rounds):
            alone = scale.ingest(server, args.ingest)
            beside, taken = ingest_while_saving(server, args.ingest)
            rounds.append((alone, beside, taken))
    finally:
        server.stop()
        subprocess.run(["rm", "-rf", str(folder)], check=False)

    print(f"\n{harness.machine()}")
    print(
        f"tree {tree}; {built['entries']:,} journal entries built in {build_s:.0f} s; "
        f"a snapshot is {size / 1e6:,.0f} MB\n"
    )
    print("| figure | median | rounds | target |")
    print("|---|---:|---|---|")
    print(
        f"| save (POST /_sandbox/snapshots), s | {statistics.median(saves):.2f} | "
        + ", ".join(f"{s:.2f}" for s in saves)
        + " | <= 10 |"
    )
    print(
        f"| restore (POST .../restore), s | {statistics.median(restores):.2f} | "
        + ", ".join(f"{s:.2f}" for s in restores)
        + " | <= 10 |"
    )
    ratios = [b / a for a, b, _ in rounds]
    print(
        f"| ingest while saving / alone | {statistics.median(ratios):.2f} | "
        + ", ".join(f"{b:,.0f}/{a:,.0f} ({t} saves)" for a, b, t in rounds)
        + " | >= 0.7 |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
