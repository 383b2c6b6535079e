"""The inspector's feed: ingest with 5 inspectors connected beside none, the delay from a 200
to its frame at half the ingest rate, a 10,000-entry backfill, memory under a slow inspector.

Targets (ratios from one run, same machine, same minutes):
  ingest with 5 inspectors / ingest with none >= 0.9
  200 -> frame in the inspector, at half the ingest rate: p99 <= 100 ms
  backfill of 10,000 entries <= 2 s; RSS flat while an inspector that reads nothing falls behind

    python bench/feed.py            # 10 s rounds
    python bench/feed.py --smoke    # a second or two each (CI)
"""

import argparse
import json
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import harness
import requests
import servers
from simple_websocket import Client

ADMIN = "bench-admin"


class Inspector:
    """A WebSocket client that reads every frame and notes when each request id arrived."""

    def __init__(self, url: str, query: str, parse: bool = True):
        self.ws = Client.connect(f"{url}/_sandbox/feed?token={ADMIN}&{query}")
        # Parsing every frame costs this client CPU the server shares (two cores): while
        # ingest is measured, frames are only counted.
        self.parse = parse
        self.arrived: dict[str, float] = {}
        self.items = 0
        self.caught_up = threading.Event()
        self._stop = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self._stop:
            try:
                raw = self.ws.receive(timeout=0.5)
            except Exception:
                return
            if raw is None:
                continue
            now = time.perf_counter()
            if not self.parse:
                if '"caught_up"' in raw[:40]:
                    self.caught_up.set()
                self.items += raw.count('"kind":')
                continue
            frame = json.loads(raw)
            if frame["type"] == "caught_up":
                self.caught_up.set()
            for item in frame.get("items", ()):
                self.items += 1
                self.arrived[item["id"]] = now

    def close(self) -> None:
        self._stop = True
        self.ws.close()


def slow_inspector(url: str) -> socket.socket:
    """Open a feed socket and never read from it: the server must not buffer for it."""
    host, port = url.split("//")[1].split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(
        (
            f"GET /_sandbox/feed?token={ADMIN}&backfill=0 HTTP/1.1\r\nHost: {host}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        ).encode()
    )
    return sock


def latencies(url: str, rate: float, seconds: float, inspector: Inspector) -> list[float]:
    """Post events at `rate`/s; return ms from each 200 to its frame at the inspector."""
    sent: dict[str, float] = {}
    local = threading.local()
    interval = 1.0 / rate

    def one(n: int) -> None:
        s = getattr(local, "s", None) or requests.Session()
        local.s = s
        body = {
            "event_id": f"lat-{n}-{harness.nonce()}",
            "event_name": "appOpen",
            "user_id": f"u{n % 100}",
            "timestamp": "2026-12-02T10:00:00Z",
            "event_properties": {},
        }
        r = s.post(f"{url}/server/v4", json=body, headers={"x-api-key": harness.DEMO_KEY})
        sent[r.headers["X-Sandbox-Request-Id"]] = time.perf_counter()

    count = int(rate * seconds)
    start = time.perf_counter()
    with ThreadPoolExecutor(32) as pool:
        for n in range(count):
            delay = start + n * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, n)
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and not all(k in inspector.arrived for k in sent):
        time.sleep(0.05)
    return [
        max(0.0, (inspector.arrived[k] - t) * 1000)
        for k, t in sent.items()
        if k in inspector.arrived
    ], len(sent)


def main(argv=None) -> int:
    """Run the four measures; print the table; exit 1 on a broken run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    harness.load_arguments(parser, rounds=1, duration="10s", warm="2s")
    args = harness.parse_load_arguments(parser, argv)
    data = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    server = servers.sandbox(data, args.workers, args.threads, {"SANDBOX_ADMIN_TOKEN": ADMIN})
    url, out, problems = server.url, {}, []
    ingest = server.url + "/server/v4"
    try:
        harness.wrk(ingest, "post.lua", args.warm, args=(harness.nonce(),))
        alone = harness.wrk(ingest, "post.lua", args.duration, args=(harness.nonce(),))
        inspectors = [Inspector(url, "backfill=0", parse=False) for _ in range(5)]
        for i in inspectors:
            i.caught_up.wait(10)
        watched = harness.wrk(ingest, "post.lua", args.duration, args=(harness.nonce(),))
        time.sleep(1)
        out["ingest_none"], out["ingest_5"] = alone["rps"], watched["rps"]
        out["frames_per_inspector"] = statistics.median(i.items for i in inspectors)
        for label, r in (("alone", alone), ("watched", watched)):
            if r["err_status"] or r["socket_errors"]:
                problems.append(f"ingest {label}: {r['err_status']} non-2xx")
        if out["frames_per_inspector"] < watched["requests"] * 0.99:
            problems.append(
                f"inspectors got {out['frames_per_inspector']} of {watched['requests']}"
            )

        rate = alone["rps"] / 2
        seconds = 2.0 if args.smoke else 8.0
        for i in inspectors[1:]:
            i.close()
        inspectors[0].parse = True  # the one that times each entry
        lat, sent = latencies(url, rate, seconds, inspectors[0])
        inspectors[0].close()
        if len(lat) < sent:
            problems.append(f"{sent - len(lat)} of {sent} events never reached the inspector")
        lat.sort()
        out["rate_asked"] = round(rate)
        out["latency_p50_ms"] = round(lat[len(lat) // 2], 1) if lat else None
        out["latency_p99_ms"] = round(lat[int(len(lat) * 0.99) - 1], 1) if lat else None

        t0 = time.perf_counter()
        fresh = Inspector(url, "backfill=10000&kinds=request")
        fresh.caught_up.wait(60)
        out["backfill_s"] = round(time.perf_counter() - t0, 3)
        out["backfill_items"] = fresh.items
        fresh.close()

        base = server.memory_mb()["rss_mb"]
        slow = [slow_inspector(url) for _ in range(3)]
        harness.wrk(ingest, "post.lua", args.duration, args=(harness.nonce(),))
        loaded = server.memory_mb()["rss_mb"]
        for s in slow:
            s.close()
        out["rss_before_mb"], out["rss_slow_mb"] = base, loaded
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
    ratio = out["ingest_5"] / out["ingest_none"]
    print(f"\n{harness.machine()}\n{harness.load_label(args.duration)}")
    print("| measure | result | target |")
    print("|---|---:|---|")
    print(
        f"| ingest with 5 inspectors / none | {out['ingest_5']:,.0f} / {out['ingest_none']:,.0f}"
        f" = {ratio:.2f} | >= 0.9 |"
    )
    print(
        f"| 200 -> frame at {out['rate_asked']:,} ev/s (half the ingest rate) | p50 "
        f"{out['latency_p50_ms']} ms, p99 {out['latency_p99_ms']} ms | p99 <= 100 ms |"
    )
    print(f"| backfill of {out['backfill_items']:,} entries | {out['backfill_s']} s | <= 2 s |")
    print(
        f"| RSS with 3 inspectors that read nothing, under load | {out['rss_before_mb']} MB -> "
        f"{out['rss_slow_mb']} MB | flat |"
    )
    print(json.dumps(out))
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
