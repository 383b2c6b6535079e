"""Onboarding on the admin surface: the checklist, the receiver conformance kit, the readiness
report (JSON, Markdown, HTML; optionally encrypted to the partner's key), the sandbox's key."""

import json

from flask import Response, render_template, request

from ..domain import tenants
from ..errors import ApiError
from ..http.body import request_json_body
from ..http.current import runtime
from ..masking import mask
from ..onboarding import checklist, conformance, readiness, runs
from ..openapi.declare import declare_admin, param
from ..outgoing import configure, delivery_settings, gpg, signing
from . import bp, viewer_allowed
from .common import asked_format, gpg_key_or_409, in_scope, not_found, tenant_or_404

REF = [param("ref", "path", True)]


@bp.get("/tenants/<ref>/onboarding")
@viewer_allowed
@declare_admin(
    "The onboarding checklist: the four steps lit by real traffic, business days, ready or not",
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
@declare_admin(
    "Run the receiver conformance kit against the tenant's reward webhook URL, or the body's url "
    "(?format=junit)",
    "Conformance",
    errors=(400, 401, 409),
    body="ConformanceAsk",
    body_required=False,
    example={},
    params=[*REF, param("format", schema={"enum": ["", "json", "junit"]})],
    expect=(200, 409),
)
def run_conformance(ref):
    """Run every case; keep the run with the tenant; answer the table (or JUnit XML)."""
    tenant = tenants.fresh(runtime().store, tenant_or_404(ref)["id"])
    body = request_json_body(types={"url": "string"}, allow_empty=True)
    url = body.get("url") or tenant.get("reward_webhook_url")
    problem = configure.url_problem(url) if body.get("url") else None
    if problem:
        raise ApiError(400, f"url {problem}", "bad_url")
    if not url:
        raise ApiError(
            409,
            f"{tenant['name']} has no reward webhook URL to test",
            "no_webhook_url",
            'Set it first: PATCH /_sandbox/tenants/<ref> {"rewardWebhookUrl": "https://..."}.',
        )
    results = conformance.run(tenant, url, runtime().clock.time())
    run_id, write = runs.store_run(tenant["id"], url, results, runtime().clock.isoformat())
    runtime().store.write(write)
    if request.args.get("format") == "junit":
        return Response(runs.junit(tenant["name"], results), mimetype="application/xml")
    return {
        "runId": run_id,
        "url": url,
        "passed": all(r["passed"] for r in results),
        "results": results,
    }


@bp.get("/tenants/<ref>/readiness")
@viewer_allowed
@declare_admin(
    "The readiness report: ?format=json|md|html; ?encrypt=true encrypts it to the tenant's key",
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
    fmt = asked_format("json", "md", "html")
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
        body, kind = gpg.encrypt(gpg_key_or_409(tenant), body), "text/plain"
    return Response(body, mimetype=kind)


@bp.get("/gpg/public-key")
@declare_admin(
    "The sandbox's own GPG public key: encrypt secrets you send it to this (made on first use)",
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


SECRET_MESSAGE_MAX = 64 * 1024  # an encrypted secret is a few hundred bytes


@bp.post("/tenants/<ref>/secrets/export")
@declare_admin(
    "The tenant's writeKey and webhook secrets, encrypted to the partner's armored public key "
    "(the body); never in clear",
    None,
    errors=(400, 401, 503),
    params=REF,
    body_types=("text/plain",),
    ok_type="text/plain",
    expect=(200, 400),
)
def export_secrets(ref):
    """Answer the tenant's secrets as a PGP message to the key sent."""
    tenant = tenants.fresh(runtime().store, tenant_or_404(ref)["id"])
    key = request.get_data()[:SECRET_MESSAGE_MAX].decode("utf-8", errors="replace")
    try:
        gpg.fingerprint(key)
        text = gpg.encrypt(key, json.dumps(secrets_of(tenant), indent=1))
    except gpg.GpgError as exc:
        status, reason = (
            (503, "gpg_unavailable") if "not installed" in str(exc) else (400, "bad_gpg_key")
        )
        raise ApiError(status, str(exc), reason) from exc
    return Response(text, mimetype="text/plain")


def secrets_of(tenant: dict) -> dict:
    """Return what a partner needs to sign and verify: the writeKey and the webhook secrets."""
    return {
        "tenant": tenant["name"],
        "tenantId": tenant["id"],
        "writeKey": tenant["write_key"],
        "webhookSecret": tenant["webhook_secret"],
        "standardWebhooksSecret": signing.standard_secret(tenant["webhook_secret"]),
    }


@bp.post("/tenants/<ref>/secrets/import")
@declare_admin(
    "Set the tenant's webhook secret from a message encrypted to the sandbox's key (the body: "
    'JSON {"webhookSecret": ...} or the secret alone)',
    "SecretImported",
    errors=(400, 401, 503),
    params=REF,
    body_types=("text/plain", "application/octet-stream"),
    expect=(200, 400),
)
def import_secret(ref):
    """Decrypt the message with the sandbox's key and keep the secret it holds."""
    tenant = tenant_or_404(ref)
    message = request.get_data()
    if len(message) > SECRET_MESSAGE_MAX:
        raise ApiError(400, "the message is larger than a secret's", "bad_secret_message")
    try:
        text = gpg.decrypt_own(runtime().store.data_dir, message).strip()
    except gpg.GpgError as exc:
        status, reason = (
            (503, "gpg_unavailable") if "not installed" in str(exc) else (400, "bad_secret_message")
        )
        raise ApiError(status, str(exc), reason) from exc
    try:
        secret = json.loads(text).get("webhookSecret")
    except (ValueError, AttributeError):
        secret = text
    if (
        not isinstance(secret, str)
        or not 16 <= len(secret) <= 200
        or any(c.isspace() for c in secret)
    ):
        raise ApiError(
            400,
            "the message holds no webhook secret of 16-200 characters",
            "bad_secret_message",
            'Encrypt {"webhookSecret": "..."} to GET /_sandbox/gpg/public-key.',
        )
    runtime().store.write(tenants.set_webhook_secret(tenant["id"], secret))
    return {"tenant": tenant["name"], "webhookSecret": mask(secret)}


@bp.get("/conformance/<run_id>")
@viewer_allowed
@declare_admin(
    "One run of the conformance kit: each case, what was expected, what the receiver did",
    "Conformance",
    errors=(400, 401),
    params=[
        param("run_id", "path", True, example="cnf_postman"),
        param("format", schema={"enum": ["", "json", "junit"]}),
    ],
    ok_type=("application/json", "application/xml"),
    expect=(200, 404),
)
def conformance_run(run_id):
    """Show a kept run of the kit."""
    run = runs.get_run(runtime().store, run_id)
    if run is None or not in_scope(run["tenantId"]):
        raise not_found(
            "conformance run",
            run_id,
            "conformance_run_not_found",
            "Run the kit: POST /_sandbox/tenants/<ref>/conformance.",
        )
    fmt = asked_format("json", "junit")
    if fmt == "junit":
        tenant = tenants.by_id(runtime().store, run["tenantId"]) or {"name": run["tenantId"]}
        xml = runs.junit(tenant["name"], run["results"])
        return Response(xml, mimetype="application/xml")
    return run
