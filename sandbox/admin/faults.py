"""A tenant's fault plan on the admin surface: show it, set it, remove it."""

from ..domain import faults
from ..errors import ApiError
from ..http.body import request_json_body
from ..http.current import runtime
from ..openapi.declare import declare_admin, param
from . import bp
from .common import not_found, tenant_or_404

REF = [param("ref", "path", True)]
EXAMPLE = {
    "seed": "ci-42",
    "rules": [
        {
            "id": "busy",
            "route": "/server/v4",
            "method": "POST",
            "status": 503,
            "count": 2,
            "retryAfter": 1,
        },
        {"id": "limit", "route": "/server/v4", "rateLimit": {"requests": 50, "perSeconds": 1}},
        {"id": "slow-sdk", "route": "/api/v1/*", "latencyMs": 800, "probability": 0.2},
    ],
}


@bp.get("/tenants/<ref>/faults")
@declare_admin(
    "The tenant's fault plan on the emulated API, with how often each rule applied",
    "FaultPlan",
    errors=(401,),
    params=REF,
    expect=(200, 404),
)
def show_faults(ref):
    """Show the plan, or the 404 of a tenant without one."""
    tenant = tenant_or_404(ref)
    plan = faults.plan_of(runtime().store, tenant["id"])
    if plan is None:
        raise not_found(
            "fault plan of",
            tenant["name"],
            "no_fault_plan",
            "Set one: PUT /_sandbox/tenants/<ref>/faults",
        )
    return plan


@bp.put("/tenants/<ref>/faults")
@declare_admin(
    "Set the tenant's fault plan: statuses (429, 5xx), latency, resets, cut bodies, by route",
    "FaultPlan",
    errors=(400, 401),
    body="FaultPlanAsk",
    example=EXAMPLE,
    params=REF,
)
def put_faults(ref):
    """Check and install a plan (its counts start again); every rule's problem is named."""
    tenant = tenant_or_404(ref)
    body = request_json_body(required=("rules",), types={"rules": "array", "seed": "string"})
    plan, problems = faults.check_plan(body)
    if problems:
        raise ApiError(
            400,
            "; ".join(problems[:20]),
            "bad_fault_plan",
            "The rules' fields: /_sandbox/docs/guides/faults/ (docs/guides/faults.md).",
            problems=problems,
        )
    store = runtime().store
    store.write(faults.put_plan(tenant["id"], plan, runtime().clock.isoformat()))
    return faults.plan_of(store, tenant["id"])


@bp.delete("/tenants/<ref>/faults")
@declare_admin("Remove the tenant's fault plan", "FaultsCleared", errors=(401,), params=REF)
def delete_faults(ref):
    """Remove the plan (and its counts); answering what was removed."""
    tenant = tenant_or_404(ref)
    removed = runtime().store.write(faults.clear(tenant["id"]))
    return {"tenant": tenant["name"], "removed": bool(removed)}
