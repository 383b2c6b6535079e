"""The client kit on the admin surface: start a run on a tenant, read its grading (JSON, JUnit)."""

from flask import Response

from ..http.current import runtime
from ..onboarding import client_kit
from ..openapi.declare import declare_admin, param
from . import bp
from .common import asked_format, in_scope, not_found, tenant_or_404


@bp.post("/tenants/<ref>/client-checks")
@declare_admin(
    "Start the client kit: a fault plan on the tenant's event routes; your client's reactions "
    "are graded from the journal",
    "ClientChecks",
    errors=(401,),
    params=[param("ref", "path", True)],
)
def start_client_checks(ref):
    """Install the kit's fault plan and start grading from now; answer the run, graded so far."""
    tenant = tenant_or_404(ref)
    rt = runtime()
    run, write = client_kit.start(tenant["id"], rt.clock.isoformat())
    rt.store.write(write)
    return {**client_kit.grade(rt.store, run), "plan": client_kit.PLAN}


@bp.get("/tenants/<ref>/client-checks")
@declare_admin(
    "The tenant's client kit runs, newest first, the latest graded now",
    "ClientCheckRuns",
    errors=(401,),
    params=[param("ref", "path", True)],
)
def list_client_checks(ref):
    """List the tenant's last 20 runs; grade the latest."""
    tenant = tenant_or_404(ref)
    rt = runtime()
    runs = client_kit.recent(rt.store, tenant["id"])
    latest = client_kit.grade(rt.store, runs[0]) if runs else None
    return {"tenant": tenant["id"], "runs": runs, "latest": latest}


@bp.get("/client-checks/<run_id>")
@declare_admin(
    "A client kit run, graded now: ?format=json (default) or junit",
    "ClientChecks",
    errors=(400, 401),
    params=[
        param("run_id", "path", True, example="cck_postman"),
        param("format", schema={"enum": ["json", "junit"]}),
    ],
    ok_type=("application/json", "application/xml"),
    expect=(200, 404),
)
def show_client_checks(run_id):
    """Grade the run from the tenant's requests since it started."""
    fmt = asked_format("json", "junit")
    rt = runtime()
    run = client_kit.get(rt.store, run_id)
    if run is None or not in_scope(run["tenantId"]):
        raise not_found(
            "client kit run", run_id, "client_checks_not_found", "Start one: POST "
            "/_sandbox/tenants/<ref>/client-checks"
        )  # fmt: skip
    graded = client_kit.grade(rt.store, run)
    if fmt == "junit":
        name = tenant_or_404(run["tenantId"])["name"]
        return Response(client_kit.junit(name, graded), mimetype="application/xml")
    return graded
