"""The journal: every request to the emulated API, stored with its outcome, and its search."""

import base64
import json

from ..masking import Masker
from ..store import Store, loads
from ..store.jsontext import finite, lone_surrogate, may_hold_surrogate, may_nest_deeper
from . import tail, window
from .filters import Filters

COLUMNS = (
    "request_id",
    "ts",
    "ts_epoch",
    "tenant_id",
    "user_id",
    "event_id",
    "method",
    "host",
    "path",
    "query",
    "route",
    "client_addr",
    "headers",
    "body",
    "body_size",
    "status",
    "response_headers",
    "response_body",
    "latency_ms",
    "auth_result",
    "auth_reason",
    "checks",
    "flags",
    "problems",
    "event_name",
    "attribution",
)
JSON_COLUMNS = ("headers", "response_headers", "checks", "flags", "problems")
# The columns every line-a-entry view leads with (the summary here, the CSV export).
HEADLINE = ("request_id", "ts", "tenant_id", "user_id", "event_id", "method", "path", "status")
SUMMARY = (
    "id",
    *HEADLINE,
    "latency_ms",
    "auth_result",
    "auth_reason",
    "flags",
    "event_name",
    "attribution",
)


def search(store: Store, filters: Filters, masker: Masker) -> dict:
    """Return journal summaries matching `filters`, newest first, with a `next` cursor.

    `before` pages to older entries (newest first); `after`, a cursor with a position per
    journal file (tail.py), to newer ones (oldest first). Full-text `q` trails ingest by
    about a second (the index is built between batches).
    """
    where, params = [], []
    for column, value in filters.exact.items():
        where.append(f"journal.{column} = ?")
        params.append(value)
    if filters.path_prefix:
        where.append("journal.path >= ? AND journal.path < ?")
        params += [filters.path_prefix, filters.path_prefix + "\uffff"]
    if filters.status:
        where.append("journal.status >= ? AND journal.status < ?")
        params += list(filters.status)
    if filters.flag:
        where.append("EXISTS (SELECT 1 FROM json_each(journal.flags) WHERE value = ?)")
        params.append(filters.flag)
    if filters.auth:
        where.append("journal.auth_result = ?")
        params.append(filters.auth)
    if filters.since is not None:
        where.append("journal.ts_epoch >= ?")
        params.append(filters.since)
    if filters.until is not None:
        where.append("journal.ts_epoch <= ?")
        params.append(filters.until)
    order = "DESC"
    if filters.before is not None:
        where.append("journal.id < ?")
        params.append(filters.before)
    positions = filters.after
    if positions is not None:
        order = "ASC"
    limit = filters.limit
    shards = store.shards()
    if not shards:
        return {"entries": [], "count": 0, "next": None}
    # A filter tested entry by entry walks a small window, then a large one (window.py).
    reached = None
    for size in window.sizes() if window.needed(filters) else (None,):
        reached = window.floor(store, shards, filters, size) if size else None
        rows = _select(store, shards, filters, where, params, order, reached)
        if len(rows) > limit or reached is None:
            break
    more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        row["flags"] = loads(row["flags"], [])
        for col in ("path", "user_id", "event_id"):
            if row[col]:
                row[col] = masker.text(row[col])
    nxt = None
    if more and rows:
        if order == "DESC":
            nxt = {"before": rows[-1]["id"]}
        else:
            nxt = {"after": tail.encode(tail.advanced(positions, rows))}
    elif reached is not None:
        # The window held no more: older entries are for the next page, from below it.
        answer = {"entries": rows, "count": len(rows), "next": {"before": reached}}
        return {**answer, "window": window.note(reached)}
    return {"entries": rows, "count": len(rows), "next": nxt}


def _select(store: Store, shards, filters: Filters, where, params, order, reached) -> list:
    """Run the search's SELECT over every journal file, from `reached` up if given."""
    where, params = list(where), list(params)
    q, positions = filters.q, filters.after
    if reached is not None:
        # Every file from the window's lowest id up: nothing past it is walked.
        where.append(("journal_fts.rowid" if q else "journal.id") + " >= ?")
        params.append(reached)
    if q:
        where.insert(0, "journal_fts MATCH ?")
        params.insert(0, q)
    parts, all_params = [], []
    for shard in shards:
        clauses, values = list(where), list(params)
        if filters.event_name is not None:
            # The entry's own column: a refused request that named the event matches too.
            clauses.append("journal.event_name = ?")
            values.append(filters.event_name)
        if positions is not None:
            # Forward paging resumes per file: one global id could skip a late commit.
            clauses.append("journal.id > ?")
            values.append(tail.position(positions, tail.shard_slot(shard)))
        if filters.upto is not None:
            clauses.append("journal.id <= ?")
            values.append(filters.upto.get(tail.shard_slot(shard), 0))
        parts.append(_shard_select(shard, bool(q), clauses))
        all_params += values
    # SQLite merges the files' selects in id order and stops at LIMIT. With q, the
    # full-text index leads, newest match first; its rowid is the entry id, so ordering
    # by it lets FTS5 stream; ordering by journal.id sorts every match (docs/architecture.md).
    sql = " UNION ALL ".join(parts) + f" ORDER BY id {order} LIMIT ?"
    return store.journal_all(sql, (*all_params, filters.limit + 1))


