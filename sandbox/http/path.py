"""The request pipeline around every emulated endpoint: capture -> handler -> record.

Before the handler: the request is captured into a journal entry. Handlers (and the
auth chain) annotate the entry and queue their domain writes. After the handler: the
domain writes and the journal entry are committed together by the writer, and only
then does the response leave (design rule 1: acknowledged means stored).
"""

import logging
import time

from flask import Flask, current_app, g, request

from ..errors import ADMIN_PREFIX, error_response
from ..journal.record import Record
from ..store import settings
from .capture import capture

log = logging.getLogger(__name__)
# Journal bodies of these content types are kept; a streamed body (SSE) is not.
STREAM_TYPES = ("text/event-stream",)


def entry() -> dict | None:
    """Return the current request's journal entry (None on the admin surface or outside Flask)."""
    # `g` is falsy outside an app context: the ingest fast path runs the auth checks there.
    return g.get("entry") if g else None


def note(**fields) -> None:
    """Set fields of the current journal entry (tenant_id, user_id, event_id, auth...)."""
    current = entry()
    if current is not None:
        current.update(fields)


def flag(name: str, problem: str | None = None) -> None:
    """Flag the current request (e.g. "invalid", "duplicate"), with an optional reason."""
    current = entry()
    if current is None:
        return
    if name not in current["flags"]:
        current["flags"].append(name)
    if problem:
        current["problems"].append(problem)


def defer(fn) -> None:
    """Queue fn(conn) to run in the same transaction as the journal entry.

    fn may return a dict with "flags", "problems" and "headers" to add to the entry
    and the response once the write has run (e.g. a duplicate found at insert time).
    """
    g.writes.append(fn)


def init_app(app: Flask) -> None:
    """Install the capture and record hooks."""

    @app.before_request
    def _capture():
        g.writes = []
        clock = current_app.extensions["sandbox.clock"]
        if clock.virtual:
            # Another worker process may have moved the virtual clock: adopt its state.
            settings.load_clock(current_app.extensions["sandbox.store"], clock)
        if request.path.startswith(ADMIN_PREFIX):
            g.entry = None
            return
        # perf_counter measures latency; it is not a domain time read (see clock.py).
        g.t0 = time.perf_counter()
        cfg = current_app.config
        g.entry = capture(request, clock, cfg["BODY_MAX"])
        g.entry.update(flags=[], problems=[], route=request.endpoint)

    @app.after_request
    def _record(response):
        current = entry()
        if current is None:
            if g.get("writes"):
                _commit_writes_only(app, response)
            return response
        return _record_entry(app, current, response)


def _commit_writes_only(app: Flask, response) -> None:
    writes = g.writes
    app.extensions["sandbox.store"].write(lambda conn: [fn(conn) for fn in writes])


def _record_entry(app: Flask, current: dict, response):
    streamed = response.is_streamed or response.mimetype in STREAM_TYPES
    try:
        headers = record(
            app.extensions["sandbox.store"],
            current,
            response.status_code,
            dict(response.headers.items()),
            None if streamed else response.get_data(),
            g.t0,
            g.writes,
            app.config["BODY_MAX"],
        )
    except Exception:
        failed = app.make_response(error_response(**store_failed(current["path"])))
        failed.headers["Retry-After"] = "1"
        return failed
    response.headers.update(headers)
    response.headers["X-Sandbox-Request-Id"] = current["request_id"]
    return response


def record(store, current: dict, status, headers, body, t0, writes, body_max) -> dict:
    """Complete a journal entry with its response and commit it with the request's writes.

    Returns the headers the writes asked to add to the response (e.g. a duplicate's).
    Raises if the store could not commit: the request is then not acknowledged.
    """
    current["status"] = status
    current["response_headers"] = headers
    current["response_body"] = None if body is None else body[:body_max]
    current["latency_ms"] = round((time.perf_counter() - t0) * 1000, 3)

    try:
        return store.write(Record(current, writes))
    except Exception:
        log.exception("could not record %s %s", current["method"], current["path"])
        raise


def store_failed(path: str) -> dict:
    """Return the error (error_body/error_response arguments) of a request not recorded: 503.

    The caller also sends Retry-After: 1; the store is usually back within a second.
    """
    return {
        "status": 503,
        "message": "The sandbox could not store this request, so it is not acknowledged; retry it.",
        "reason": "store_unavailable",
        "path": path,
    }
