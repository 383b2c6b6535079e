"""Failure reports of the end-of-day retries on the admin surface, and the sandbox's GPG key."""

from flask import Response, request

from ..http.current import runtime
from ..openapi.declare import declare_admin, param
from ..outgoing import report
from . import bp, viewer_allowed
from .common import asked_format, in_scope, not_found, scope, tenant_or_404


@bp.get("/reports")
@viewer_allowed
@declare_admin(
    "Failure reports of the end-of-day retries (encrypted when the tenant has a GPG key)",
    "Reports",
    errors=(401, 404),
    params=[param("tenant")],
)
def list_reports():
    """List reports, newest first; each says whether and to whom it is encrypted."""
    ref = request.args.get("tenant") or scope()
    tenant_id = tenant_or_404(ref)["id"] if ref else None
    return {"reports": [report.view(r) for r in report.newest(runtime().store, tenant_id)]}


@bp.get("/reports/<report_id>")
@viewer_allowed
@declare_admin(
    "Download a report: ?format=json (default) or csv; armored PGP when encrypted",
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
    fmt = asked_format("json", "csv")
    row = report.get(runtime().store, report_id)
    if row is None or not in_scope(row["tenant_id"]):
        raise not_found("report", report_id, "report_not_found", "List them: GET /_sandbox/reports")
    text = row[fmt]
    kind = (
        "text/plain" if row["encrypted"] else ("application/json" if fmt == "json" else "text/csv")
    )
    name = f"{report_id}.{fmt}" + (".asc" if row["encrypted"] else "")
    return Response(
        text, mimetype=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
