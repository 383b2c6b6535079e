"""Tenants on the admin surface: list, show, change (webhook URLs, timezone, delivery settings,
GPG key) and fire a test delivery."""

import time

from ..domain import tenants
from ..errors import ApiError
from ..http.body import request_json_body
from ..http.current import runtime
from ..openapi.declare import ADMIN, declare, param
from ..outgoing import configure, send, trigger, views
from . import bp, viewer_allowed
from .common import engine, in_scope, tenant_or_404
from .deliveries import delivery_or_404


@bp.get("/tenants")
@viewer_allowed
@declare("Tenants, secrets masked", "admin", ADMIN, "Tenants", errors=(401,))
def list_tenants():
    """List every tenant (secrets masked); a viewer sees its own."""
    found = [t for t in tenants.list_tenants(runtime().store) if in_scope(t["id"])]
    return {"tenants": [tenants.public_view(t) for t in found]}


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
    return tenants.public_view(tenant_or_404(ref))


@bp.patch("/tenants/<ref>")
@declare(
    "Change a tenant's webhook URLs, timezone, delivery settings or GPG key",
    "admin",
    ADMIN,
    "TenantPatched",
    errors=(400, 401),
    body="TenantPatch",
    example={"delivery": {"standardWebhooks": True}},
    body_required=False,
    params=[param("ref", "path", True)],
)
def patch_tenant(ref):
    """Apply the changes (all checked first: one problem changes nothing)."""
    tenant = tenant_or_404(ref)
    body = request_json_body()
    changes, problems = configure.check(body)
    if problems:
        raise ApiError(
            400, "; ".join(problems), "bad_tenant_settings", "GET the tenant to see the fields."
        )
    now = runtime().clock.isoformat()
    runtime().store.write(configure.apply(tenant["id"], changes, now))
    view = configure.settings_view(tenants.by_id(runtime().store, tenant["id"]) or tenant)
    # Allowed, but said: a URL into the sandbox's own network (each attempt says so too).
    view["warnings"] = [
        f"{key}: {warning}"
        for key in configure.URL_FIELDS
        if (warning := send.internal_address(changes.get(key)))
    ]
    return view


@bp.post("/tenants/<ref>/trigger")
@declare(
    "Fire a signed delivery with a realistic payload, without playing (as stripe trigger does)",
    "admin",
    ADMIN,
    "Delivery",
    errors=(400, 401),
    body="Trigger",
    example={"kind": "reward", "userId": "postman-user"},
    params=[param("ref", "path", True)],
)
def trigger_delivery(ref):
    """Queue a reward or nudge webhook for a user and attempt it now."""
    tenant = tenant_or_404(ref)
    body = request_json_body(
        required=("kind", "userId"), types={"kind": "string", "userId": "string"}
    )
    kind, user_id = body.get("kind"), body.get("userId")
    if kind not in trigger.KINDS or not isinstance(user_id, str) or not 0 < len(user_id) <= 256:
        raise ApiError(
            400,
            f"kind must be one of {', '.join(trigger.KINDS)} and userId a non-empty string",
            "bad_trigger",
            'Send {"kind": "reward", "userId": "alice"}.',
        )
    now = runtime().clock.isoformat()
    delivery_id = runtime().store.write(trigger.fire(tenant, kind, user_id, now))
    # Sent at once: here, or by the delivery loop if it claimed the row first.
    if engine().send_now(delivery_id, trigger="schedule") is None:
        _wait_for_attempt(delivery_id)
    return runtime().masker().json(delivery_or_404(delivery_id))


def _wait_for_attempt(delivery_id: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = views.row(runtime().store, delivery_id)
        if row is None or row["attempts"] or row["status"] == "held":
            return
        time.sleep(0.05)
