"""Admin routes of outgoing requests: deliveries, resends, reports, tenant delivery settings."""

import os
import time

from flask import Response, current_app, request

from ..domain import outbox, tenants
from ..errors import ApiError
from ..http.body import request_json_body
from ..openapi.declare import ADMIN, declare, param
from ..outgoing import configure, report, send, trigger, views
from ..outgoing.engine import Engine
from . import bp, viewer_allowed
from .views import _masker, in_scope, scope, tenant_or_404, tenant_view

MAX_LIMIT = 500


def _store():
    return current_app.extensions["sandbox.store"]


def engine() -> Engine:
    """Return this process's engine (made after the fork: a session and pool of its own)."""
    found = current_app.extensions.get("sandbox.engine")
    if found is None or found.pid != os.getpid():
        found = Engine(
            _store(), current_app.extensions["sandbox.clock"], current_app.config["SEED"]
        )
        current_app.extensions["sandbox.engine"] = found
    return found


def _limit() -> tuple[int, int]:
    def number(key, default, high):
        raw = request.args.get(key, str(default))
        if not raw.isdigit() or not 0 <= int(raw) <= high:
            raise ApiError(400, f"{key} must be a whole number up to {high}", f"bad_{key}")
        return int(raw)

    return number("limit", 50, MAX_LIMIT) or 1, number("offset", 0, 10_000_000)


def _filters() -> dict:
    where = {}
    for key, col in views.FILTERS.items():
        value = request.args.get(key, "").strip()
        if not value:
            continue
        if key == "tenant":
            value = tenant_or_404(value)["id"]
        elif key == "status" and value not in views.STATUSES:
            raise ApiError(400, f"status must be one of {', '.join(views.STATUSES)}", "bad_status")
        elif key == "kind" and value not in outbox.KINDS:
            raise ApiError(400, f"kind must be one of {', '.join(outbox.KINDS)}", "bad_kind")
        where[col] = value
    return where


@bp.get("/deliveries")
@viewer_allowed
@declare(
    "Outgoing requests (webhooks, coupon requests): filter by tenant, status, kind, user",
    "admin",
    ADMIN,
    "Deliveries",
    errors=(400, 401, 404),
    params=[
        param("tenant"),
        param("status", schema={"enum": list(views.STATUSES)}),
        param("kind", schema={"enum": list(outbox.KINDS)}),
        param("user"),
        param("limit", schema={"type": "integer", "minimum": 0, "maximum": MAX_LIMIT}),
        param("offset", schema={"type": "integer", "minimum": 0, "maximum": 10_000_000}),
    ],
)
def list_deliveries():
    """List deliveries newest first; status failed is the dead-letter list."""
    limit, offset = _limit()
    where = _filters()
    if scope() is not None:
        where["tenant_id"] = scope()
    found, total = views.search(_store(), where, limit, offset)
    return _masker().json({"deliveries": found, "total": total, "limit": limit, "offset": offset})


def _delivery_or_404(delivery_id: str) -> dict:
    found = views.get(_store(), delivery_id)
    if found is None or not in_scope(found["tenantId"]):
        raise ApiError(
            404,
            f"No delivery {delivery_id!r}",
            "delivery_not_found",
            "List them with GET /_sandbox/deliveries.",
        )
    return found


@bp.get("/deliveries/<delivery_id>")
@viewer_allowed
@declare(
    "One delivery with every attempt: request, response, error class, decision, next time",
    "admin",
    ADMIN,
    "Delivery",
    errors=(401,),
    params=[param("delivery_id", "path", True, example="dlv_postman")],
    expect=(200, 404),
)
def show_delivery(delivery_id):
    """Show a delivery and its attempts."""
    return _masker().json(_delivery_or_404(delivery_id))


@bp.post("/deliveries/<delivery_id>/resend")
@declare(
    "Resend one request now (optionally to another URL): a new attempt of the same delivery",
    "admin",
    ADMIN,
    "Delivery",
    errors=(400, 401),
    body="Resend",
    example={},
    body_required=False,
    params=[param("delivery_id", "path", True, example="dlv_postman")],
    expect=(200, 404),
)
def resend_delivery(delivery_id):
    """Attempt a delivery now, whatever its state; {"url": ...} sends it elsewhere once."""
    _delivery_or_404(delivery_id)
    body = request_json_body(types={"url": "string"}, allow_empty=True)
    url = body.get("url")
    if url is not None:
        problem = configure.url_problem(url)
        if problem:
            raise ApiError(400, f"url {problem}", "bad_url")
    if engine().send_now(delivery_id, url=url) is None:
        raise ApiError(
            409,
            f"Delivery {delivery_id} is being sent right now by the delivery loop",
            "delivery_in_flight",
            "Look at it again in a moment: GET /_sandbox/deliveries/<id>.",
        )
    return _masker().json(_delivery_or_404(delivery_id))


