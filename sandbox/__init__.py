"""CustomerGlu integration sandbox: the app factory.

Importing the package imports no Flask, no ssl: `python -m sandbox serve` must be able
to monkey-patch for gevent before they load (__main__.py).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import config as config_module

if TYPE_CHECKING:
    from flask import Flask

__version__ = config_module.VERSION


def create_app(test_config: dict | None = None) -> Flask:
    """Create the sandbox app: config, store (migrated), clock, tenants, blueprints, CLI."""
    from flask import Flask

    from . import admin, api, cli, pages
    from .clock import make_clock
    from .domain import nudges, tenants
    from .errors import DataDirError
    from .http import errors, request_hooks
    from .http.door import Door
    from .http.jsonprovider import FastJSONProvider
    from .http.path import Runtime
    from .http.routing import LazyBuildRule
    from .journal.retention import Maintenance
    from .store import Store, migrate, settings
    from .store.health import write_problem
    from .streams import Hub

    # No static folder: the sandbox serves no files of its own yet (and no stray route).
    app = Flask(__name__, static_folder=None)
    app.url_rule_class = LazyBuildRule
    app.config.update(config_module.load())
    if test_config:
        app.config.update(test_config)
    # The admin surface reads its bodies through Flask: the same limit (a JSON 413).
    app.config["MAX_CONTENT_LENGTH"] = app.config["BODY_MAX_BYTES"]
    app.json = FastJSONProvider(app)

    data_dir = Path(app.config["DATA_DIR"]).resolve()
    app.config["DATA_DIR"] = str(data_dir)
    db_path = data_dir / "sandbox.db"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        app.config["SCHEMA_VERSION"] = migrate(db_path)
        # The writer opens its files lazily: find out now that they can be written.
        problem = write_problem(str(data_dir))
    except (OSError, sqlite3.Error) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    if problem:
        fix = "make it writable with free space, or point SANDBOX_DATA_DIR at another folder"
        if not os.access(data_dir, os.W_OK) and hasattr(os, "getuid"):
            # In the container: a bind mount owned by root, and the image runs as its own user.
            fix = (
                f"it is not writable by this user (uid {os.getuid()}): chown it "
                f"(`sudo chown -R {os.getuid()} <host folder>`), run the container with "
                "`--user $(id -u):$(id -g)`, or use a named volume (compose.yaml)"
            )
        raise DataDirError(f"cannot use the data dir {data_dir}: {problem}. Fix: {fix}.")

    store = Store(db_path)
    # Test mode is a property of the data, set by the server's start (server/run.py):
    # a process whose own start does not say (a CLI command) follows it.
    said = "TEST_MODE" in (test_config or {}) or os.environ.get("SANDBOX_TEST_MODE", "") != ""
    stored_mode = settings.get(store, "test_mode")
    if not said and stored_mode is not None:
        app.config["TEST_MODE"] = bool(stored_mode)
    clock = make_clock(app.config["TEST_MODE"])
    store.writer.maintenance = Maintenance(
        clock,
        max_entries=app.config["JOURNAL_MAX_ENTRIES"],
        max_age_seconds=app.config["JOURNAL_MAX_AGE_DAYS"] * 86400,
        fulltext=app.config["JOURNAL_FULLTEXT"],
    )
    reset = settings.load_clock(store, clock)
    if reset:
        logging.getLogger(__name__).warning("%s; the virtual clock is back at real time", reset)
    app.extensions["sandbox.store"] = store
    app.extensions["sandbox.clock"] = clock
    # Uptime is about this process, not domain time: the real monotonic clock.
    app.extensions["sandbox.started"] = time.monotonic()
    app.config["ADMIN_TOKEN"] = admin.token_file.load(data_dir, app.config["ADMIN_TOKEN"])
    _seeded, write = tenants.seed_from_fixtures(
        store, app.config["FIXTURES_DIR"], clock.isoformat()
    )
    if write is not None:
        store.write(write)
    # Links made where no request is at hand (a delayed nudge's click action) use this base.
    # The server's start sets it; another process only fills it in on a data dir never served.
    if settings.get(store, "public_url") is None:
        settings.put(store, "public_url", config_module.public_url(app.config))

    cfg = app.config
    hub = Hub(cfg["STREAMS_MAX"], cfg["STREAM_HEARTBEAT_SECONDS"])
    hub.watchers.append(nudges.watcher(hub, store))
    rt = Runtime(store, clock, cfg, hub)
    app.extensions["sandbox.runtime"] = rt
    errors.init_app(app)
    request_hooks.init_app(app, rt)
    admin.init_app(app)
    api.init_app(app)
    pages.init_app(app)
    cli.init_app(app)
    if app.config["FAST_INGEST"]:
        app.wsgi_app = Door(app.wsgi_app, rt, api.door_routes())
    return app
