"""The sandbox's own surface under /_sandbox: health (open), admin API (token required)."""

import time

from flask import Blueprint, Flask, current_app, g, request

from ..domain import sessions, viewer_tokens
from ..errors import ApiError
from . import access, token_file  # noqa: F401 (create_app reads admin.token_file)

bp = Blueprint("admin", __name__, url_prefix="/_sandbox")
# Endpoints that answer without the admin token (a container health check calls it).
OPEN_ENDPOINTS = {"admin.health"}


# Endpoints a tenant viewer may call: reads of its own tenant's traffic, export, replay.
# Each scopes what it answers to the viewer's tenant (views.scope()).
VIEWER_ENDPOINTS: set[str] = set()


@bp.before_request
def require_token():
    """Let the admin in, and a tenant viewer to the views of its traffic; explain a refusal."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    admin_token = current_app.config["ADMIN_TOKEN"]
    try:
        principal, by_cookie, given = access.principal_of(
            admin_token, request.headers, request.args, request.cookies, _session_token, viewer_of
        )
    except viewer_tokens.ViewerTokenError as exc:
        raise ApiError(
            401,
            str(exc),
            exc.reason,
            "Ask the sandbox's admin for a new viewer token "
            "(`python -m sandbox tenants viewer-token <ref>`).",
            headers={"WWW-Authenticate": 'Bearer realm="sandbox-admin"'},
        ) from exc
    if principal is None:
        reason = "admin_token_missing" if not given else "admin_token_invalid"
        raise ApiError(
            401,
            "The admin surface needs the admin token."
            if not given
            else "The admin token does not match (nor is it a tenant viewer's token).",
            reason,
            "Send it as the X-Sandbox-Admin-Token header or ?token=; the start-up banner prints "
            "it, and it is kept in <data dir>/admin_token. A tenant viewer's token comes from "
            "`python -m sandbox tenants viewer-token <ref>`.",
            headers={"WWW-Authenticate": 'Bearer realm="sandbox-admin"'},
        )
    if by_cookie and request.method not in access.SAFE_METHODS:
        if not access.csrf_ok(admin_token, principal, request.headers.get(access.CSRF_HEADER)):
            raise ApiError(
                403,
                "A request authenticated by the inspector's cookie must carry its CSRF token",
                "csrf_token_missing",
                f"Send the {access.CSRF_HEADER} header the inspector page holds, or "
                "authenticate with the X-Sandbox-Admin-Token header instead of the cookie.",
            )
    if principal.viewer and request.endpoint not in VIEWER_ENDPOINTS:
        raise ApiError(
            403,
            "A tenant viewer's token reads its tenant's traffic; this route is the admin's",
            "viewer_not_allowed",
            "Use the admin token for settings, imports, the clock and other tenants.",
        )
    g.principal, g.by_cookie = principal, by_cookie
    return None


def _session_token(session_id: str) -> str | None:
    # Wall time: a session's lifetime is not a domain time (the virtual clock may jump days).
    store = current_app.extensions["sandbox.store"]
    return sessions.token_of(store, session_id, time.time())


def viewer_of(token: str) -> str:
    """Return the tenant of a live viewer token (wall time: a token's lifetime is real time)."""
    store = current_app.extensions["sandbox.store"]
    tenant_id, token_id = viewer_tokens.verify(store, token, time.time())
    g.viewer_token_id = token_id  # its uses are recorded by its id (record_viewer_use)
    return tenant_id


@bp.after_request
def record_viewer_use(response):
    """Record each request a viewer token made (by the token's id, never the token)."""
    token_id = g.pop("viewer_token_id", None)
    if token_id is not None and g.get("principal") is not None and g.principal.viewer:
        store = current_app.extensions["sandbox.store"]
        write = viewer_tokens.use(
            token_id, time.time(), request.method, request.path, response.status_code
        )
        try:
            store.write(write)
        except Exception:  # a full disk must not turn a read into a 500; health says it
            pass
    return response


def viewer_allowed(view):
    """Mark a view as open to tenant viewers (it must scope what it answers to their tenant)."""
    VIEWER_ENDPOINTS.add(f"admin.{view.__name__}")
    return view


def init_app(app: Flask) -> None:
    """Register the admin blueprint."""
    from . import (  # noqa: F401  (their routes join bp)
        client_checks,
        clock,
        deliveries,
        docs,
        export,
        faults,
        health,
        inspector,
        journal,
        nudges,
        onboarding,
        receiver,
        reports,
        rewards,
        snapshots,
        sockets,
        tenants,
        tls,
        viewers,
    )

    app.config["SOCK_SERVER_OPTIONS"] = sockets.server_options(
        app.config["STREAM_HEARTBEAT_SECONDS"]
    )
    inspector.init_app(app)
    app.register_blueprint(bp)
