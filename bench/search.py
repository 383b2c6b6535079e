"""Search benchmark: answer times over a journal of 1,000,000 entries, and the size per entry.

    python bench/search.py                  # 1,000,000 entries (about 2 minutes to build)
    python bench/search.py --smoke          # 20,000 entries (CI)

The entries are made by this script in a fresh store, shaped like real ingest (a JSON
event body, masked-able headers, the passing auth checks, a 200 answer), 50,000 users.
Then the admin search (sandbox.journal.search, what GET /_sandbox/journal runs) is timed:
by event id, by user id and full-text, each as the median and worst of 25 queries.
The entries are dealt over as many journal shards as the server has workers.
"""

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import harness

sys.path.insert(0, str(harness.ROOT))
from sandbox.clock import RealClock  # noqa: E402
from sandbox.journal import filters as journal_filters  # noqa: E402
from sandbox.journal import search as journal  # noqa: E402
from sandbox.journal.retention import Maintenance  # noqa: E402
from sandbox.masking import Masker  # noqa: E402
from sandbox.store import Store, connect, dumps, migrate  # noqa: E402
from sandbox.store.shard_schema import ensure_shard  # noqa: E402
from sandbox.store.shards import SLOT_BITS  # noqa: E402

TENANT = harness.DEMO_TENANT
NAMES = [
    "completePurchase",
    "addToCart",
    "appOpen",
    "viewProduct",
    "redeemVoucher",
    "shareReferral",
    "scratchCard",
    "spinWheel",
]
CHECKS = [
    {
        "name": "key_present",
        "result": "pass",
        "expected": "the x-api-key header",
        "got": "the x-api-key header",
    },
    {"name": "key_clean", "result": "pass", "expected": "no quotes or whitespace", "got": "clean"},
    {
        "name": "key_known",
        "result": "pass",
        "expected": "the writeKey of a tenant of this sandbox",
        "got": f"Demo Partner ({TENANT})",
    },
]


def entry(i: int, rng: random.Random, t0: float) -> tuple:
    """Return one journal row (in journal.COLUMNS order) like a real ingest request."""
    user = f"user-{rng.randrange(50_000)}"
    name = rng.choice(NAMES)
    event_id = f"evt-{i:09d}"
    body = dumps(
        {
            "event_id": event_id,
            "event_name": name,
            "user_id": user,
            "timestamp": "2026-11-27T10:00:00Z",
            "event_properties": {
                "amount": rng.randrange(1, 5000),
                "sku": f"SKU{i % 997}",
                "note": f"order {i} for {user}",
            },
        }
    ).encode()
    ts = t0 + i * 0.001
    row = {
        "request_id": f"req_bench{i:012x}",
        "ts": RealClock().isoformat(ts),
        "ts_epoch": ts,
        "tenant_id": TENANT,
        "user_id": user,
        "event_id": event_id,
        "method": "POST",
        "host": "127.0.0.1:8080",
        "path": "/server/v4",
        "query": "",
        "route": "events.server_event",
        "client_addr": "127.0.0.1",
        "headers": dumps(
            {
                "Host": "127.0.0.1:8080",
                "Content-Type": "application/json",
                "X-Api-Key": harness.DEMO_KEY,
                "Content-Length": str(len(body)),
            }
        ),
        "body": body,
        "body_size": len(body),
        "status": 200,
        "response_headers": dumps({"Content-Type": "application/json"}),
        "response_body": b'{"ShardId":"shardId-000000000000","SequenceNumber":"1"}',
        "latency_ms": 2.5,
        "auth_result": "pass",
        "auth_reason": None,
        "checks": dumps(CHECKS),
        "flags": None,
        "problems": None,
        "event_name": name,
        "attribution": "tenant:verified user:verified event:verified",
    }
    return tuple(row[c] for c in journal.COLUMNS)


def build(path: Path, count: int, shards: int) -> float:
    """Fill a fresh store with `count` entries and index them; return the seconds it took.

    The entries are dealt over `shards` journal shards, as that many workers would
    write them, with the ids the writers give (shards.next_ids).
    """
    migrate(path)
    rng, t0, started = random.Random(7), time.time() - count * 0.001, time.monotonic()
    columns = ("id", *journal.COLUMNS)
    sql = f"INSERT INTO journal ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    conns = [connect(ensure_shard(path.parent, slot, connect)) for slot in range(shards)]
    first_us = int(t0 * 1e6)
    for start in range(0, count, 20_000):
        batch = [[] for _ in conns]
        for i in range(start, min(count, start + 20_000)):
            slot = i % shards
            batch[slot].append((((first_us + i * 1000) << SLOT_BITS) | slot, *entry(i, rng, t0)))
        for conn, rows in zip(conns, batch, strict=True):
            conn.execute("BEGIN")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
    for conn in conns:
        maintenance = Maintenance(RealClock(), fulltext=True, chunk=50_000)
        while maintenance(conn) < 1.0:  # index everything, as the writer would over time
            pass
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    return time.monotonic() - started


def timed(store: Store, filters: dict) -> tuple[float, int]:
    """Return (milliseconds, entries found) for one search."""
    started = time.perf_counter()  # the parse is timed too: it is part of every search
    result = journal.search(store, journal_filters.parse(filters, lambda ref: ref), Masker())
    return (time.perf_counter() - started) * 1000, result["count"]


def measure(store: Store, count: int, queries: int = 25) -> dict:
    """Time each kind of search `queries` times; return median/max ms and hits."""
    rng = random.Random(11)
    kinds = {
        "event_id": lambda: {"event_id": f"evt-{rng.randrange(count):09d}"},
        "user_id": lambda: {"user": f"user-{rng.randrange(50_000)}"},
        "full-text, rare word": lambda: {"q": f"order {rng.randrange(count)}"},
        "full-text, common word": lambda: {"q": rng.choice(NAMES)},
        "full-text + status filter": lambda: {"q": rng.choice(NAMES), "status": "2xx"},
    }
    out = {}
    for kind, make in kinds.items():
        times, hits = [], []
        for _ in range(queries):
            ms, found = timed(store, make())
            times.append(ms)
            hits.append(found)
        out[kind] = {
            "median_ms": round(statistics.median(times), 2),
            "max_ms": round(max(times), 2),
            "hits_median": statistics.median(hits),
        }
    return out


def main(argv=None) -> int:
    """Build the journal, time the searches, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help="20,000 entries (CI)")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--shards", type=int, default=harness.WORKERS, help="journal shards (one per worker)"
    )
    args = parser.parse_args(argv)
    count = 20_000 if args.smoke else args.entries
    folder = Path(tempfile.mkdtemp(prefix="bench-search-"))
    path = folder / "sandbox.db"
    try:
        seconds = build(path, count, args.shards)
        size = harness.store_bytes(folder)
        store = Store(path)
        results = measure(store, count)
        store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{harness.machine()}")
    print(
        f"{count:,} journal entries built and indexed in {seconds:.0f} s; "
        f"database {size / 1e6:,.0f} MB = {size / count:,.0f} bytes per entry\n"
    )
    print("| search (limit 50, newest first) | median ms | worst ms | hits |")
    print("|---|---:|---:|---:|")
    for kind, r in results.items():
        print(f"| {kind} | {r['median_ms']} | {r['max_ms']} | {r['hits_median']:g} |")
    if args.json:
        harness.save_results(
            args.json,
            {
                "entries": count,
                "bytes_per_entry": size / count,
                "build_seconds": seconds,
                "results": results,
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
