"""What each row and index of an accepted event costs the writer, in process (issue 33).

    python bench/rowcost.py               # 30,000 events a variant, 3 rounds
    python bench/rowcost.py --smoke       # CI: 600 events, one round

An accepted event writes a journal entry, an event row and (on the demo sheet) a grant,
with 9 index entries between them. This script takes those three rows as one real
sandbox wrote them (it posts events to one and copies its shard), then commits batches of
30 events into a fresh copy of the shard's schema, WAL and synchronous=NORMAL as the
store, with fresh keys (the event_id a random UUID as clients send; the sandbox's own ids
rising). Each variant leaves one thing out, so the difference is what that thing costs
per event. One thread, the SQLite work only: the server's writer adds handing batches
between threads (bench/threads.py).
"""

import argparse
import itertools
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import harness
import servers

BATCH = 30  # events a commit: about what the writer gathers under wrk -c32
VARIANTS = {
    "everything": ((), ()),
    "without the journal's event_id index": (("idx_journal_event_id",), ()),
    "without the journal's user index": (("idx_journal_user_id_id",), ()),
    "without the events' tenant/user index": (("idx_events_tenant_id_user_id",), ()),
    "without the grants' index": (("idx_reward_users",), ()),
    "without the grants' event index": (("idx_reward_users_event",), ()),
    "without the event row": ((), ("events",)),
    "without the grant row": ((), ("reward_users",)),
}


def template_shard(root: Path) -> Path:
    """Run a sandbox for a second of ingest; return a copy of its journal shard."""
    data = root / "data"
    data.mkdir()
    server = servers.sandbox(data, 1, 4)
    try:
        harness.wrk(server.url + "/server/v4", "post.lua", "1s", args=(harness.nonce(),))
    finally:
        server.stop()
    return data / "journal-0.db"


def template_rows(shard: Path) -> dict:
    """Return one row of each table an accepted event writes: {table: (columns, values)}."""
    conn = sqlite3.connect(shard)
    try:
        rows = {}
        for table in ("journal", "events", "reward_users"):
            cur = conn.execute(f"SELECT * FROM {table} ORDER BY rowid DESC LIMIT 1")
            rows[table] = ([d[0] for d in cur.description], list(cur.fetchone()))
        return rows
    finally:
        conn.close()


def empty_copy(shard: Path, path: Path) -> None:
    """Copy the shard's schema (every table and index, no rows) to `path`."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(shard), sqlite3.connect(path)
    try:
        src.backup(dst)
        for table in ("journal", "events", "reward_users", "journal_marks"):
            dst.execute(f"DELETE FROM {table}")
        dst.execute("INSERT INTO journal_fts(journal_fts) VALUES ('delete-all')")
        dst.commit()
        dst.execute("VACUUM")
    finally:
        src.close()
        dst.close()


def fill(path: Path, rows: dict, skip_tables: tuple, events: int) -> float:
    """Commit `events` accepted events in batches; return microseconds per event."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    statements = {}
    for table, (columns, _values) in rows.items():
        marks = ",".join("?" * len(columns))
        statements[table] = f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})"
    numbers = itertools.count(1)
    started = time.perf_counter()
    for _ in range(events // BATCH):
        batch: dict = {table: [] for table in rows if table not in skip_tables}
        for _ in range(BATCH):
            n = next(numbers)
            keys = {
                "id": n,
                "request_id": f"req_0123456789{n:010x}",
                "uid": f"evt_0123456789{n:010x}",
                "reward_user_id": f"ru_0123456789{n:010x}",
                "event_id": str(uuid.uuid4()),
                "user_id": f"u{n % 1000}",
            }
            for table in batch:
                columns, values = rows[table]
                row = [keys.get(c, v) for c, v in zip(columns, values, strict=True)]
                if table == "events":
                    row[columns.index("request_id")] = keys["request_id"]
                batch[table].append(row)
        conn.execute("BEGIN")
        for table, values in batch.items():
            conn.executemany(statements[table], values)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed / (events // BATCH * BATCH) * 1e6


def measure(shard: Path, rows: dict, variant: str, events: int, root: Path) -> float:
    """Return microseconds per event for one variant, on a fresh empty copy."""
    drop_indexes, skip_tables = VARIANTS[variant]
    path = root / "variant.db"
    empty_copy(shard, path)
    conn = sqlite3.connect(path)
    for index in drop_indexes:
        conn.execute(f"DROP INDEX {index}")
    conn.commit()
    conn.close()
    return fill(path, rows, skip_tables, events)


def main(argv=None) -> int:
    """Measure every variant in turn, round after round; print the medians."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="one round of 600 events")
    args = parser.parse_args(argv)
    if args.smoke:
        args.events, args.rounds = 600, 1
    root = Path(tempfile.mkdtemp(prefix="bench-rowcost-"))
    try:
        shard = template_shard(root)
        rows = template_rows(shard)
        results: dict = {v: [] for v in VARIANTS}
        for r in range(args.rounds):
            order = list(VARIANTS)[r % len(VARIANTS) :] + list(VARIANTS)[: r % len(VARIANTS)]
            for variant in order:
                results[variant].append(measure(shard, rows, variant, args.events, root))
            print(f"  round {r + 1} done", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    base = statistics.median(results["everything"])
    print(f"\nsqlite {sqlite3.sqlite_version}; {args.events:,} events a variant in batches of")
    print(f"{BATCH}, {args.rounds} round(s), medians; one thread, WAL, synchronous=NORMAL\n")
    print("| variant | us per event | saves |")
    print("|---|---:|---:|")
    for variant, values in results.items():
        us = statistics.median(values)
        saved = "" if variant == "everything" else f"{base - us:.1f} us ({(base - us) / base:.0%})"
        print(f"| {variant} | {us:.1f} | {saved} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
