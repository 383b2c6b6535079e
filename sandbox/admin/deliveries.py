"""Outgoing requests on the admin surface: list, show, resend, retry the dead letters."""

from flask import request

from ..domain import outbox
from ..errors import ApiError
from ..http.body import request_json_body
from ..http.current import runtime
from ..openapi.declare import declare_admin, param
from ..outgoing import configure, outbox_rows, views
from . import bp, viewer_allowed
from .common import engine, in_scope, not_found, scope, tenant_or_404, whole_number

MAX_LIMIT = 500


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
@declare_admin(
    "Outgoing requests (webhooks, coupon requests): filter by tenant, status, kind, user",
    "Deliveries",
    errors=(400, 401, 404),
    params=[
        param("tenant"),
        param("status", schema={"enum": list(views.STATUSES)}),
        param("kind", schema={"enum": list(outbox.KINDS)}),
        param("user"),
        param("limit", schema={"type": "integer", "minimum": 0, "maximum": MAX_LIMIT}),
        param("offset", schema={"type": "integer", "minimum": 0, "maximum": 10_000}),
    ],
)
def list_deliveries():
    """List deliveries newest first; status failed is the dead-letter list."""
    limit = whole_number("limit", 50, 0, MAX_LIMIT) or 1
    offset = whole_number("offset", 0, 0, 10_000)  # an OFFSET walks what it skips
    where = _filters()
    if scope() is not None:
        where["tenant_id"] = scope()
    found, total, capped = views.search(runtime().store, where, limit, offset)
    answer = {"deliveries": found, "total": total, "totalCapped": capped}
    return runtime().masker().json({**answer, "limit": limit, "offset": offset})


def delivery_or_404(delivery_id: str) -> dict:
    """Return a delivery with its attempts, or raise the 404 (another tenant's too)."""
    found = views.get(runtime().store, delivery_id)
    if found is None or not in_scope(found["tenantId"]):
        raise not_found(
            "delivery",
            delivery_id,
            "delivery_not_found",
            "List them with GET /_sandbox/deliveries.",
        )
    return found


@bp.get("/deliveries/<delivery_id>")
@viewer_allowed
@declare_admin(
    "One delivery with every attempt: request, response, error class, decision, next time",
    "Delivery",
    errors=(401,),
    params=[param("delivery_id", "path", True, example="dlv_postman")],
    expect=(200, 404),
)
def show_delivery(delivery_id):
    """Show a delivery and its attempts."""
    return runtime().masker().json(delivery_or_404(delivery_id))


@bp.post("/deliveries/<delivery_id>/resend")
@declare_admin(
    "Resend one request now (optionally to another URL): a new attempt of the same delivery",
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
    delivery_or_404(delivery_id)
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
    return runtime().masker().json(delivery_or_404(delivery_id))


@bp.post("/deliveries/failed/retry")
@declare_admin(
    "Retry every failed request now (of one tenant with ?tenant=)",
    "Retried",
    errors=(400, 401, 404),
    params=[param("tenant")],
)
def retry_failed():
    """Attempt every dead letter once more now; answer what each did."""
    tenant_id = tenant_or_404(request.args["tenant"])["id"] if request.args.get("tenant") else None
    ids = outbox_rows.failed_ids(runtime().store, tenant_id)
    results = [(d, engine().send_now(d)) for d in ids]
    return {
        "retried": len(results),
        "results": [
            {"deliveryId": d, "decision": a["decision"] if a else "being sent by the loop"}
            for d, a in results
        ],
    }
