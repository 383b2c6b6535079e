"""The record on the admin surface: search the journal, one entry, "did you receive it?", an
entry's causal timeline, its cURL (and the corrected one), and replay."""

from flask import current_app, request, url_for
from werkzeug.test import Client

from ..errors import ApiError
from ..http import curl
from ..http.current import base_url, runtime
from ..journal import causes, export
from ..journal import filters as journal_filters
from ..journal import received as received_model
from ..journal import search as journal
from ..openapi.declare import declare_admin, param
from . import bp, viewer_allowed
from .common import checked_filters, in_scope, not_found, raw_entry_or_404, reveal

RID = [param("request_id", "path", True, example="req_postman")]


@bp.get("/journal")
@viewer_allowed
@declare_admin(
    "Search the journal",
    "JournalPage",
    errors=(400, 401, 404),
    params=[param(n, schema=journal_filters.SCHEMAS[n]) for n in (*journal_filters.KEYS, "limit")],
)
def journal_search():
    """Search the journal: "did you receive it?" by tenant, user, event id, path, status, time."""

    filters = checked_filters(request.args)
    result = journal.search(runtime().store, filters, runtime().masker())
    for row in result["entries"]:
        row["url"] = url_for("admin.journal_entry", request_id=row["request_id"], _external=True)
    return result


@bp.get("/journal/<request_id>")
@viewer_allowed
@declare_admin(
    "One journal entry, credentials masked",
    "JournalEntry",
    errors=(401,),
    params=[param("request_id", "path", True)],
)
def journal_entry(request_id):
    """Show one journal entry in full (credentials masked), with its body's size and SHA-256."""
    row = journal.get_entry(runtime().store, request_id, runtime().masker())
    if row is None or not in_scope(row.get("tenant_id")):
        raise not_found(
            "journal entry",
            request_id,
            "journal_entry_not_found",
            "Search with GET /_sandbox/journal.",
        )
    return row


@bp.get("/journal/<request_id>/curl")
@viewer_allowed
@declare_admin(
    "A journal entry as cURL, and for a rejected request the corrected cURL that answers 200",
    "Curl",
    errors=(400, 401, 403),
    params=[*RID, param("reveal", schema={"enum": ["", "true", "false"]})],
    expect=(200, 404),
)
def entry_curl(request_id):
    """Answer {curl, corrected, fix, bodySize, bodySha256, truncated}."""
    entry = raw_entry_or_404(request_id)
    masker = None if reveal() else runtime().masker()
    fixed, why = curl.corrected(entry, runtime().store, runtime().clock.time())
    return {
        "curl": curl.command(entry, base_url(), masker),
        "corrected": curl.command(fixed, base_url(), masker) if fixed else None,
        "fix": why,
        "bodySize": entry["body_size"],
        "bodySha256": export.digest(entry["body"]),
        "truncated": entry["truncated"],
    }


@bp.post("/journal/<request_id>/replay")
@viewer_allowed
@declare_admin(
    "Replay a request with the exact bytes received: a new journal entry, linked to this one",
    "Replayed",
    errors=(401, 403, 409),
    params=RID,
    expect=(200, 404),
)
def replay(request_id):
    """Send the stored request again through the whole request path; answer the new entry."""
    entry = raw_entry_or_404(request_id)
    if entry["truncated"]:
        raise ApiError(
            409,
            f"Only {len(entry['body']):,} of the body's {entry['body_size']:,} bytes were kept, "
            "so it cannot be replayed exactly",
            "body_truncated",
            "Raise SANDBOX_BODY_MAX to keep whole bodies.",
        )
    if "text/event-stream" in entry["response_headers"].get("Content-Type", ""):
        raise ApiError(
            409,
            "A stream (/sse) is not replayed: it would hold this request open",
            "stream_not_replayed",
            "Open the stream again from the client.",
        )
    headers = [(k, v) for k, v in entry["headers"].items() if k.lower() not in curl.SKIPPED]
    headers.append(("X-Sandbox-Replay-Of", request_id))
    # A fresh app context: Flask would reuse this request's, and its `g` (the replayed
    # request's Call would then be finished twice, by its own hook and by this request's).
    with current_app.app_context():
        answer = _replayed(entry, headers)
    new_id = answer.headers.get("X-Sandbox-Request-Id")
    return {
        "replayOf": request_id,
        "requestId": new_id,
        "status": answer.status_code,
        "body": answer.get_data(as_text=True)[:65536],
        "bodySha256": export.digest(entry["body"]),
    }


def _replayed(entry: dict, headers: list):
    return Client(current_app).open(
        entry["path"],
        method=entry["method"],
        query_string=entry["query"] or None,
        headers=headers,
        data=entry["body"],
        environ_base={"REMOTE_ADDR": "sandbox-replay"},
    )


@bp.get("/received")
@viewer_allowed
@declare_admin(
    '"Did you receive it?": yes or no by event id, user, event name and time, with the records',
    "Received",
    errors=(400, 401, 404),
    params=[
        param("tenant", schema=journal_filters.SCHEMAS["tenant"]),
        param("event_id", schema=journal_filters.SCHEMAS["event_id"]),
        param("user", schema=journal_filters.SCHEMAS["user"], example="postman-user"),
        param("event_name", schema=journal_filters.SCHEMAS["event_name"]),
        param("since", schema=journal_filters.SCHEMAS["since"]),
        param("until", schema=journal_filters.SCHEMAS["until"]),
        param("before", schema=journal_filters.SCHEMAS["before"]),
    ],
)
def received():
    """Answer per event: received, refused (each refusal and why) or not seen (and what is
    nearest); scoped to the tenant asked, or the viewer's."""
    keys = ("tenant", "event_id", "user", "event_name", "since", "until", "before")
    unknown = sorted(k for k in request.args if k not in (*keys, "token"))
    if unknown:
        raise ApiError(
            400, f"unknown key(s) {', '.join(unknown)}", "unknown_filter", f"Use {', '.join(keys)}."
        )
    filters = checked_filters({k: v for k, v in request.args.items() if k in keys})
    tenant_id = filters.exact.get("tenant_id")  # a viewer's always; "\x00none" matches nothing

    def link(request_id: str) -> str:
        return url_for("admin.journal_entry", request_id=request_id, _external=True)

    return (
        runtime().masker().json(received_model.received(runtime().store, filters, tenant_id, link))
    )


@bp.get("/journal/<request_id>/timeline")
@viewer_allowed
@declare_admin(
    "The causal timeline of a request: event, rules, draws, rewards, attempts, dead letter",
    "Timeline",
    errors=(401,),
    params=RID,
    expect=(200, 404),
)
def entry_timeline(request_id):
    """Answer each step that followed from this request, in order."""
    entry = raw_entry_or_404(request_id)
    return runtime().masker().json(causes.of(runtime().store, entry))