@bp.post("/deliveries/failed/retry")
@declare(
    "Retry every failed request now (of one tenant with ?tenant=)",
    "admin",
    ADMIN,
    "Retried",
    errors=(400, 401, 404),
    params=[param("tenant")],
)
def retry_failed():
    """Attempt every dead letter once more now; answer what each did."""
    where = {"status": "failed"}
    if request.args.get("tenant"):
        where["tenant_id"] = tenant_or_404(request.args["tenant"])["id"]
    clauses = " AND ".join(f"{c} = ?" for c in where)
    rows = _store().all(
        f"SELECT * FROM outbox WHERE {clauses} ORDER BY id LIMIT 10000", tuple(where.values())
    )
    results = [(r["delivery_id"], engine().send_now(r["delivery_id"])) for r in rows]
    return {
        "retried": len(results),
        "results": [
            {"deliveryId": d, "decision": a["decision"] if a else "being sent by the loop"}
            for d, a in results
        ],
    }


@bp.get("/reports")
@viewer_allowed
@declare(
    "Failure reports of the end-of-day retries (encrypted when the tenant has a GPG key)",
    "admin",
    ADMIN,
    "Reports",
    errors=(401, 404),
    params=[param("tenant")],
)
def list_reports():
    """List reports, newest first; each says whether and to whom it is encrypted."""
    where, params = "1", ()
    if request.args.get("tenant") or scope() is not None:
        ref = request.args.get("tenant") or scope()
        where, params = "tenant_id = ?", (tenant_or_404(ref)["id"],)
    rows = _store().all(
        f"SELECT * FROM reports WHERE {where} ORDER BY created_at DESC LIMIT 500", params
    )
    return {"reports": [report.view(r) for r in rows]}


@bp.get("/reports/<report_id>")
@viewer_allowed
@declare(
    "Download a report: ?format=json (default) or csv; armored PGP when encrypted",
    "admin",
    ADMIN,
    None,
    errors=(400, 401),
    params=[
        param("report_id", "path", True, example="rpt_postman"),
        param("format", schema={"enum": ["json", "csv"]}),
    ],
    ok_type="text/plain",
    expect=(200, 404),
)
def download_report(report_id):
    """Serve a report as stored (JSON or CSV, or its PGP message)."""
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ApiError(400, "format must be json or csv", "bad_format")
    row = _store().one("SELECT * FROM reports WHERE report_id = ?", (report_id,))
    if row is None or not in_scope(row["tenant_id"]):
        raise ApiError(404, f"No report {report_id!r}", "report_not_found", "GET /_sandbox/reports")
    text = row[fmt]
    kind = (
        "text/plain" if row["encrypted"] else ("application/json" if fmt == "json" else "text/csv")
    )
    name = f"{report_id}.{fmt}" + (".asc" if row["encrypted"] else "")
    return Response(
        text, mimetype=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


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
    now = current_app.extensions["sandbox.clock"].isoformat()
    _store().write(configure.apply(tenant["id"], changes, now))
    view = settings_view(tenants.by_id(_store(), tenant["id"]) or tenant)
    # Allowed, but said: a URL into the sandbox's own network (each attempt says so too).
    view["warnings"] = [
        f"{key}: {warning}"
        for key in configure.URL_FIELDS
        if (warning := send.internal_address(changes.get(key)))
    ]
    return view


def settings_view(tenant: dict) -> dict:
    """Return a tenant with its delivery configuration (secrets masked)."""
    return {**tenant_view(tenant), "delivery": configure.view(tenant)}


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
    now = current_app.extensions["sandbox.clock"].isoformat()
    delivery_id = _store().write(trigger.fire(tenant, kind, user_id, now))
    # Sent at once: here, or by the delivery loop if it claimed the row first.
    if engine().send_now(delivery_id, trigger="schedule") is None:
        _wait_for_attempt(delivery_id)
    return _masker().json(_delivery_or_404(delivery_id))


def _wait_for_attempt(delivery_id: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = views.row(_store(), delivery_id)
        if row is None or row["attempts"] or row["status"] == "held":
            return
        time.sleep(0.05)
