"""Starting the production server: gunicorn (gevent workers) where it runs, werkzeug threaded
elsewhere; announcing it (banner.py says what)."""

import logging
import os
import resource
import socket
import sys
from pathlib import Path

from flask import Flask

from ..admin import token_file
from ..config import VERSION, public_url
from ..masking import SecretFilter
from ..outgoing import gpg
from ..store import settings
from ..streams import Board
from . import discovery
from .banner import banner


def _gunicorn_app(app: Flask, options: dict):
    from gunicorn.app.base import BaseApplication

    class SandboxServer(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    return SandboxServer()


def port_in_use(host: str, port: int) -> bool:
    """Return True if something listens on host:port already (another sandbox, say)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR as gunicorn sets it: a port left in TIME_WAIT counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def serve(app: Flask) -> None:
    """Serve `app` with the production server until interrupted."""
    cfg = app.config
    # The server is the one authority over what its start decides: the URL apps reach it
    # by and the clock's mode are kept in the data for every other process (a CLI, a test).
    store = app.extensions["sandbox.store"]
    if not cfg["ADMIN_TOKEN"]:  # made once, by the first start, and kept in the data dir
        cfg["ADMIN_TOKEN"] = token_file.load_or_create(cfg["DATA_DIR"])
        app.extensions["sandbox.runtime"].admin_token = cfg["ADMIN_TOKEN"]
        store.forget()  # the masker knows the token now
    settings.put(store, "public_url", public_url(cfg))
    settings.put(store, "test_mode", bool(cfg["TEST_MODE"]))
    # The master created the app (migrations, seeding); close its store so that no
    # SQLite connection or writer thread is shared with the forked workers.
    store.close()
    try:
        import gunicorn  # noqa: F401
    except ImportError:  # Windows: gunicorn cannot run there
        _serve_werkzeug(app)
        return
    # With reuse_port (below), a second server on the same port would start and share
    # the traffic silently instead of failing: refuse to, as any server would.
    ports = [("SANDBOX_PORT", cfg["PORT"]), ("SANDBOX_TLS_PORT", cfg["TLS_PORT"])]
    ports.append(("SANDBOX_PROXY_PORT", cfg["PROXY_PORT"]))
    used = [port for _key, port in ports if port]
    if len(used) != len(set(used)):
        print(
            "SANDBOX_PORT, SANDBOX_TLS_PORT and SANDBOX_PROXY_PORT must differ "
            "(8080, 8443 and 8888, say)",
            file=sys.stderr,
        )
        sys.exit(2)
    for key, port in ports:
        if port and port_in_use(cfg["BIND"], port):
            print(
                f"Port {port} on {cfg['BIND']} is in use (another sandbox?). "
                f"Stop it or choose another port: {key}={port + 1} python -m sandbox serve",
                file=sys.stderr,
            )
            sys.exit(1)
    _raise_fd_limit()
    # Every worker publishes its open streams and connections here; health reads all.
    app.extensions["sandbox.runtime"].streams.board = Board.shared(cfg["WORKERS"])
    options = {
        "bind": f"{cfg['BIND']}:{cfg['PORT']}",
        "workers": cfg["WORKERS"],
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "graceful_timeout": 5,
        "timeout": 60,
        # A connection has HEAD_TIMEOUT seconds to send a request's head, and as long
        # between two requests on a keep-alive connection; then it is closed. Under
        # gevent both are one timer around reading the head (workers.py).
        "keepalive": cfg["HEAD_TIMEOUT"],
        # Each worker listens on its own SO_REUSEPORT socket and the kernel spreads
        # connections across them. On one shared socket, a burst of keep-alive
        # connections (a load test, wrk) could all land on one worker and leave the
        # other idle (docs/architecture.md, "The process model").
        "reuse_port": True,
        # No gunicornc control socket: it would be $HOME/.gunicorn/gunicorn.ctl, one path
        # for every sandbox of a user (and unwritable in the image: HOME is /app, root's).
        # The admin API is the sandbox's control surface.
        "control_socket_disable": True,
        "post_worker_init": lambda _worker: _worker_ready(app),
        # gunicorn calls it as the worker ends, the exit code on its way (SystemExit).
        "worker_exit": lambda _arbiter, _worker: _worker_exit(app),
    }
    options.update(worker_options(app))
    if cfg["TLS_PORT"] or cfg["PROXY_PORT"]:
        extra = [p for p in (cfg["TLS_PORT"], cfg["PROXY_PORT"]) if p]
        options["bind"] = [options["bind"], *(f"{cfg['BIND']}:{p}" for p in extra)]
        _tls_listener(app, options)
    server = options.pop("description")
    options["when_ready"] = lambda _server: _ready(app, banner(app, server))
    options["on_exit"] = lambda _server: _tidy(cfg["DATA_DIR"])
    try:
        _gunicorn_app(app, options).run()
    except SystemExit:  # gunicorn's halt(): the workers are gone, the data dir is tidied
        _leave_without_teardown()


def _tidy(data_dir: str) -> None:
    """What the master leaves behind when it stops: no server card, no gpg-agent of its key."""
    discovery.remove(data_dir)
    gpg.stop_agent(Path(data_dir) / gpg.OWN_HOME)


def _tls_listener(app: Flask, options: dict) -> None:
    """Make the CA and leaf now (once, before the fork) and give the workers the TLS port."""
    from urllib.parse import urlsplit

    from ..http import ca
    from .tls import Listener

    cfg = app.config
    if options["worker_class"] == "gthread":
        print(
            "SANDBOX_TLS_PORT and SANDBOX_PROXY_PORT need the gevent server model", file=sys.stderr
        )
        sys.exit(2)
    names = ca.names([urlsplit(public_url(cfg)).hostname or "", cfg["BIND"]])
    ca.ensure(cfg["DATA_DIR"], names)
    listener = Listener(cfg["TLS_PORT"], cfg["DATA_DIR"], names, float(cfg["HEAD_TIMEOUT"]))
    listener.runtime = app.extensions["sandbox.runtime"]
    options["worker_class"].tls_listener = listener
    if cfg["PROXY_PORT"]:
        from .proxy import Proxy

        # Answered here: the CustomerGlu hosts and the public URL's host; a CONNECT to
        # localhost or an address is a tunnel to something of the device's own.
        public = urlsplit(public_url(cfg)).hostname or ""
        ours = [public] if public not in ca.BASE_NAMES else []
        proxy = Proxy(cfg["PROXY_PORT"], cfg["PROXY_TUNNEL"], float(cfg["HEAD_TIMEOUT"]), ours)
        proxy.runtime = listener.runtime
        options["worker_class"].proxy = proxy


def _ready(app: Flask, text: str) -> None:
    """Listening: announce the server in its data dir, print the banner."""
    cfg = app.config
    host = "127.0.0.1" if cfg["BIND"] in ("0.0.0.0", "", "::") else cfg["BIND"]
    host = f"[{host}]" if ":" in host else host
    listen = f"http://{host}:{cfg['PORT']}"
    discovery.write(cfg["DATA_DIR"], public_url(cfg), VERSION, cfg["ADMIN_TOKEN"], listen)
    print(text, flush=True)


def worker_options(app: Flask) -> dict:
    """Return gunicorn's options for the configured model (gevent or gthread)."""
    cfg = app.config
    model = cfg["SERVER_MODEL"]
    if model == "gthread":
        return {
            "worker_class": "gthread",
            "threads": cfg["THREADS"],
            "description": f"gunicorn gthread, {cfg['WORKERS']} worker(s) x {cfg['THREADS']} "
            "threads",
        }
    if model != "gevent":
        print(f"SANDBOX_SERVER_MODEL must be gevent or gthread, not {model!r}", file=sys.stderr)
        sys.exit(2)
    from .workers import StreamingWorker

    StreamingWorker.hub = app.extensions["sandbox.runtime"].streams
    return {
        "worker_class": StreamingWorker,
        # A connection is a greenlet: room for every stream the cap allows plus the
        # ordinary requests beside them (gevent's pool refuses to accept past it).
        "worker_connections": cfg["STREAMS_MAX"] + 1000,
        "description": f"gunicorn gevent, {cfg['WORKERS']} worker(s)",
    }


def _raise_fd_limit() -> None:
    """Raise the open-files limit to its hard maximum: a stream is a file descriptor."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):  # a container may forbid it: keep what we have
            pass


def _leave_without_teardown() -> None:
    """End this server process at once, with the exit code it was leaving with.

    By here the requests are answered and every write is committed (a 200 means committed),
    so the interpreter's own teardown (freeing every object, module by module) is work for
    nothing, and in a forked worker it touches, so copies, the pages shared with the master:
    0.3 s of CPU per stop, half of a server's start and stop (docs/development.md). Instagram
    skips it in its forked workers the same way ("Dismissing Python Garbage Collection").
    """
    exc = sys.exc_info()[1]
    code = exc.code if isinstance(exc, SystemExit) else int(exc is not None)
    if not isinstance(code, int):  # sys.exit("message") printed nothing yet: say it
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    logging.shutdown()  # what atexit would do for us: every log line out
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _worker_exit(app: Flask) -> None:
    # The delivery loop starts nothing more; the writes are drained and the WAL copied back
    # into the database files (the last checkpoint), so that the files hold everything even
    # for a tool that copies one of them.
    delivery = app.extensions.get("sandbox.delivery")
    if delivery is not None:
        delivery.stop()
    app.extensions["sandbox.store"].close()
    _leave_without_teardown()


def _worker_ready(app: Flask) -> None:
    scrub_logs(app)
    start_delivery(app)


def start_delivery(app: Flask) -> None:
    """Start this process's candidate for the delivery loop (one sends: outgoing/loop.py)."""
    if not app.config["DELIVERY"]:
        return
    from ..outgoing.loop import DeliveryLoop

    loop = DeliveryLoop(
        app.extensions["sandbox.store"], app.extensions["sandbox.clock"], app.config["SEED"]
    )
    loop.start()
    app.extensions["sandbox.delivery"] = loop


def scrub_logs(app: Flask) -> None:
    """Send this process's log lines through the secret filter (masking.SecretFilter).

    The sandbox's own loggers write to gunicorn's error log handlers, so one filter on
    those handlers sees every line of the process.
    """
    handlers = logging.getLogger("gunicorn.error").handlers or [logging.StreamHandler()]
    secret_filter = SecretFilter(app.extensions["sandbox.runtime"].masker)
    for handler in handlers:
        handler.addFilter(secret_filter)
    ours = logging.getLogger("sandbox")
    ours.handlers, ours.propagate = list(handlers), False


def _serve_werkzeug(app: Flask) -> None:
    from werkzeug.serving import run_simple

    cfg = app.config
    _ready(app, banner(app, "werkzeug threaded (gunicorn unavailable)"))
    scrub_logs(app)
    start_delivery(app)
    try:
        run_simple(cfg["BIND"], cfg["PORT"], app, threaded=True)
    finally:
        discovery.remove(cfg["DATA_DIR"])

    sys.exit(0)
