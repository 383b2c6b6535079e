"""The production server: gunicorn (gthread) where it runs, werkzeug threaded elsewhere."""

import sys

from flask import Flask

from . import __version__, tenants
from .config import public_url


def banner(app: Flask, server: str) -> str:
    """Return the start-up banner: where the API and the admin surface are, the demo keys."""
    cfg = app.config
    base = public_url(cfg)
    store = app.extensions["sandbox.store"]
    lines = [
        "",
        f"  CustomerGlu sandbox {__version__} is ready  ({server})",
        f"  API base URL     {base}/",
        f"  Admin surface    {base}/_sandbox/?token={cfg['ADMIN_TOKEN']}",
        f"  Health           {base}/_sandbox/health",
        f"  Data dir         {cfg['DATA_DIR']}",
        f"  Test mode        {'on (virtual clock)' if cfg['TEST_MODE'] else 'off'}",
    ]
    for t in tenants.list_tenants(store):
        lines.append(f"  Tenant           {t['name']}  id={t['id']}  writeKey={t['write_key']}")
    lines.append("")
    return "\n".join(lines)


def _gunicorn_app(app: Flask, options: dict):
    from gunicorn.app.base import BaseApplication

    class SandboxServer(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    return SandboxServer()


def serve(app: Flask) -> None:
    """Serve `app` with the production server until interrupted."""
    cfg = app.config
    # The master created the app (migrations, seeding); close its store so that no
    # SQLite connection or writer thread is shared with the forked workers.
    app.extensions["sandbox.store"].close()
    try:
        import gunicorn  # noqa: F401
    except ImportError:  # Windows: gunicorn cannot run there
        _serve_werkzeug(app)
        return
    server = f"gunicorn gthread, {cfg['WORKERS']} worker(s) x {cfg['THREADS']} threads"
    options = {
        "bind": f"{cfg['BIND']}:{cfg['PORT']}",
        "workers": cfg["WORKERS"],
        "threads": cfg["THREADS"],
        "worker_class": "gthread",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "graceful_timeout": 5,
        "timeout": 60,
        "keepalive": 5,
        "when_ready": lambda _server: print(banner(app, server), flush=True),
    }
    _gunicorn_app(app, options).run()


def _serve_werkzeug(app: Flask) -> None:
    from werkzeug.serving import run_simple

    cfg = app.config
    print(banner(app, "werkzeug threaded (gunicorn unavailable)"), flush=True)
    run_simple(cfg["BIND"], cfg["PORT"], app, threaded=True)


def main() -> None:
    """Create the app from the environment and serve it (what `python app.py` does)."""
    from . import create_app

    serve(create_app())
    sys.exit(0)
