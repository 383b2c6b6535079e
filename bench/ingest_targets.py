"""bench/ingest.py's targets: start each, warm it up, measure it, count what it stored.

Each returns wrk's result (and, for the sandbox, its explained-401 run as well) with the
memory the server held and, where it stores events, how many it stored against how many
it acknowledged: a lost acknowledged event fails the run.
"""

import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path

import harness
import servers

# Blocking threads per granian worker. The no-op: 4. The sandbox: 4 measured best while the
# writer committed whatever had queued (16: 0.92 x that); since it lingers under load (store/
# intake.py), 16 let more requests share a commit: 5,317-5,742 req/s against 4,320-4,383 at 4
# and 4,728-4,964 at 32 (two alternating rounds of 8 s).
GRANIAN_THREADS = 4
GRANIAN_SANDBOX_THREADS = 16


def warm_and_measure(
    server: servers.Server, script: str, warm: str, duration: str, path: str = "/server/v4"
) -> tuple[dict, dict]:
    """Run a discarded warm-up, then the measured run; return both results.

    Halfway through the measured run, the connections each worker holds are counted
    (`connections`: fewest first; none for a single process such as WireMock's).
    """
    warmup = harness.wrk(server.url + path, script, warm, args=(harness.nonce(),))
    spread: list = []
    sample = threading.Timer(
        harness.seconds(duration) / 2, lambda: spread.extend(server.connections())
    )
    sample.start()
    try:
        measured = harness.wrk(server.url + path, script, duration, args=(harness.nonce(),))
    finally:
        sample.cancel()
        sample.join()
    measured["connections"] = spread
    return warmup, measured


def measured(args, server: servers.Server) -> dict:
    """Warm up and measure a started server that stores nothing, with its memory; stop it."""
    try:
        _warm, result = warm_and_measure(server, "post.lua", args.warm, args.duration)
        result["memory"] = server.memory_mb()
    finally:
        server.stop()
    return result


def bench_noop(args, workers: int, threads: int) -> dict:
    return measured(args, servers.noop(workers, threads))


def bench_granian_noop(args) -> dict:
    return measured(
        args, servers.granian("noop_app:app", args.workers, GRANIAN_THREADS, cwd=servers.HERE)
    )


def bench_uwsgi_noop(args) -> dict:
    return measured(args, servers.uwsgi("noop_app:app", args.workers, cwd=servers.HERE))


def bench_sandbox(args, start=servers.sandbox, threads=None) -> tuple[dict, dict]:
    data = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    server = start(data, args.workers, threads or args.threads)
    try:
        start_memory = server.memory_mb()
        warm, ingest = warm_and_measure(server, "post.lua", args.warm, args.duration)
        ingest["memory_start"] = start_memory
        ingest["memory"] = server.memory_mb()
        _w, rejected = warm_and_measure(server, "rejected.lua", args.warm, args.duration)
    finally:
        server.stop()
    conn = harness.open_journal(data)
    try:
        ingest["events_stored"] = conn.execute(
            "SELECT count(*) FROM events WHERE event_id != 'rej'"
        ).fetchone()[0]
        ingest["journal_200"] = conn.execute(
            "SELECT count(*) FROM journal WHERE status = 200"
        ).fetchone()[0]
        rejected["journal_401"] = conn.execute(
            "SELECT count(*) FROM journal WHERE status = 401"
        ).fetchone()[0]
    finally:
        conn.close()
    ingest["acknowledged"] = warm["ok"] + ingest["ok"]
    shutil.rmtree(data, ignore_errors=True)
    return ingest, rejected


def bench_floor(args, granian: bool = False, app: str = "floor_app:app") -> dict:
    data = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    if granian:
        server = servers.floor_granian(data, args.workers, GRANIAN_SANDBOX_THREADS)
    else:
        server = servers.floor(data, args.workers, app)
    try:
        warm, result = warm_and_measure(server, "post.lua", args.warm, args.duration)
        result["memory"] = server.memory_mb()
    finally:
        server.stop()
    stored = 0
    for shard in data.glob("journal-*.db"):
        conn = sqlite3.connect(shard)
        try:
            stored += conn.execute("SELECT count(*) FROM floor").fetchone()[0]
        except sqlite3.OperationalError:  # a shard no worker wrote to
            pass
        finally:
            conn.close()
    result["events_stored"], result["acknowledged"] = stored, warm["ok"] + result["ok"]
    shutil.rmtree(data, ignore_errors=True)
    return result


def bench_baseline(args) -> tuple[dict, dict]:
    """The sandbox at args.baseline, under that revision's own default server."""
    return bench_sandbox(
        args, lambda data, w, t: servers.sandbox(data, w, t, tree=args.baseline_tree)
    )


def bench_wiremock(args) -> dict:
    root = Path(tempfile.mkdtemp(prefix="bench-wiremock-"))
    try:
        return measured(args, servers.wiremock(root))
    finally:
        shutil.rmtree(root, ignore_errors=True)
