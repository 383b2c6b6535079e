"""The inspector's routes on the admin surface: the page, cURL, replay, export, "did you receive
it?" and the causal timeline of a request. A tenant viewer gets each, scoped to its tenant."""

import json
import time
from urllib.parse import urlencode, urlsplit

from flask import (
    Response,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.test import Client

from ..admin import OPEN_ENDPOINTS, access, bp, viewer_allowed, viewer_of
from ..admin.views import _masker, checked_filters, in_scope, scope
from ..config import VERSION
from ..domain import sessions, tenants, viewer_tokens
from ..errors import ApiError
from ..http.current import base_url
from ..journal import filters as journal_filters
from ..journal import received as received_model
from ..journal import search as journal
from ..openapi.declare import ADMIN, NONE, declare, param
from ..store import loads
from . import curl, export, timeline

RID = [param("request_id", "path", True, example="req_postman")]
# Query keys of the export and the feed that are not journal filters.
OWN_KEYS = ("format", "reveal", "limit", "cursor", "backfill", "kinds")


def _store():
    return current_app.extensions["sandbox.store"]


def _reveal() -> bool:
    """Credentials in clear: asked for, and only the admin may ask."""
    raw = request.args.get("reveal", "").lower()
    if raw not in ("", "true", "false"):
        raise ApiError(400, "reveal must be true or false", "bad_reveal")
    asked = raw == "true"
    if asked and scope() is not None:
        raise ApiError(403, "A tenant viewer never sees credentials in clear", "viewer_not_allowed")
    return asked


def _raw_or_404(request_id: str) -> dict:
    entry = curl.raw_entry(_store(), request_id)
    if entry is None or not in_scope(entry["tenant_id"]):
        raise ApiError(
            404,
            f"No journal entry {request_id!r}",
            "journal_entry_not_found",
            "Search with GET /_sandbox/journal.",
        )
    return entry


@bp.get("/inspector")
@viewer_allowed
@declare(
    "The live inspector (HTML): a ?token= is traded for a cookie and dropped from the URL",
    "admin",
    ADMIN,
    None,
    errors=(401,),
    ok_type="text/html",
)
def inspector_page():
    """Serve the inspector; an open with ?token= starts a session and reloads without it.

    Only on a navigation the user made (typed, pasted, the banner's link): a link on
    another site gets a page that asks first, so no site can log a browser in as a viewer
    of its choosing (login CSRF).
    """
    principal = g.principal
    if request.args.get("token"):
        if request.headers.get("Sec-Fetch-Site") not in ("none", "same-origin"):
            return _confirm_page(principal)
        return _start_session(principal)
    admin_token = current_app.config["ADMIN_TOKEN"]
    tenant = tenants.by_id(_store(), principal.tenant_id) if principal.viewer else None
    html = render_template(
        "inspector/inspector.html",
        csrf=access.csrf_token(admin_token, principal),
        viewer=tenant["name"] if tenant else None,
        test_mode=current_app.config["TEST_MODE"],
        version=VERSION,
    )
    # The page and its script only: no frame, no outside script, no referrer with tokens.
    return _guarded(html, "default-src 'self'; base-uri 'none'")


def _guarded(html: str, policy: str) -> Response:
    """Return an HTML page that no other site may frame, and that leaks no referrer."""
    response = make_response(html)
    response.headers["Content-Security-Policy"] = (
        f"{policy}; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _start_session(principal) -> Response:
    """Answer a redirect to the inspector that sets the session cookie (never the token)."""
    session_id, write = sessions.create(principal.token, time.time())
    _store().write(write)
    response = redirect("/_sandbox/inspector", code=303)
    response.set_cookie(
        access.COOKIE,
        session_id,
        max_age=sessions.SESSION_SECONDS,
        httponly=True,
        samesite="Strict",
        path="/_sandbox",
        secure=request.is_secure,
    )
    return response


def _confirm_page(principal) -> Response:
    tenant = tenants.by_id(_store(), principal.tenant_id) if principal.viewer else None
    html = render_template(
        "inspector/confirm.html", viewer=tenant["name"] if tenant else None, token=principal.token
    )
    return _guarded(html, "default-src 'none'; style-src 'unsafe-inline'")


@bp.post("/inspector/session")
@declare(
    "Start an inspector session from the confirmation page (the form's token; same origin only)",
    "admin",
    NONE,
    None,
    errors=(401, 403),
    ok_type="text/html",
    expect=(401, 403),
)
def inspector_login():
    """Trade the confirmed token for the session cookie; only a form of this sandbox's own."""
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site")
    if site not in (None, "same-origin") or (origin and urlsplit(origin).netloc != request.host):
        raise ApiError(
            403,
            "The inspector's session starts only from its own confirmation page",
            "cross_site_login",
            "Open /_sandbox/inspector?token=<token> yourself (paste it in the address bar).",
        )
    admin_token = current_app.config["ADMIN_TOKEN"]
    try:
        principal, _by_cookie, given = access.principal_of(
            admin_token, request.headers, request.form, {}, viewer=viewer_of
        )
    except viewer_tokens.ViewerTokenError as exc:
        raise ApiError(401, str(exc), exc.reason) from exc
    if principal is None:
        raise ApiError(
            401,
            "The token does not match the admin token or a viewer's",
            "admin_token_invalid" if given else "admin_token_missing",
            "Open the inspector with the URL the start-up banner prints.",
        )
    return _start_session(principal)


OPEN_ENDPOINTS.add("admin.inspector_login")


@bp.get("/journal/<request_id>/curl")
@viewer_allowed
@declare(
    "A journal entry as cURL, and for a rejected request the corrected cURL that answers 200",
    "admin",
    ADMIN,
    "Curl",
    errors=(400, 401, 403),
    params=[*RID, param("reveal", schema={"enum": ["", "true", "false"]})],
    expect=(200, 404),
)
def entry_curl(request_id):
    """Answer {curl, corrected, fix, bodySize, bodySha256, truncated}."""
    entry = _raw_or_404(request_id)
    masker = None if _reveal() else _masker()
    fixed, why = curl.corrected(entry, _store(), current_app.extensions["sandbox.clock"].time())
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
@declare(
    "Replay a request with the exact bytes received: a new journal entry, linked to this one",
    "admin",
    ADMIN,
    "Replayed",
    errors=(401, 403, 409),
    params=RID,
    expect=(200, 404),
)
def replay(request_id):
    """Send the stored request again through the whole request path; answer the new entry."""
    entry = _raw_or_404(request_id)
    if entry["truncated"]:
        raise ApiError(
            409,
            f"Only {len(entry['body']):,} of the body's {entry['body_size']:,} bytes were kept, "
            "so it cannot be replayed exactly",
            "body_truncated",
            "Raise SANDBOX_BODY_MAX to keep whole bodies.",
        )
    if "text/event-stream" in (loads(entry.get("response_headers"), {}) or {}).get(
        "Content-Type", ""
    ):
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


def _search_ids(args, limit: int) -> tuple[list[str], str | None]:
    """Return the request ids of a search, newest first, up to `limit`; and the cursor of more."""
    filters = checked_filters({k: v for k, v in args.items() if k not in OWN_KEYS})
    ids: list[str] = []
    while len(ids) < limit:
        # Never more than asked: the next page's cursor is the last entry given.
        filters.limit = min(500, limit - len(ids))
        page = journal.search(_store(), filters, _masker())
        ids += [r["request_id"] for r in page["entries"]]
        if not page["next"]:
            return ids[:limit], None
        filters.before = page["next"]["before"]
    return ids[:limit], str(filters.before)


def _export_limit() -> int:
    raw = request.args.get("limit", str(export.DEFAULT_EXPORT))
    if not raw.isdigit() or not 1 <= int(raw) <= export.MAX_EXPORT:
        raise ApiError(
            400,
            f"limit must be a whole number from 1 to {export.MAX_EXPORT:,}",
            "bad_limit",
            "Page through more with the Link header's next URL (?before=).",
        )
    return int(raw)


@bp.get("/export")
@viewer_allowed
@declare(
    "Export a journal search as JSON, CSV or HAR 1.2 (credentials masked unless ?reveal=true)",
    "admin",
    ADMIN,
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
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv", "har"):
        raise ApiError(400, "format must be json, csv or har", "bad_format")
    masker = None if _reveal() else _masker()
    ids, more = _search_ids(request.args, _export_limit())
    rows = export.full_rows(_store(), ids)
    if fmt == "csv":
        body, kind = export.as_csv(rows, masker), "text/csv"
    elif fmt == "har":
        body, kind = json.dumps(export.har(rows, base_url(), masker), indent=1), "application/json"
    else:
        shown = [journal.get_entry(_store(), r["request_id"], _masker()) for r in rows]
        if masker is None:
            shown = [
                {**s, "headers": r["headers"], "query": r["query"]}
                for s, r in zip(shown, rows, strict=True)
            ]
        body, kind = json.dumps({"entries": shown}, indent=1, default=str), "application/json"
    name = f"sandbox-journal.{'har' if fmt == 'har' else fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if more:  # the next page: the same search, older than the last entry given
        args = {k: v for k, v in request.args.items() if k not in ("before", "token")}
        headers["Link"] = f'<{request.base_url}?{urlencode({**args, "before": more})}>; rel="next"'
    return Response(body, mimetype=kind, headers=headers)


@bp.get("/received")
@viewer_allowed
@declare(
    '"Did you receive it?": yes or no by event id, user, event name and time, with the records',
    "admin",
    ADMIN,
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

    return _masker().json(received_model.received(_store(), filters, tenant_id, link))


@bp.get("/journal/<request_id>/timeline")
@viewer_allowed
@declare(
    "The causal timeline of a request: event, rules, draws, rewards, attempts, dead letter",
    "admin",
    ADMIN,
    "Timeline",
    errors=(401,),
    params=RID,
    expect=(200, 404),
)
def entry_timeline(request_id):
    """Answer each step that followed from this request, in order."""
    entry = _raw_or_404(request_id)
    return _masker().json(timeline.of(_store(), entry))
