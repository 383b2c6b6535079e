"""Connections benchmark: ingest while thousands of streams and slow clients are held open.

    python bench/connections.py                 # 2,000 SSE + 50 WebSockets + 200 slowloris
    python bench/connections.py --model gthread # the thread-per-request model, for comparison
    python bench/connections.py --smoke         # CI: 100 + 10 + 20, short runs

One server, one run, every figure a ratio to a baseline of the same run:
1. ingest (wrk -t2 -c32, post.lua) with nothing else open: the baseline;
2. open the SSE streams (each a registered user) and the WebSockets; RSS per stream;
3. start the slow clients: each sends its request head one byte a second and, when
   the server closes it (SANDBOX_HEAD_TIMEOUT), opens again, so that as many are open
   at every moment;
4. ingest again with all of them open: rate and p99 as ratios to step 1;
5. nudges: one at a time to a random user of those streams, the time until its frame
   arrives on that user's stream (p50, p99, max);
6. close everything; RSS each second until it is back at its step-1 level (10 s at most).
A run where a request is not answered 2xx, or a nudge does not arrive, exits 1.
"""

import argparse
import json
import random
import selectors
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import harness
import requests
import servers
from simple_websocket import Client
from simple_websocket import ConnectionError as WsRefused

HERE = Path(__file__).resolve().parent
DEMO_KEY = harness.DEMO_KEY
ADMIN = "bench-admin"


def register(url: str, users: list[str]) -> dict:
    """Register users; return userId -> JWT."""
    tokens = {}
    with requests.Session() as session:
        for user in users:
            answer = session.post(
                f"{url}/user/v1/user/sdk?token=true",
                json={"userId": user, "writeKey": DEMO_KEY, "deviceType": "android"},
                timeout=10,
            )
            answer.raise_for_status()
            tokens[user] = answer.json()["data"]["token"]
    return tokens


class Streams:
    """SSE streams on raw sockets, read by one thread: when each frame arrived, per user."""

    def __init__(self, url: str, client_id: str, users: list[str]):
        host, port = url.rsplit("/", 1)[-1].split(":")
        self.sel = selectors.DefaultSelector()
        self.arrived: dict[str, list[float]] = {u: [] for u in users}
        self.refused = 0
        self.lock = threading.Lock()
        self.socks = []
        for user in users:
            sock = socket.create_connection((host, int(port)), timeout=10)
            sock.sendall(
                f"GET /sse?userId={user}&clientId={client_id} HTTP/1.1\r\nHost: b\r\n"
                "Accept: text/event-stream\r\n\r\n".encode()
            )
            sock.setblocking(False)
            self.sel.register(sock, selectors.EVENT_READ, [user, b"", False])
            self.socks.append(sock)
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while self.running:
            for key, _ in self.sel.select(0.2):
                state = key.data
                try:
                    chunk = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    self.sel.unregister(key.fileobj)
                    continue
                now = time.monotonic()
                if not state[2]:  # the head: was the stream accepted?
                    state[2] = True
                    if not chunk.startswith(b"HTTP/1.1 200"):
                        with self.lock:
                            self.refused += 1
                count = chunk.count(b"\ndata: ")
                if count:
                    with self.lock:
                        self.arrived[state[0]].extend([now] * count)

    def open_count(self) -> int:
        """Return how many streams are still registered (open, answered 200)."""
        return len(self.sel.get_map()) if self.running else 0

    def close(self) -> None:
        """Close every socket."""
        self.running = False
        self.thread.join(2)
        for sock in self.socks:
            sock.close()


class SlowClients:
    """Connections that send a request head one byte a second, reopened when closed."""

    def __init__(self, url: str, count: int):
        host, port = url.rsplit("/", 1)[-1].split(":")
        self.addr = (host, int(port))
        self.count = count
        self.socks: list = [None] * count
        self.reopened = 0
        self.running = True
        for i in range(count):
            self.socks[i] = self._open()
        self.thread = threading.Thread(target=self._drip, daemon=True)
        self.thread.start()

    def _open(self):
        sock = socket.create_connection(self.addr, timeout=5)
        sock.sendall(b"POST /server/v4 HTTP/1.1\r\n")
        return sock

    def _drip(self) -> None:
        while self.running:
            for i, sock in enumerate(self.socks):
                try:
                    sock.send(b"X")
                except OSError:  # closed by the server's head timeout: come back
                    sock.close()
                    try:
                        self.socks[i] = self._open()
                        self.reopened += 1
                    except OSError:
                        pass
            time.sleep(1)

    def close(self) -> None:
        """Stop dripping and close every socket."""
        self.running = False
        self.thread.join(3)
        for sock in self.socks:
            if sock is not None:
                sock.close()


