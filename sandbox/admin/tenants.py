"""Tenants on the admin surface: create, list, show, rotate the writeKey, change (webhook URLs,
timezone, delivery settings, GPG key) and fire a test delivery."""

import time
from pathlib import Path

from ..domain import tenants
from ..errors import ApiError
from ..http.body import request_json_body
from ..http.current import runtime
from ..openapi.declare import declare_admin, param
from ..outgoing import configure, outbox_rows, send, trigger
from . import bp, viewer_allowed
from .common import engine, in_scope, reveal, tenant_or_404
from .deliveries import delivery_or_404


@bp.get("/tenants")
@viewer_allowed
@declare_admin("Tenants, secrets masked", "Tenants", errors=(401,))
def list_tenants():
    """List every tenant (secrets masked); a viewer sees its own."""
    found = [t for t in tenants.list_tenants(runtime().store) if in_scope(t["id"])]
    return {"tenants": [tenants.public_view(t) for t in found]}


MAX_TENANTS = 1000  # a sandbox is one partner's, or a support team's: not a tenant farm


@bp.post("/tenants")
@declare_admin(
    "Create a tenant with fresh secrets (and the demo campaigns unless empty is true)",
    "Tenant",
    errors=(400, 401, 409),
    body="TenantCreate",
    example={"name": "Postman Partner", "region": "in", "empty": True},
    expect=(200, 409),
)
def create_tenant():
    """Create a tenant; answer it with its writeKey (its other secrets: GET ?reveal=true)."""
    body = request_json_body(
        required=("name",),
        types={"name": "string", "region": "string", "timezone": "string", "empty": "boolean"},
    )
    name = body["name"].strip()
    if not 0 < len(name) <= 100:
        raise ApiError(400, "name must be 1-100 characters", "bad_tenant_name")
    rt = runtime()
    if tenants.get_tenant(rt.store, name) is not None:
        raise ApiError(
            409, f"A tenant named {name!r} exists", "tenant_exists", "Choose another name."
        )
    if len(tenants.list_tenants(rt.store)) >= MAX_TENANTS:
        raise ApiError(409, f"This sandbox holds {MAX_TENANTS} tenants", "too_many_tenants")
    settings = {k: body[k] for k in (*configure.URL_FIELDS, "timezone") if k in body}
    changes, problems = configure.check(settings)
    if problems:
        raise ApiError(400, "; ".join(problems), "bad_tenant_settings")
    demo = None if body.get("empty") else Path(rt.config["FIXTURES_DIR"]) / "demo"
    try:
        made, write = tenants.create_tenant(
            rt.store,
            rt.clock.isoformat(),
            name,
            body.get("region", "in"),
            changes.get("timezone", "UTC"),
            reward_webhook_url=changes.get("rewardWebhookUrl"),
            nudge_webhook_url=changes.get("nudgeWebhookUrl"),
            data_dir=demo,
        )
    except tenants.TenantError as exc:
        raise ApiError(400, str(exc), "bad_tenant") from exc
    rt.store.write(write)
    return tenants.public_view(made)


@bp.post("/tenants/<ref>/rotate-key")
@declare_admin(
    "Give a tenant a new writeKey: the old one answers 401 writekey_revoked from now on",
    "Tenant",
    errors=(401,),
    # Not the demo tenant's key: the collection's later requests send it.
    params=[param("ref", "path", True, example="postman-no-such-tenant")],
    expect=(200, 404),
)
def rotate_key(ref):
    """Rotate the writeKey; answer the tenant with its new key."""
    tenant = tenant_or_404(ref)
    _key, write = tenants.rotate_write_key(tenant["id"], runtime().clock.isoformat())
    runtime().store.write(write)
    return tenants.public_view(tenants.by_id(runtime().store, tenant["id"]))


@bp.get("/tenants/<ref>")
@viewer_allowed
@declare_admin(
    "One tenant by id, name or writeKey",
    "Tenant",
    errors=(400, 401, 403),
    params=[param("ref", "path", True), param("reveal", schema={"enum": ["", "true", "false"]})],
)
def show_tenant(ref):
    """Show one tenant by id, name or writeKey (secrets masked unless ?reveal=true)."""
    return tenants.public_view(tenant_or_404(ref), reveal())


@bp.patch("/tenants/<ref>")
@declare_admin(
    "Change a tenant's webhook URLs, timezone, delivery settings or GPG key",
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
@declare_admin(
    "Fire a signed delivery with a realistic payload, without playing (as stripe trigger does)",
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
        row = outbox_rows.by_delivery_id(runtime().store, delivery_id)
        if row is None or row["attempts"] or row["status"] == "held":
            return
        time.sleep(0.05)
