"""Admin API views: thin wrappers over the store, journal, tenants and clock modules."""

import os
import time

from flask import current_app, g, redirect, request, url_for

from ..config import VERSION, public_url
from ..domain import tenants
from ..errors import ApiError
from ..journal import filters as journal_filters
from ..journal import search as journal
from ..masking import Masker, mask, mask_url
from ..openapi.declare import ADMIN, NONE, declare, param
from ..store.health import write_problem
from . import bp, viewer_allowed


def _store():
    return current_app.extensions["sandbox.store"]


def scope() -> str | None:
    """Return the tenant a viewer is limited to (None for the admin: every tenant)."""
    principal = g.get("principal")
    return principal.tenant_id if principal is not None else None


def in_scope(tenant_id: str | None) -> bool:
    """Return True if the caller may see rows of this tenant."""
    limit = scope()
    return limit is None or tenant_id == limit


def _masker() -> Masker:
    """Return the masker of this sandbox's secrets: every tenant's, and the admin token."""
    return current_app.extensions["sandbox.runtime"].masker()


def _clock():
    return current_app.extensions["sandbox.clock"]


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
    store = _store()
    problem = None
    try:
        store.one("SELECT 1 AS ok")
        store_state, status = "ok", 200
        # Readable is not enough: a full disk or a read-only folder refuses every commit.
        problem = write_problem(store.data_dir, store.writer.failures)
        if problem:
            store_state, status = "cannot_write", 503
    except Exception:  # any store failure means "unhealthy", never a 500 page
        store_state, status = "unreachable", 503
    uptime = time.monotonic() - current_app.extensions["sandbox.started"]
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
    hub = current_app.extensions["sandbox.runtime"].streams
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
@declare(
    "The admin surface: version, base URL, routes",
    "admin",
    ADMIN,
    "AdminIndex",
    errors=(401,),
)
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
        "clock": _clock().describe(),
        "journalEntries": journal.count(_store()),
        "routes": routes,
    }


def tenant_view(t: dict, reveal: bool = False) -> dict:
    """Return a tenant for display: writeKey shown, other secrets masked unless revealed."""
    view = {k: t[k] for k in tenants.PUBLIC_FIELDS}
    view["writeKey"] = t["write_key"]
    for key, col in (("jwtSecret", "jwt_secret"), ("webhookSecret", "webhook_secret")):
        view[key] = t[col] if reveal else mask(t[col])
    if not reveal:  # a webhook URL may carry a password or a key of the partner's
        for key in ("reward_webhook_url", "nudge_webhook_url"):
            if key in view:
                view[key] = mask_url(view[key])
    return view


@bp.get("/tenants")
@viewer_allowed
@declare("Tenants, secrets masked", "admin", ADMIN, "Tenants", errors=(401,))
def list_tenants():
    """List every tenant (secrets masked); a viewer sees its own."""
    found = [t for t in tenants.list_tenants(_store()) if in_scope(t["id"])]
    return {"tenants": [tenant_view(t) for t in found]}


@bp.get("/tenants/<ref>")
@viewer_allowed
@declare(
    "One tenant by id, name or writeKey",
    "admin",
    ADMIN,
    "Tenant",
    errors=(401,),
    params=[param("ref", "path", True)],
)
def show_tenant(ref):
    """Show one tenant by id, name or writeKey (secrets masked)."""
    return tenant_view(tenant_or_404(ref))


def tenant_or_404(ref: str) -> dict:
    """Return the tenant with this id, name or writeKey, or raise the admin surface's 404.

    A viewer asking for another tenant gets the same 404 (no tenant's existence leaks).
    """
    t = tenants.get_tenant(_store(), ref)
    if t is None or not in_scope(t["id"]):
        raise ApiError(
            404,
            f"No tenant {ref!r}",
            "tenant_not_found",
            "List tenants with GET /_sandbox/tenants.",
        )
    return t


def invalid_sheet(errors: list[dict]) -> ApiError:
    """Return the 422 of a sheet with errors (reward or nudge sheet): nothing was imported."""
    return ApiError(
        422,
        f"The sheet has {len(errors)} error(s); nothing was imported",
        "invalid_sheet",
        "Fix each row and column named in errors[] and send the sheet again.",
        errors=errors,
    )


def checked_filters(args):
    """Return the journal filters of a query; a viewer's are limited to its tenant."""

    limit = scope()

    def tenant_id(ref: str) -> str | None:
        # A viewer is told the same for another tenant's name or key as for an unknown one:
        # the answer must not say which tenants exist.
        found = tenants.get_tenant(_store(), ref)
        if found is None or (limit is not None and found["id"] != limit):
            return None
        return found["id"]

    try:
        filters = journal_filters.parse(args, tenant_id)
    except journal_filters.BadFilter as exc:
        raise ApiError(exc.status, str(exc), exc.reason) from exc
    if limit is not None:
        asked = filters.exact.get("tenant_id")
        # Another tenant's filter finds nothing, as if it had no traffic.
        filters.exact["tenant_id"] = limit if asked in (None, limit) else "\x00none"
    return filters


@bp.get("/journal")
@viewer_allowed
@declare(
    "Search the journal",
    "admin",
    ADMIN,
    "JournalPage",
    errors=(400, 401, 404),
    params=[param(n, schema=journal_filters.SCHEMAS[n]) for n in (*journal_filters.KEYS, "limit")],
)
def journal_search():
    """Search the journal: "did you receive it?" by tenant, user, event id, path, status, time."""

    filters = checked_filters(request.args)
    result = journal.search(_store(), filters, _masker())
    for row in result["entries"]:
        row["url"] = url_for("admin.journal_entry", request_id=row["request_id"], _external=True)
    return result


@bp.get("/journal/<request_id>")
@viewer_allowed
@declare(
    "One journal entry, credentials masked",
    "admin",
    ADMIN,
    "JournalEntry",
    errors=(401,),
    params=[param("request_id", "path", True)],
)
def journal_entry(request_id):
    """Show one journal entry in full (credentials masked), with its body's size and SHA-256."""
    row = journal.get_entry(_store(), request_id, _masker())
    if row is None or not in_scope(row.get("tenant_id")):
        raise ApiError(
            404,
            f"No journal entry {request_id!r}",
            "journal_entry_not_found",
            "Search with GET /_sandbox/journal.",
        )
    return row


@bp.get("/openapi.json")
@declare(
    "This document",
    "admin",
    ADMIN,
    {"type": "object", "required": ["openapi", "paths"]},
    errors=(401,),
)
def openapi_document():
    """Serve the OpenAPI 3.1 document of the emulated and admin APIs."""
    from ..openapi import document

    return document(
        current_app,
        public_url(current_app.config)
        if current_app.config.get("PUBLIC_URL")
        else request.host_url.rstrip("/"),
    )
