"""The journal's filter language, parsed and checked in one place (the admin search, the feed).

Every value is bounded: text without NUL and at most MAX_TEXT characters, ids and times
within SQLite's and datetime's ranges, flags from the list the sandbox sets. A value
outside its grammar is a BadFilter that names the key, what was wrong and the fix.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ..numbers import whole
from . import tail

MAX_TEXT = 1000
MAX_LIMIT = 500
_LATEST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z
# The flags the sandbox puts on journal entries.
FLAGS = ("invalid", "duplicate", "no_token", "filter_matches_nothing", "tls", "tunnel", "fault")
# filter -> journal column, for the filters that match a value exactly
EXACT = {
    "tenant": "tenant_id",
    "user": "user_id",
    "event_id": "event_id",
    "path": "path",
    "method": "method",
    "reason": "auth_reason",
    "request_id": "request_id",
}
KEYS = (
    *EXACT,
    "path_prefix",
    "status",
    "flag",
    "auth",
    "event_name",
    "since",
    "until",
    "before",
    "after",
    "q",
)
AUTH_RESULTS = ("pass", "fail")
_TEXT = {"type": "string", "maxLength": MAX_TEXT, "pattern": "^[^\\u0000]*$"}


def _grammar(pattern: str) -> dict:
    # Blank is allowed: a blank filter is no filter.
    return {"type": "string", "pattern": f"^({pattern})?$"}


# The grammar of each filter, as the OpenAPI document states it (ISO 8601 times and the
# opaque `after` cursor from `next` are accepted too; the README documents them).
SCHEMAS = {
    **{key: _TEXT for key in (*EXACT, "path_prefix", "q")},
    "method": _grammar("[A-Za-z]{1,16}"),
    "status": _grammar("[1-5]([0-9][0-9]|[xX][xX])"),
    "flag": {"enum": ["", *FLAGS]},
    "auth": {"enum": ["", "pass", "fail"]},
    "event_name": _TEXT,
    "since": _grammar("[0-9]{1,11}([.][0-9]{1,6})?"),
    "until": _grammar("[0-9]{1,11}([.][0-9]{1,6})?"),
    "before": _grammar("[0-9]{1,18}"),
    "after": _grammar("[0-9]{1,18}"),
    "limit": _grammar("[1-9]|[1-9][0-9]|[1-4][0-9][0-9]|500"),
}
IGNORED = ("token", "limit")  # the admin token in the query string; the page size


class BadFilter(ValueError):
    """A filter value outside its grammar: a 400 with a reason code."""

    def __init__(self, message: str, reason: str = "bad_filter", status: int = 400):
        super().__init__(message)
        self.reason, self.status = reason, status


@dataclass
class Filters:
    """A checked search: exact matches, ranges, a cursor, full-text words and a page size."""

    exact: dict = field(default_factory=dict)  # journal column -> value
    path_prefix: str | None = None
    status: tuple[int, int] | None = None  # [low, high)
    flag: str | None = None
    auth: str | None = None  # the auth verdict: pass or fail
    event_name: str | None = None  # the event's name (an ingested event's entry)
    since: float | None = None
    until: float | None = None
    before: int | None = None
    after: dict | None = None  # positions per journal file (tail.py)
    upto: dict | None = None  # read no further than these positions (the feed's join)
    q: str | None = None  # an FTS5 query, every word quoted
    limit: int = 50


def _text(key: str, value: str) -> str:
    if "\x00" in value:
        raise BadFilter(f"{key} contains a NUL character")
    if len(value) > MAX_TEXT:
        raise BadFilter(f"{key} is {len(value)} characters long; at most {MAX_TEXT}")
    return value


def _status(value: str) -> tuple[int, int]:
    code = value.lower()
    if len(code) == 3 and code.isascii() and code[0] in "12345":
        if code[1:] == "xx":
            return int(code[0]) * 100, int(code[0]) * 100 + 100
        if code.isdigit():
            return int(code), int(code) + 1
    raise BadFilter("status must be a code (401) or a class (4xx), 100-599", "bad_status")


def _epoch(key: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except (ValueError, OverflowError) as exc:
            raise BadFilter(
                f"{key} must be ISO 8601 (2026-11-27T10:00:00Z) or epoch seconds ({exc})",
                "bad_time",
            ) from exc
    if not math.isfinite(seconds) or not 0 <= seconds <= _LATEST_EPOCH:
        raise BadFilter(f"{key} must be a time between 1970 and 9999", "bad_time")
    return seconds


def _entry_id(key: str, value: str) -> int:
    found = whole(value, 2**63 - 1)
    if found is None:
        raise BadFilter(f"{key} must be a journal entry id (a whole number)", "bad_cursor")
    return found


def fts_query(text: str) -> str:
    """Return a full-text query matching every word of `text` (words quoted: no FTS syntax)."""
    words = text.split()
    if not words:
        raise BadFilter("q needs at least one word", "bad_query")
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def parse(args: Mapping[str, str], tenant_id: Callable[[str], str | None]) -> Filters:
    """Return the checked filters of a query; raise BadFilter for the first bad one.

    `tenant_id` turns a tenant reference (id, name or writeKey) into the tenant's id.
    """
    unknown = sorted(k for k in args if k not in KEYS and k not in IGNORED)
    if unknown:
        raise BadFilter(
            f"unknown filter(s) {', '.join(unknown)}; the filters are {', '.join(KEYS)}",
            "unknown_filter",
        )
    got = {k: _text(k, v) for k, v in args.items() if v != "" and k != "token"}
    out = Filters()
    if "method" in got and not (got["method"].isascii() and got["method"].isalpha()):
        raise BadFilter("method must be an HTTP method (GET, POST, ...)")
    for key, column in EXACT.items():
        if key in got:
            out.exact[column] = got[key].upper() if key == "method" else got[key]
    if "tenant" in got:
        found = tenant_id(got["tenant"])
        if found is None:
            raise BadFilter(
                f"no tenant {got['tenant']!r}: give its id, name or writeKey",
                "tenant_not_found",
                404,
            )
        out.exact["tenant_id"] = found
    out.path_prefix = got.get("path_prefix")
    if "status" in got:
        out.status = _status(got["status"])
    if "flag" in got:
        if got["flag"] not in FLAGS:
            raise BadFilter(f"flag must be one of {', '.join(FLAGS)}", "bad_flag")
        out.flag = got["flag"]
    if "auth" in got:
        if got["auth"] not in AUTH_RESULTS:
            raise BadFilter("auth must be pass or fail", "bad_auth")
        out.auth = got["auth"]
    out.event_name = got.get("event_name")
    for key in ("since", "until"):
        if key in got:
            setattr(out, key, _epoch(key, got[key]))
    if "before" in got:
        out.before = _entry_id("before", got["before"])
    if "after" in got:
        try:
            out.after = tail.decode(got["after"])
        except tail.BadCursor as exc:
            raise BadFilter(f"after: {exc}", "bad_cursor") from exc
    if got.get("q", "").strip():  # a blank q is no filter, like any blank filter
        out.q = fts_query(got["q"])
    limit = whole(got.get("limit", "50"), MAX_LIMIT)
    if not limit:  # None, or 0
        raise BadFilter(f"limit must be a whole number from 1 to {MAX_LIMIT}", "bad_limit")
    out.limit = limit
    return out
