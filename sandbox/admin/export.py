"""The journal exported on the admin surface: a search as JSON, CSV or HAR 1.2, one page at a
time (a Link header to the next)."""

import json
from urllib.parse import urlencode

from flask import Response, request

from ..http.current import base_url, runtime
from ..journal import export
from ..journal import filters as journal_filters
from ..journal import search as journal
from ..openapi.declare import declare_admin, param
from . import bp, viewer_allowed
from .common import asked_format, checked_filters, reveal, whole_number

# Query keys of the export that are not journal filters.
OWN_KEYS = ("format", "reveal", "limit", "cursor", "backfill", "kinds")


def _search_ids(args, limit: int) -> tuple[list[str], str | None]:
    """Return the request ids of a search, newest first, up to `limit`; and the cursor of more."""
    filters = checked_filters({k: v for k, v in args.items() if k not in OWN_KEYS})
    ids: list[str] = []
    while len(ids) < limit:
        # Never more than asked: the next page's cursor is the last entry given.
        filters.limit = min(500, limit - len(ids))
        page = journal.search(runtime().store, filters, runtime().masker())
        ids += [r["request_id"] for r in page["entries"]]
        if not page["next"]:
            return ids[:limit], None
        filters.before = page["next"]["before"]
        if "window" in page:  # a filter tested entry by entry: one window an export page
            break
    return ids[:limit], str(filters.before)


def _export_limit() -> int:
    return whole_number(
        "limit",
        export.DEFAULT_EXPORT,
        1,
        export.MAX_EXPORT,
        "Page through more with the Link header's next URL (?before=).",
    )


@bp.get("/export")
@viewer_allowed
@declare_admin(
    "Export a journal search as JSON, CSV or HAR 1.2 (credentials masked unless ?reveal=true)",
    None,
    errors=(400, 401, 403, 404),
    params=[
        param("format", schema={"enum": ["json", "csv", "har"]}),
        param("reveal", schema={"enum": ["", "true", "false"]}),
        param("limit", schema={"type": "integer", "minimum": 1, "maximum": 5000}),
        *(
            param(k, schema=journal_filters.SCHEMAS[k])
            for k in ("tenant", "user", "status", "before")
        ),
    ],
    ok_type=("application/json", "text/csv"),
)
def export_journal():
    """Download the entries of a search, newest first: `limit` of them (500; at most 5,000),
    with a Link header to the next page when there are more."""
    fmt = asked_format("json", "csv", "har")
    masker = None if reveal() else runtime().masker()
    ids, more = _search_ids(request.args, _export_limit())
    store = runtime().store
    if fmt == "json":
        shown = export.entries(store, ids, runtime().masker(), reveal=masker is None)
        body, kind = json.dumps({"entries": shown}, indent=1, default=str), "application/json"
    elif fmt == "csv":
        body, kind = export.as_csv(export.full_rows(store, ids), masker), "text/csv"
    else:
        rows = export.full_rows(store, ids)
        body, kind = json.dumps(export.har(rows, base_url(), masker), indent=1), "application/json"
    name = f"sandbox-journal.{'har' if fmt == 'har' else fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if more:  # the next page: the same search, older than the last entry given
        args = {k: v for k, v in request.args.items() if k not in ("before", "token")}
        headers["Link"] = f'<{request.base_url}?{urlencode({**args, "before": more})}>; rel="next"'
    return Response(body, mimetype=kind, headers=headers)
