"""Onboarding on the admin surface: the checklist, the receiver conformance kit, the readiness
report (JSON, Markdown, HTML; optionally encrypted to the partner's key), the sandbox's key."""

import json

from flask import Response, render_template, request

from ..domain import tenants
from ..errors import ApiError
from ..http.current import runtime
from ..onboarding import checklist, conformance, readiness
from ..openapi.declare import ADMIN, declare, param
from ..outgoing import delivery_settings, gpg
from . import bp, viewer_allowed
from .common import in_scope, not_found, tenant_or_404

REF = [param("ref", "path", True)]


@bp.get("/tenants/<ref>/onboarding")
@viewer_allowed
@declare(
    "The onboarding checklist: the four steps lit by real traffic, business days, ready or not",
    "admin",
    ADMIN,
    "Onboarding",
    errors=(401,),
    params=REF,
)
def onboarding_checklist(ref):
    """Answer {steps: [{step, name, done, items: [...]}], businessDays, ready}."""
    tenant = tenants.fresh(runtime().store, tenant_or_404(ref)["id"])
    return checklist.of(
        runtime().store, tenant, delivery_settings.zone(tenant), runtime().clock.time()
    )


@bp.post("/tenants/<ref>/conformance")
@declare(
    "Run the receiver conformance kit against the tenant's reward webhook URL (?format=junit)",
    "admin",
    ADMIN,
    "Conformance",
    errors=(401, 409),
    params=[*REF, param("format", schema={"enum": ["", "json", "junit"]})],
    expect=(200, 409),
)
def run_conformance(ref):
    """Run every case; keep the run with the tenant; answer the table (or JUnit XML)."""
    tenant = tenants.fresh(runtime().store, tenant_or_404(ref)["id"])
    url = tenant.get("reward_webhook_url")
    if not url:
        raise ApiError(
            409,
            f"{tenant['name']} has no reward webhook URL to test",
            "no_webhook_url",
            'Set it first: PATCH /_sandbox/tenants/<ref> {"rewardWebhookUrl": "https://..."}.',
        )
    results = conformance.run(tenant, url, runtime().clock.time())
    run_id, write = conformance.store_run(tenant["id"], url, results, runtime().clock.isoformat())
    runtime().store.write(write)
    if request.args.get("format") == "junit":
        return Response(conformance.junit(tenant["name"], results), mimetype="application/xml")
    return {
        "runId": run_id,
        "url": url,
        "passed": all(r["passed"] for r in results),
        "results": results,
    }


@bp.get("/tenants/<ref>/readiness")
@viewer_allowed
@declare(
    "The readiness report: ?format=json|md|html; ?encrypt=true encrypts it to the tenant's key",
    "admin",
    ADMIN,
    None,
    errors=(400, 401, 409),
    params=[
        *REF,
        param("format", schema={"enum": ["", "json", "md", "html"]}),
        param("encrypt", schema={"enum": ["", "true", "false"]}),
    ],
    ok_type=("application/json", "text/markdown", "text/html"),
)
def readiness_report(ref):
    """Serve the report in the format asked, encrypted to the tenant's GPG key if asked."""
    tenant = tenants.fresh(runtime().store, tenant_or_404(ref)["id"])
    fmt = request.args.get("format") or "json"
    if fmt not in ("json", "md", "html"):
        raise ApiError(400, "format must be json, md or html", "bad_format")
    report = readiness.build(
        runtime().store, tenant, runtime().clock.time(), runtime().clock.isoformat()
    )
    if fmt == "html":
        body, kind = render_template("inspector/readiness.html", r=report), "text/html"
    elif fmt == "md":
        body, kind = readiness.markdown(report), "text/markdown"
    else:
        body, kind = json.dumps(report, indent=1, default=str), "application/json"
    if request.args.get("encrypt") == "true":
        key = delivery_settings.of(tenant)["gpgPublicKey"]
        if not key:
            raise ApiError(
                409,
                f"{tenant['name']} has no GPG key",
                "no_gpg_key",
                'PATCH /_sandbox/tenants/<ref> {"gpgPublicKey": "..."} first.',
            )
        body, kind = gpg.encrypt(key, body), "text/plain"
    return Response(body, mimetype=kind)


@bp.get("/gpg/public-key")
@declare(
    "The sandbox's own GPG public key: encrypt secrets you send it to this (made on first use)",
    "admin",
    ADMIN,
    None,
    errors=(401, 503),
    ok_type="text/plain",
)
def sandbox_public_key():
    """Serve the sandbox's armored public key."""
    try:
        fingerprint, armored = gpg.own_public_key(runtime().store.data_dir)
    except gpg.GpgError as exc:
        raise ApiError(503, str(exc), "gpg_unavailable") from exc
    return Response(armored, mimetype="text/plain", headers={"X-GPG-Fingerprint": fingerprint})


@bp.get("/conformance/<run_id>")
@viewer_allowed
@declare(
    "One run of the conformance kit: each case, what was expected, what the receiver did",
    "admin",
    ADMIN,
    "Conformance",
    errors=(401,),
    params=[param("run_id", "path", True, example="cnf_postman")],
    expect=(200, 404),
)
def conformance_run(run_id):
    """Show a kept run of the kit."""
    run = conformance.get_run(runtime().store, run_id)
    if run is None or not in_scope(run["tenantId"]):
        raise not_found(
            "conformance run",
            run_id,
            "conformance_run_not_found",
            "Run the kit: POST /_sandbox/tenants/<ref>/conformance.",
        )
    return run
