"""CPU per ingest request inside the app, without the server: no-op, fast path, Flask, 401s.

    python bench/inprocess.py             # 5,000 requests per target, one thread
    python bench/inprocess.py --smoke     # CI: 200 requests per target

Calls each WSGI app directly with prepared environs (no socket, no gunicorn), one request
after another, and reports the CPU of the calling thread per request (what a request
thread spends) and of the whole process (adding the writer thread's commits). This is
the figure the ingest fast path was measured by; the end-to-end numbers are ingest.py's.
"""

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time

import harness

sys.path.insert(0, str(harness.ROOT))
sys.path.insert(0, str(harness.HERE))


def environ(n: int, key: str = harness.DEMO_KEY) -> dict:
    """Return the WSGI environ of one event POST (event id n) with this writeKey."""
    body = json.dumps(
        {
            "event_id": f"inproc-{n}",
            "event_name": "completePurchase",
            "user_id": "u1",
            "timestamp": "2026-11-27T10:00:00Z",
            "event_properties": {"amount": 5},
        }
    ).encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/server/v4",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8080",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_API_KEY": key,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def measure(app, count: int, offset: int, key: str = harness.DEMO_KEY, status="200") -> dict:
    """Call `app` for `count` fresh requests; return CPU ms per request (thread, process)."""
    statuses = []

    def start_response(status, _headers, _exc_info=None):
        statuses.append(status)

    for n in range(100):  # warm-up: caches, the writer thread, first statements
        b"".join(app(environ(offset - 1000 + n, key), start_response))
    envs = [environ(offset + n, key) for n in range(count)]
    statuses.clear()
    thread0, process0 = time.thread_time(), time.process_time()
    for env in envs:
        b"".join(app(env, start_response))
    thread1, process1 = time.thread_time(), time.process_time()
    if any(not s.startswith(status) for s in statuses):
        raise SystemExit(f"unexpected answers: {sorted(set(statuses))}")
    return {
        "thread_ms": round((thread1 - thread0) * 1000 / count, 3),
        "process_ms": round((process1 - process0) * 1000 / count, 3),
    }


def main(argv=None) -> int:
    """Measure every target (no-op; events and 401s, fast and through Flask); print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="200 requests per target (CI)")
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args(argv)
    count = 200 if args.smoke else args.requests

    from noop_app import app as noop

    from sandbox import create_app

    results = {"Flask no-op (bench/noop_app.py)": measure(noop, count, 10_000)}
    # A writeKey one character off: the explained 401 that does the most diagnosis.
    typo = harness.DEMO_KEY[:10] + "X" + harness.DEMO_KEY[11:]
    for label, fast in (("fast path", True), ("through Flask", False)):
        data_dir = tempfile.mkdtemp(prefix="bench-inprocess-")
        app = create_app({"DATA_DIR": data_dir, "FAST_INGEST": fast, "ADMIN_TOKEN": "bench"})
        try:
            offset = 100_000 if fast else 200_000
            results[f"sandbox event, {label}"] = measure(app, count, offset)
            results[f"sandbox explained 401, {label}"] = measure(
                app, count, offset + 50_000, typo, "401"
            )
        finally:
            app.extensions["sandbox.store"].close()
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\n{harness.machine()['cpu']}, one request at a time, {count:,} requests each\n")
    print("| target | request thread CPU ms/request | process CPU ms/request |")
    print("|---|---:|---:|")
    for label, r in results.items():
        print(f"| {label} | {r['thread_ms']} | {r['process_ms']} |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SANDBOX_TEST_MODE", "false")
    sys.exit(main())
