"""Exports of a journal search: JSON (the entries in full), CSV (a line each) and HAR 1.2,
which opens in a browser's network panel. Credentials are masked unless asked for."""

import csv
import hashlib
import io
from urllib.parse import parse_qsl

from werkzeug.http import HTTP_STATUS_CODES

from ..config import VERSION
from ..masking import Masker, csv_cell
from ..store import Store, loads
from .search import HEADLINE, entry_view

MAX_EXPORT = 5000
DEFAULT_EXPORT = 500  # a page a request builds in well under half a second (bench/scale.py)
CSV_FIELDS = (
    *HEADLINE,
    "auth_result",
    "auth_reason",
    "latency_ms",
    "body_size",
    "body_sha256",
)


def stored_rows(store: Store, request_ids: list[str]) -> list[dict]:
    """Return entries as the journal holds them, in the order asked (gone ones left out)."""
    found: dict = {}
    for start in range(0, len(request_ids), 500):  # one query per 500, by the unique index
        chunk = request_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in store.journal_all(f"SELECT * FROM journal WHERE request_id IN ({marks})", chunk):
            found[row["request_id"]] = row
    return [found[rid] for rid in request_ids if rid in found]


def entries(store: Store, request_ids: list[str], masker: Masker, reveal: bool) -> list[dict]:
    """Return entries for display in the order asked: masked, or with the headers and query as
    they arrived (reveal; the bodies stay masked)."""
    shown = []
    for row in stored_rows(store, request_ids):
        raw_headers, raw_query = loads(row["headers"], None), row["query"]
        shown.append(entry_view(row, masker))
        if reveal:
            shown[-1].update(headers=raw_headers, query=raw_query)
    return shown


def full_rows(store: Store, request_ids: list[str]) -> list[dict]:
    """Return entries as stored (headers parsed, bodies as bytes), in the order asked."""
    out = stored_rows(store, request_ids)
    for row in out:
        for col in ("headers", "response_headers", "checks", "flags", "problems"):
            row[col] = loads(row[col], None)
        for col in ("body", "response_body"):
            value = row[col]
            row[col] = value.encode() if isinstance(value, str) else (value or b"")
    return out


def digest(body: bytes) -> str:
    """Return a body's SHA-256 (hex): proof that what arrived is what was sent."""
    return hashlib.sha256(body).hexdigest()


def _text(body: bytes, masker: Masker | None, content_type: str | None) -> str:
    text = body.decode(errors="replace")
    return masker.body(text, content_type) if masker else text


def _ctype(headers: dict | None) -> str:
    for k, v in (headers or {}).items():
        if k.lower() == "content-type":
            return v
    return ""


def _headers(headers: dict | None, masker: Masker | None) -> list[dict]:
    shown = masker.headers(headers) if masker else (headers or {})
    return [{"name": k, "value": v} for k, v in shown.items()]


def har(rows: list[dict], base_url: str, masker: Masker | None) -> dict:
    """Return a HAR 1.2 log of the entries."""
    entries = []
    for r in rows:
        query = r["query"] or ""
        shown_query = masker.query(query) if masker and query else query
        path = masker.path(r["path"]) if masker else r["path"]
        url = base_url.rstrip("/") + path + (f"?{shown_query}" if shown_query else "")
        request = {
            "method": r["method"],
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": _headers(r["headers"], masker),
            "queryString": [{"name": k, "value": v} for k, v in parse_qsl(shown_query)],
            "headersSize": -1,
            "bodySize": r["body_size"] or 0,
        }
        if r["body"]:
            ctype = _ctype(r["headers"])
            request["postData"] = {
                "mimeType": ctype,
                "text": _text(r["body"], masker, ctype),
            }
        ctype = _ctype(r["response_headers"])
        status = r["status"] or 0
        entries.append(
            {
                "startedDateTime": r["ts"],
                "time": r["latency_ms"] or 0,
                "request": request,
                "response": {
                    "status": status,
                    "statusText": HTTP_STATUS_CODES.get(status, ""),
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": _headers(r["response_headers"], masker),
                    "content": {
                        "size": len(r["response_body"]),
                        "mimeType": ctype,
                        "text": _text(r["response_body"], masker, ctype),
                    },
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": len(r["response_body"]),
                },
                "cache": {},
                "timings": {"send": 0, "wait": r["latency_ms"] or 0, "receive": 0},
                "_requestId": r["request_id"],
                "_bodySha256": digest(r["body"]),
            }
        )
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "customerglu-sandbox", "version": VERSION},
            "entries": entries,
        }
    }


def as_csv(rows: list[dict], masker: Masker | None) -> str:
    """Return a line per entry (the summary and the body's size and SHA-256)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        line = {k: r.get(k) for k in CSV_FIELDS}
        line["body_sha256"] = digest(r["body"])
        if masker:
            line = {k: masker.text(v) if isinstance(v, str) else v for k, v in line.items()}
        writer.writerow({k: csv_cell(v) for k, v in line.items()})
    return buf.getvalue()
