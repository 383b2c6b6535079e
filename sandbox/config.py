"""Configuration: built-in defaults, overridden by SANDBOX_* environment variables."""

import os
from pathlib import Path

VERSION = "0.1.0"

# name -> (default, parser, help). The README's configuration table mirrors this.
SETTINGS = {
    "BIND": ("127.0.0.1", str, "address the server listens on (0.0.0.0 in the container)"),
    "PORT": (8080, int, "TCP port"),
    "TLS_PORT": (0, int, "a TLS port beside PORT, certified by the sandbox's own CA; 0 = none"),
    "PROXY_PORT": (
        0,
        int,
        "a device proxy port: CONNECTs to CustomerGlu hosts served here; 0 = none",
    ),
    "PROXY_TUNNEL": (True, "bool", "the proxy tunnels CONNECTs to other hosts (false: refuses)"),
    "DATA_DIR": ("./data", str, "where the SQLite store and the admin token live"),
    "ADMIN_TOKEN": ("", str, "admin token; generated once and kept in the data dir if empty"),
    "TEST_MODE": (False, "bool", "virtual clock and test controls on"),
    "SEED": ("sandbox", str, "seed of every per-tenant random draw"),
    "PUBLIC_URL": ("", str, "base URL apps use to reach the sandbox (default http://BIND:PORT)"),
    # 0 = one per core under gevent (a greenlet waiting on its commit leaves the CPU to
    # the others), a core + 1 under gthread (docs/architecture.md, "The process model").
    "WORKERS": (0, int, "gunicorn worker processes; 0 = one per core (gthread: cores + 1)"),
    # gevent: each connection is a greenlet, so an idle stream or a slow client costs a
    # socket and a few KB, not a thread (docs/architecture.md, "The process model").
    "SERVER_MODEL": ("gevent", str, "gevent (default) or gthread: how a worker holds connections"),
    "THREADS": (6, int, "threads per worker (gthread model only)"),
    "HEAD_TIMEOUT": (10, int, "seconds a client has to send a request's head; then closed"),
    "STREAMS_MAX": (5000, int, "open /sse and WebSocket streams per worker; past it: 503"),
    "STREAM_HEARTBEAT_SECONDS": (15, int, "idle streams send a heartbeat this often"),
    "FIXTURES_DIR": ("", str, "fixtures folder (default: the repository's fixtures/)"),
    "BODY_MAX": (65536, int, "bytes of each request/response body kept in the journal"),
    "BODY_MAX_BYTES": (4 * 1024 * 1024, int, "largest request body accepted; larger: 413"),
    # The built-in receiver answers anyone without a token: what it keeps is bounded.
    "SNAPSHOT_MAX_BYTES": (
        16 * 1024**3,
        int,
        "largest snapshot file an upload may send (PUT /_sandbox/snapshots/<name>); larger: 413",
    ),
    "HOOK_BODY_MAX_BYTES": (1024 * 1024, int, "largest body the built-in receiver takes; 413"),
    "HOOK_KEPT_BYTES": (4 * 1024 * 1024, int, "bytes of calls kept per receiver (oldest go)"),
    "HOOKS_KEPT_BYTES": (64 * 1024 * 1024, int, "bytes of calls kept by all receivers together"),
    "HOOKS_RATE": (100, int, "calls per second one client address may make to the receivers"),
    "SSE_MAX_SECONDS": (300, int, "an /sse stream closes after this many seconds"),
    "JOURNAL_MAX_ENTRIES": (1_000_000, int, "journal entries (and stored events) kept; 0 = no cap"),
    "JOURNAL_MAX_AGE_DAYS": (
        30.0,
        float,
        "days journal entries (and events) are kept; 0 = forever",
    ),
    "JOURNAL_FULLTEXT": (True, "bool", "index request paths and bodies for ?q= search"),
    "FAST_INGEST": (True, "bool", "answer event ingest through the door beneath Flask, same path"),
    "DELIVERY": (True, "bool", "send webhooks and coupon requests (the elected delivery loop)"),
    "DOCS_DIR": ("", str, "a built documentation site to serve at /_sandbox/docs/ (the image's)"),
}

ROOT = Path(__file__).resolve().parent.parent


def _parse(kind, raw: str):
    if kind == "bool":
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return kind(raw)


def load(environ=None) -> dict:
    """Return the config dict: defaults overridden by SANDBOX_* environment variables."""
    environ = os.environ if environ is None else environ
    config = {}
    for name, (default, kind, _help) in SETTINGS.items():
        raw = environ.get(f"SANDBOX_{name}")
        config[name] = default if raw in (None, "") else _parse(kind, raw)
    # Zero would switch these off (no head timeout, no stream, a heartbeat loop that
    # spins): the smallest meaningful value is 1.
    for name in ("HEAD_TIMEOUT", "STREAMS_MAX", "STREAM_HEARTBEAT_SECONDS"):
        config[name] = max(1, config[name])
    if config["WORKERS"] <= 0:
        config["WORKERS"] = cores() + (1 if config["SERVER_MODEL"] == "gthread" else 0)
    if not config["FIXTURES_DIR"]:
        config["FIXTURES_DIR"] = str(ROOT / "fixtures")
    return config


def cores() -> int:
    """Return the CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def public_url(config: dict) -> str:
    """Return the base URL (no trailing slash) that apps and links should use."""
    if config.get("PUBLIC_URL"):
        return config["PUBLIC_URL"].rstrip("/")
    host = config["BIND"]
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    return f"http://{host}:{config['PORT']}"