def ingest(url: str, duration: str) -> dict:
    """Run the ingest load; return its numbers."""
    return harness.wrk(url + "/server/v4", "post.lua", duration, args=(harness.nonce(),))


def nudge_latencies(url: str, tokens: dict, streams: Streams, sends: int) -> list[float]:
    """Send `sends` test nudges to random users; return each one's seconds until arrival."""
    latencies = []
    users = list(tokens)
    rng = random.Random(7)
    with requests.Session() as session:
        for _ in range(sends):
            user = rng.choice(users)
            with streams.lock:
                before = len(streams.arrived[user])
            start = time.monotonic()
            try:
                session.post(
                    f"{url}/integrations/v1/nudge/sdk/test",
                    json={"userId": user},
                    headers={"Authorization": f"Bearer {tokens[user]}"},
                    timeout=10,
                ).raise_for_status()
            except OSError:  # requests' errors are OSErrors: not answered, not sent
                latencies.append(float("inf"))
                continue
            deadline = start + 5
            while time.monotonic() < deadline:
                with streams.lock:
                    times = streams.arrived[user][before:]
                if times:
                    latencies.append(times[0] - start)
                    break
                time.sleep(0.002)
            else:
                latencies.append(float("inf"))
    return latencies


def wait_for(predicate, timeout: float) -> bool:
    """Poll `predicate` until true or timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def health(url: str) -> dict:
    """Return /_sandbox/health's streams section ({"open": -1} if it does not answer)."""
    try:
        return requests.get(url + "/_sandbox/health", timeout=10).json()["streams"]
    except (OSError, ValueError):  # a starved server (the gthread model) may not answer
        return {"open": -1}


def run(args) -> dict:
    """Measure one server; return the figures and the problems seen."""
    data = Path(tempfile.mkdtemp(prefix="bench-connections-"))
    env = {"SANDBOX_SERVER_MODEL": args.model, "SANDBOX_ADMIN_TOKEN": ADMIN}
    server = servers.sandbox(data, args.workers, args.threads, env)
    problems, out = [], {"model": args.model, "workers": args.workers}
    streams = slow = None
    sockets = []
    try:
        url = server.url
        client_id = requests.get(
            f"{url}/_sandbox/tenants", headers={"X-Sandbox-Admin-Token": ADMIN}, timeout=10
        ).json()["tenants"][0]["id"]
        users = [f"bench-sse-{i}" for i in range(args.sse)]
        tokens = register(url, users[: args.nudge_users])
        ingest(url, args.warm)
        base = ingest(url, args.duration)
        rss_base = server.memory_mb()["rss_mb"]
        out["base"] = {k: base[k] for k in ("rps", "p50_ms", "p99_ms")}

        streams = Streams(url, client_id, users)
        refused = 0
        for _ in range(args.ws):
            try:
                sockets.append(
                    Client.connect(f"ws://{url.split('//')[1]}/_sandbox/ws/echo?token={ADMIN}")
                )
            except (OSError, WsRefused):  # a starved server resets or refuses
                refused += 1
        if refused:
            problems.append(f"{refused} of {args.ws} WebSockets could not connect")
        want = args.sse + args.ws
        if not wait_for(lambda: health(url)["open"] >= want, 30):
            problems.append(f"only {health(url)['open']} of {want} streams open")
        time.sleep(2)
        rss_open = server.memory_mb()["rss_mb"]
        out["rss"] = {
            "base_mb": rss_base,
            "streams_open_mb": rss_open,
            "kb_per_stream": round((rss_open - rss_base) * 1024 / max(1, want), 1),
        }
        slow = SlowClients(url, args.slow)
        time.sleep(1)
        loaded = ingest(url, args.duration)
        out["loaded"] = {k: loaded[k] for k in ("rps", "p50_ms", "p99_ms")}
        out["loaded"]["slow_reopened"] = slow.reopened
        out["ratio_rps"] = round(loaded["rps"] / base["rps"], 3)
        out["ratio_p99"] = round(loaded["p99_ms"] / base["p99_ms"], 3)
        for label, result in (("baseline", base), ("loaded", loaded)):
            if result["err_status"] or result["socket_errors"]:
                problems.append(
                    f"{label} ingest: {result['err_status']} non-2xx, "
                    f"{result['socket_errors']} socket errors"
                )
        echo = sockets[0] if sockets else None
        if echo is not None:
            echo.send("ping")
            if echo.receive(timeout=5) != "ping":
                problems.append("the WebSocket echo did not answer under load")
        if not tokens:
            problems.append("no user could register")
        latencies = nudge_latencies(url, tokens, streams, args.nudges)
        lost = sum(1 for x in latencies if x == float("inf"))
        if lost:
            problems.append(f"{lost} of {args.nudges} nudges never reached their stream")
        found = sorted(x for x in latencies if x != float("inf")) or [0.0]
        out["nudge_ms"] = {
            "p50": round(statistics.median(found) * 1000, 1),
            "p99": round(found[min(len(found) - 1, int(len(found) * 0.99))] * 1000, 1),
            "max": round(found[-1] * 1000, 1),
            "sends": args.nudges,
        }
        out["streams_refused"] = streams.refused
        out["health"] = health(url)
        # Everything closes; the server notices (peer-gone reaping) and frees it.
        slow.close()
        streams.close()
        for ws in sockets:
            ws.close()
        slow, streams, sockets = None, None, []
        closed_at = time.monotonic()
        drained = wait_for(lambda: health(url)["open"] == 0, 10)
        out["streams_closed_after_s"] = round(time.monotonic() - closed_at, 1)
        if not drained:
            problems.append(f"{health(url)['open']} streams still open 10 s after closing")
        samples = []
        while time.monotonic() - closed_at < 10:
            samples.append(server.memory_mb()["rss_mb"])
            if samples[-1] <= rss_base * 1.05:
                break
            time.sleep(1)
        out["rss"]["after_close_mb"] = samples[-1]
        out["rss"]["back_after_s"] = round(time.monotonic() - closed_at, 1)
    finally:
        for ws in sockets:
            ws.close()
        if slow is not None:
            slow.close()
        if streams is not None:
            streams.close()
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
    out["problems"] = problems
    return out