def _shard_select(shard: str, fulltext: bool, where: list[str]) -> str:
    """Return the SELECT of the summary columns from one journal file."""
    rest = ", ".join(f"journal.{c}" for c in SUMMARY if c != "id")
    if fulltext:
        source = (
            f"{shard}.journal_fts JOIN {shard}.journal AS journal ON journal.id = journal_fts.rowid"
        )
        first = "journal_fts.rowid AS id"
    else:
        source, first = f"{shard}.journal AS journal", "journal.id AS id"
    sql = f"SELECT {first}, {rest} FROM {source}"
    return sql + (" WHERE " + " AND ".join(where) if where else "")


def _body_view(raw, content_type: str | None, masker: Masker) -> dict | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.encode()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"encoding": "base64", "data": base64.b64encode(raw).decode()}
    view = {"encoding": "utf-8", "text": masker.body(text, content_type)}
    # A body nested deeper than any accepted one (the request path's limit) is shown as
    # text only: entries older than the limit may hold one, and its tree is no help.
    # Nor is one whose strings may hold a lone surrogate: no JSON answer can carry it.
    text = view["text"]
    if content_type and "json" in content_type and not may_nest_deeper(text):
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            return view
        if not may_hold_surrogate(text.encode()) or lone_surrogate(parsed) is None:
            view["json"] = finite(parsed)  # strict JSON: a NaN sent is shown as text
    return view


def _content_type(headers: dict) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), None)


def get_entry(store: Store, request_id: str, masker: Masker) -> dict | None:
    """Return one journal entry for display: every secret masked, bodies decoded."""
    row = store.journal_one("SELECT * FROM journal WHERE request_id = ?", (request_id,))
    return None if row is None else entry_view(row, masker)


def entry_view(row: dict, masker: Masker) -> dict:
    """Return a stored journal row for display (in place): secrets masked, bodies decoded."""
    for col in JSON_COLUMNS:
        row[col] = loads(row[col])
    headers, response_headers = row["headers"] or {}, row["response_headers"] or {}
    for col, value in row.items():
        if isinstance(value, str) and col not in ("body", "response_body", "query"):
            row[col] = masker.text(value)  # a secret sent as a user id or in the path
    row["query"] = masker.query(row["query"]) if row["query"] else row["query"]
    row["headers"] = masker.headers(headers)
    row["response_headers"] = masker.headers(response_headers)
    row["checks"], row["problems"] = masker.json(row["checks"]), masker.json(row["problems"])
    row["body"] = _body_view(row["body"], _content_type(headers), masker)
    row["response_body"] = _body_view(row["response_body"], _content_type(response_headers), masker)
    return row


def count(store: Store, tenant_id: str | None = None) -> int:
    """Return how many entries the journal holds (for one tenant, or all)."""
    # Counted per shard and summed: a count through the view would copy every row.
    where, params = ("WHERE tenant_id = ?", (tenant_id,)) if tenant_id else ("", ())
    shards = store.shards()
    if not shards:
        return 0
    sql = " + ".join(f"(SELECT count(*) FROM {shard}.journal {where})" for shard in shards)
    return store.journal_one(f"SELECT {sql} AS n", params * len(shards))["n"]


def answer_of(store: Store, request_id: str) -> dict | None:
    """Return what an entry answered (status, auth_reason, response_body as stored), or None."""
    return store.journal_one(
        "SELECT status, auth_reason, response_body FROM journal WHERE request_id = ?",
        (request_id,),
    )


def raw_entry(store: Store, request_id: str) -> dict | None:
    """Return a journal entry as stored: the headers and body bytes as they arrived."""
    row = store.journal_one("SELECT * FROM journal WHERE request_id = ?", (request_id,))
    if row is None:
        return None
    row["headers"] = loads(row["headers"], {}) or {}
    row["checks"] = loads(row["checks"], []) or []
    row["response_headers"] = loads(row.get("response_headers"), {}) or {}
    body = row["body"]
    row["body"] = body.encode() if isinstance(body, str) else (body or b"")
    row["truncated"] = (row["body_size"] or 0) > len(row["body"])
    return row
