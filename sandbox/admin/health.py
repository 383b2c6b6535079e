"""The admin surface's front door: health (open), the index of routes, the OpenAPI document."""

import os
import time

from flask import current_app, redirect, request

from ..config import VERSION, public_url
from ..http.current import runtime
from ..journal import search as journal
from ..openapi.declare import NONE, declare, declare_admin
from . import bp


@bp.get("/health")
@declare(
    "Store reachability, schema version, uptime (open)",
    "admin",
    NONE,
    "Health",
    errors=(503,),
    shaped_like_ok=(503,),
)
def health():
    """Report store reachability, schema version, uptime and the answering worker's pid."""
    store = runtime().store
    problem = None
    try:
        store.one("SELECT 1 AS ok")
        store_state, status = "ok", 200
        # Readable is not enough: a full disk or a read-only folder refuses every commit.
        problem = store.write_problem()
        if problem:
            store_state, status = "cannot_write", 503
    except Exception:  # any store failure means "unhealthy", never a 500 page
        store_state, status = "unreachable", 503
    uptime = time.monotonic() - runtime().started
    verdict = "ok" if status == 200 else ("degraded" if problem else "unhealthy")
    return {
        "status": verdict,
        **({"reason": problem} if problem else {}),
        "store": store_state,
        "schemaVersion": current_app.config["SCHEMA_VERSION"],
        "uptimeSeconds": round(uptime, 1),
        # Which worker process answered (uptime is that worker's, too).
        "pid": os.getpid(),
        "streams": _streams(),
    }, status


def _streams() -> dict:
    """Return open streams and connections per worker process (the workers' board)."""
    hub = runtime().streams
    workers = [
        {
            "pid": row["pid"],
            # Counted by the gevent worker only (server/workers.py); null elsewhere.
            "connections": row["connections"] if hub.board.counts_connections else None,
            "sse": row["sse"],
            "ws": row["ws"],
            "refused": row["refused"],
        }
        for row in hub.board.rows()
    ]
    return {
        "open": sum(w["sse"] + w["ws"] for w in workers),
        "capPerWorker": hub.cap,
        "heartbeatSeconds": hub.heartbeat,
        "workers": workers,
    }


@bp.get("/")
@declare_admin("The admin surface: version, base URL, routes", "AdminIndex", errors=(401,))
def index():
    """Describe the admin surface: version, base URLs and the admin API's routes.

    A browser (it asks for HTML first) is sent to the inspector instead of raw JSON.
    """
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if (
        best == "text/html"
        and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]
    ):
        query = f"?token={request.args['token']}" if request.args.get("token") else ""
        return redirect(f"{bp.url_prefix}/inspector{query}", code=303)
    routes = sorted(
        f"{','.join(sorted(r.methods - {'HEAD', 'OPTIONS'}))} {r.rule}"
        for r in current_app.url_map.iter_rules()
        if r.rule.startswith(bp.url_prefix)
    )
    return {
        "sandbox": "customerglu-sandbox",
        "version": VERSION,
        "baseUrl": public_url(current_app.config),
        "testMode": current_app.config["TEST_MODE"],
        "tlsPort": current_app.config["TLS_PORT"] or None,
        "clock": runtime().clock.describe(),
        "journalEntries": journal.count(runtime().store),
        "routes": routes,
    }


@bp.get("/openapi.json")
@declare_admin("This document", {"type": "object", "required": ["openapi", "paths"]}, errors=(401,))
def openapi_document():
    """Serve the OpenAPI 3.1 document of the emulated and admin APIs."""
    from ..openapi import document

    return document(
        current_app,
        public_url(current_app.config)
        if current_app.config.get("PUBLIC_URL")
        else request.host_url.rstrip("/"),
    )