def print_report(out: dict, args) -> None:
    """Print the figures as a table."""
    base, loaded, rss = out["base"], out["loaded"], out["rss"]
    print(
        f"\n{out['model']}, {out['workers']} worker(s): {args.sse} SSE + {args.ws} WebSockets "
        f"+ {args.slow} slowloris, {harness.load_label(args.duration)}"
    )
    print("| figure | none open | all open | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| ingest req/s | {base['rps']:,.0f} | {loaded['rps']:,.0f} | {out['ratio_rps']} |")
    print(f"| ingest p99 ms | {base['p99_ms']} | {loaded['p99_ms']} | {out['ratio_p99']} |")
    nudge = out["nudge_ms"]
    print(
        f"nudge to stream: p50 {nudge['p50']} ms, p99 {nudge['p99']} ms, max {nudge['max']} ms "
        f"over {nudge['sends']} sends"
    )
    print(
        f"RSS: {rss['base_mb']} MB -> {rss['streams_open_mb']} MB with the streams open "
        f"({rss['kb_per_stream']} KB a stream); {rss['after_close_mb']} MB "
        f"{rss['back_after_s']} s after they closed (streams gone in "
        f"{out['streams_closed_after_s']} s)"
    )
    print(f"slow clients reopened after the head timeout: {loaded['slow_reopened']}")
    for problem in out["problems"]:
        print(f"PROBLEM: {problem}")


def main(argv=None) -> int:
    """Run the benchmark; print and save the figures; exit 1 on a problem."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sse", type=int, default=2000)
    parser.add_argument("--ws", type=int, default=50)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--nudges", type=int, default=200)
    parser.add_argument("--nudge-users", type=int, default=200, help="users nudges go to")
    parser.add_argument("--model", default="gevent", choices=["gevent", "gthread"])
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--warm", default="3s")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=harness.THREADS)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.workers is None:
        args.workers = harness.cores() + (1 if args.model == "gthread" else 0)
    if args.smoke:
        args.sse, args.ws, args.slow, args.nudges, args.nudge_users = 100, 10, 20, 20, 20
        args.duration, args.warm = "2s", "1s"
    args.nudge_users = min(args.nudge_users, args.sse)
    out = run(args)
    print_report(out, args)
    if args.json:
        harness.save_results(args.json, out)
    print(json.dumps(out))
    return 1 if out["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
