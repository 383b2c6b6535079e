"""One port for a server that cannot hold streams: a proxy in front, measured (issue 33).

    python bench/front.py                  # 3 rounds of 10 s, the targets taking turns
    python bench/front.py --smoke          # one short round

granian answers the sandbox faster than gunicorn but its WSGI interface holds no /sse
stream or WebSocket, and the SDKs open /sse on the API's own host and port. The design
measured here is the usual one: nginx owns the port and sends /sse and WebSocket upgrades
to the sandbox under gunicorn + gevent, everything else to the same sandbox (same data
dir) under granian. Targets, under the same wrk load as bench/ingest.py:

  gunicorn          the sandbox as it ships (gunicorn gevent, 2 workers), no proxy
  nginx+gunicorn    the same behind nginx: what the extra hop costs
  nginx+granian     the design: ingest through nginx to granian (16 threads a worker),
                    with the gunicorn half running beside it for the streams

Needs nginx (`apt-get install -y nginx-light`); RSS and PSS are summed over every
process of the design (nginx, granian, gunicorn).
"""

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import harness
import requests
import servers
import simple_websocket

_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tenants.json"
TENANT = json.loads(_FIXTURES.read_text())["tenants"][0]["id"]

NGINX_CONF = """
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    upstream api {{ server 127.0.0.1:{api}; keepalive 64; }}
    upstream streams {{ server 127.0.0.1:{streams}; keepalive 16; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; "" ""; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 16m;
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;
        location / {{
            proxy_set_header Connection "";
            proxy_pass http://api;
        }}
        location = /sse {{
            proxy_buffering off;
            proxy_read_timeout 1h;
            proxy_set_header Connection "";
            proxy_pass http://streams;
        }}
        location ~ ^/_sandbox/(feed|ws/) {{
            proxy_read_timeout 1h;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_pass http://streams;
        }}
    }}
}}
"""


class Front:
    """nginx in front of an API server (and a streams server): stop() stops them all."""

    def __init__(self, api: servers.Server, streams: servers.Server, root: Path):
        self.api, self.streams = api, streams
        conf, port = root / "nginx.conf", servers.free_port()
        conf.write_text(NGINX_CONF.format(root=root, port=port, api=api.port, streams=streams.port))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        argv = [nginx, "-p", str(root), "-c", str(conf)]
        self.proxy = servers.Server("nginx", argv, "/_sandbox/health", cwd=root, port=port)
        self.url = self.proxy.url

    def memory_mb(self) -> dict:
        """Every process of the design, summed."""
        parts = [s.memory_mb() for s in dict.fromkeys((self.proxy, self.api, self.streams))]
        return {key: round(sum(p[key] for p in parts), 1) for key in parts[0]}

    def stop(self) -> None:
        """Stop nginx, then the servers behind it."""
        for server in dict.fromkeys((self.proxy, self.api, self.streams)):
            server.stop()


def start(target: str, data: Path, root: Path, args):
    """Start one target on a fresh data dir; return an object with url/stop/memory_mb."""
    gunicorn = servers.sandbox(data, args.workers, args.threads)
    if target == "gunicorn":
        return gunicorn
    if target == "nginx+gunicorn":
        return Front(gunicorn, gunicorn, root)
    granian = servers.sandbox_granian(data, args.workers, 16)
    return Front(granian, gunicorn, root)


def streams_work(url: str) -> bool:
    """Return True if an SSE stream and a WebSocket both open through `url` and answer."""
    query = {"userId": "bench-front", "clientId": TENANT}
    with requests.get(url + "/sse", params=query, stream=True, timeout=5) as sse:
        first = next(sse.iter_content(64), b"")
        sse_ok = sse.status_code == 200 and first.startswith(b": connected")
    ws_url = url.replace("http://", "ws://") + "/_sandbox/ws/echo"
    ws = simple_websocket.Client.connect(ws_url, headers={"X-Sandbox-Admin-Token": "bench-admin"})
    try:
        ws.send("ping")
        ws_ok = ws.receive(timeout=5) == "ping"
    finally:
        ws.close()
    return sse_ok and ws_ok


def measure(target: str, args) -> dict:
    """Warm up and measure ingest through one target; check every 200 was stored."""
    data = Path(tempfile.mkdtemp(prefix="bench-front-"))
    root = Path(tempfile.mkdtemp(prefix="bench-front-nginx-"))
    server = start(target, data, root, args)
    try:
        streams = streams_work(server.url)
        url = server.url + "/server/v4"
        warm = harness.wrk(url, "post.lua", args.warm, args=(harness.nonce(),))
        result = harness.wrk(url, "post.lua", args.duration, args=(harness.nonce(),))
        result["memory"] = server.memory_mb()
    finally:
        server.stop()
    conn = harness.open_journal(data)
    try:
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        conn.close()
    result["lost"] = max(0, warm["ok"] + result["ok"] - stored)
    result["streams"] = streams
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)
    return result


TARGETS = ("gunicorn", "nginx+gunicorn", "nginx+granian")


def main(argv=None) -> int:
    """Run the rounds; print each target's medians and its ratio to gunicorn alone."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    harness.load_arguments(parser, rounds=3, duration="10s", warm="3s")
    args = harness.parse_load_arguments(parser, argv)
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        print("bench/front.py needs nginx: apt-get install -y nginx-light", file=sys.stderr)
        return 2
    runs: dict = {t: [] for t in TARGETS}
    for r in range(args.rounds):
        shift = r % len(TARGETS)
        for target in TARGETS[shift:] + TARGETS[:shift]:
            runs[target].append(measure(target, args))
            print(f"  round {r + 1}: {target} {runs[target][-1]['rps']:,.0f} req/s", flush=True)
    print(f"\n{harness.machine()}")
    print(f"{harness.load_label(args.duration)} (warm-up {args.warm}); {args.rounds} round(s)\n")
    print(
        "| target | req/s | vs gunicorn (per round) | p99 ms | RSS MB | PSS MB | lost "
        "| SSE + WebSocket through it |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---|")
    for target in TARGETS:
        rows = runs[target]
        pairs = zip(rows, runs["gunicorn"], strict=True)
        ratios = [round(x["rps"] / g["rps"], 3) for x, g in pairs]
        print(
            f"| {target} | {statistics.median(x['rps'] for x in rows):,.0f} | "
            f"{statistics.median(ratios)} ({', '.join(map(str, ratios))}) | "
            f"{statistics.median(x['p99_ms'] for x in rows)} | "
            f"{statistics.median(x['memory']['rss_mb'] for x in rows)} | "
            f"{statistics.median(x['memory']['pss_mb'] for x in rows)} | "
            f"{sum(x['lost'] for x in rows)} | "
            f"{'yes' if all(x['streams'] for x in rows) else 'NO'} |"
        )
    failed = any(
        x["lost"] or x["err_status"] or not x["streams"] for rows in runs.values() for x in rows
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
