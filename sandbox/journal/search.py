"""The journal: every request to the emulated API, stored with its outcome, and its search."""

import base64
import json
from datetime import datetime

from ..masking import mask_headers, mask_json_body
from ..store import Store, loads

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
)
JSON_COLUMNS = ("headers", "response_headers", "checks", "flags", "problems")
SUMMARY = (
    "id",
    "request_id",
    "ts",
    "tenant_id",
    "user_id",
    "event_id",
    "method",
    "path",
    "status",
    "latency_ms",
    "auth_result",
    "auth_reason",
    "flags",
)


def _epoch(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def fts_query(text: str) -> str:
    """Return a full-text query matching every word of `text` (words quoted: no FTS syntax)."""
    words = text.split()
    if not words:
        raise ValueError("q needs at least one word")
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def search(store: Store, filters: dict, limit: int = 50) -> dict:
    """Return journal summaries matching `filters`, newest first, with a `next` cursor.

    Filters: tenant, user, event_id, path, path_prefix, method, status (200, or 4xx),
    reason, flag, since, until (ISO 8601 or epoch seconds), before / after (entry ids),
    q (words of the path or request body, full-text; the index trails ingest by ~1 s).
    """
    where, params = [], []
    simple = {
        "tenant": "tenant_id",
        "user": "user_id",
        "event_id": "event_id",
        "path": "path",
        "method": "method",
        "reason": "auth_reason",
        "request_id": "request_id",
    }
    for key, col in simple.items():
        if filters.get(key):
            where.append(f"journal.{col} = ?")
            params.append(filters[key].upper() if key == "method" else filters[key])
    if filters.get("path_prefix"):
        where.append("journal.path >= ? AND journal.path < ?")
        params += [filters["path_prefix"], filters["path_prefix"] + "\uffff"]
    status = filters.get("status")
    if status:
        if status.lower().endswith("xx"):
            base = int(status[0]) * 100
            where.append("journal.status >= ? AND journal.status < ?")
            params += [base, base + 100]
        else:
            where.append("journal.status = ?")
            params.append(int(status))
    if filters.get("flag"):
        where.append("EXISTS (SELECT 1 FROM json_each(journal.flags) WHERE value = ?)")
        params.append(filters["flag"])
    if filters.get("since"):
        where.append("journal.ts_epoch >= ?")
        params.append(_epoch(filters["since"]))
    if filters.get("until"):
        where.append("journal.ts_epoch <= ?")
        params.append(_epoch(filters["until"]))
    order = "DESC"
    if filters.get("before"):
        where.append("journal.id < ?")
        params.append(int(filters["before"]))
    if filters.get("after"):
        where.append("journal.id > ?")
        params.append(int(filters["after"]))
        order = "ASC"
    q = fts_query(filters["q"]) if filters.get("q") else None  # a bad q is a 400 even so
    shards = store.shards()
    if not shards:
        return {"entries": [], "count": 0, "next": None}
    if q:
        # Per shard, the full-text index leads, newest match first; SQLite merges the
        # shards in id order and stops at LIMIT. The id is the index's own rowid, so
        # FTS5 streams: ordering by journal.id (the same value) makes SQLite sort every
        # match (0.5 s for 1M rows).
        where.insert(0, "journal_fts MATCH ?")
        params.insert(0, q)
        rest = ", ".join(f"journal.{c}" for c in SUMMARY if c != "id")
        sql = " UNION ALL ".join(
            f"SELECT journal_fts.rowid AS id, {rest} FROM {shard}.journal_fts "
            f"JOIN {shard}.journal AS journal ON journal.id = journal_fts.rowid "
            "WHERE " + " AND ".join(where)
            for shard in shards
        )
        params = params * len(shards)
        order_by = "id"
    else:
        # `journal` is the view over every shard (store/shards.py): merged in id order.
        cols = ", ".join(f"journal.{c}" for c in SUMMARY)
        sql, order_by = f"SELECT {cols} FROM journal", "journal.id"
        if where:
            sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order_by} {order} LIMIT ?"
    rows = store.journal_all(sql, (*params, limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        row["flags"] = loads(row["flags"], [])
    nxt = None
    if more and rows:
        nxt = {"before": rows[-1]["id"]} if order == "DESC" else {"after": rows[-1]["id"]}
    return {"entries": rows, "count": len(rows), "next": nxt}


def _body_view(raw, content_type: str | None) -> dict | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.encode()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"encoding": "base64", "data": base64.b64encode(raw).decode()}
    view = {"encoding": "utf-8", "text": mask_json_body(text)}
    if content_type and "json" in content_type:
        try:
            view["json"] = json.loads(view["text"])
        except ValueError:
            pass
    return view


def get_entry(store: Store, request_id: str) -> dict | None:
    """Return one journal entry for display: secrets masked, bodies decoded."""
    row = store.journal_one("SELECT * FROM journal WHERE request_id = ?", (request_id,))
    if row is None:
        return None
    for col in JSON_COLUMNS:
        row[col] = loads(row[col])
    headers = row["headers"] or {}
    row["headers"] = mask_headers(headers)
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    row["body"] = _body_view(row["body"], ctype)
    rctype = (row["response_headers"] or {}).get("Content-Type")
    row["response_body"] = _body_view(row["response_body"], rctype)
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
