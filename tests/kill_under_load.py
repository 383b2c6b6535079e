"""kill -9 under load, the part the test and the benchmark share: keep-alive connections that
post events and record each acknowledged one, and the count of what was acknowledged but not
stored. tests/test_durability.py runs it for two seconds; bench/durability.py for longer."""

import http.client
import json
import sqlite3
import threading
from pathlib import Path


def post_until_stopped(url: str, key: str, stop: threading.Event, acked: list, run: str, n: int):
    """Post events on one keep-alive connection until `stop` or the server dies; append
    (event_id, request id) of every 200 to `acked`."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    sent = 0
    try:
        while not stop.is_set():
            sent += 1
            event_id = f"{run}-{n}-{sent}"
            body = {
                "event_id": event_id,
                "event_name": "durability",
                "user_id": f"u{n}",
                "timestamp": "2026-11-27T10:00:00Z",
                "event_properties": {"n": sent},
            }
            headers = {"Content-Type": "application/json", "x-api-key": key}
            try:
                conn.request("POST", "/server/v4", json.dumps(body), headers)
                answer = conn.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException):
                return  # the server died: what was in flight is unacknowledged
            if answer.status == 200:
                acked.append((event_id, answer.getheader("X-Sandbox-Request-Id")))
    finally:
        conn.close()


def load(url: str, key: str, run: str, connections: int) -> tuple[threading.Event, list, list]:
    """Start `connections` posting threads; return (their stop, acked, the threads)."""
    stop, acked = threading.Event(), []
    threads = [
        threading.Thread(
            target=post_until_stopped, args=(url, key, stop, acked, run, i), daemon=True
        )
        for i in range(connections)
    ]
    for t in threads:
        t.start()
    return stop, acked, threads


def tally(data_dir: Path, run: str, acked: list) -> dict:
    """Return what was acknowledged, stored and journaled for run `run`, and what was lost."""
    from sandbox.store.shards import ShardReader

    conn = sqlite3.connect(Path(data_dir) / "sandbox.db")
    try:
        ShardReader(data_dir).refresh(conn)  # `journal` and `events` over every shard
        like = (f"{run}-%",)
        stored = {
            r[0] for r in conn.execute("SELECT event_id FROM events WHERE event_id LIKE ?", like)
        }
        journaled = {
            r[0] for r in conn.execute("SELECT request_id FROM journal WHERE event_id LIKE ?", like)
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
