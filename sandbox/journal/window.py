"""How far back a search walks when a filter no index serves is given: a window of entries.

The journal is searched newest first. Tenant, user, event id, request id and full text each
lead an index; status, flag, auth, method, path, event name and times are tested row by row. A
filter of the second kind that matches nothing would walk every entry ever kept (a million:
0.6-0.8 s, bench/scale.py). So such a search looks at the newest WINDOW entries that the
leading index (or the journal's own order) gives, below the cursor, and answers what they
hold with `next` below the oldest of them: each page costs the same however long the
sandbox has run, and paging on skips nothing.
"""

from .filters import Filters

WINDOW = 20_000
# Tried first: a filter most entries meet (flag=invalid under a load test) fills its page
# from the newest thousand, without the large window's walk (about 20 ms at 20,000).
FIRST = 1_000
# Exact filters an index of the journal leads with (shard_schema.py; request_id is unique).
LEADING = ("tenant_id", "user_id", "event_id", "request_id")


def needed(filters: Filters) -> bool:
    """Return whether the search tests rows by a filter no index serves (newest first only)."""
    if filters.after is not None:
        return False  # forward from a tail's cursor: bounded by what arrived since
    row_tests = (
        filters.path_prefix,
        filters.status,
        filters.flag,
        filters.auth,
        filters.event_name,
        filters.since is not None,
        filters.until is not None,
    )
    return any(row_tests) or any(c not in LEADING for c in filters.exact)


def sizes() -> tuple[int, ...]:
    """Return the windows a search tries, smallest first."""
    return tuple(dict.fromkeys((min(FIRST, WINDOW), WINDOW)))


def floor(store, shards: tuple, filters: Filters, size: int) -> int | None:
    """Return the lowest id a window reaches: the size-th newest entry below the cursor
    that the leading index gives, the highest such over the journal files; None when no
    file holds that many (the search then reaches the oldest entry)."""
    reached = None
    for shard in shards:
        if filters.q:
            sql = (
                f"SELECT rowid FROM {shard}.journal_fts WHERE journal_fts MATCH ?"
                + (" AND rowid < ?" if filters.before is not None else "")
                + " ORDER BY rowid DESC LIMIT 1 OFFSET ?"
            )
            params = [filters.q]
        else:
            where = [f"{c} = ?" for c in filters.exact if c in LEADING]
            params = [v for c, v in filters.exact.items() if c in LEADING]
            if filters.before is not None:
                where.append("id < ?")
            sql = (
                f"SELECT id FROM {shard}.journal"
                + (" WHERE " + " AND ".join(where) if where else "")
                + " ORDER BY id DESC LIMIT 1 OFFSET ?"
            )
        if filters.before is not None:
            params.append(filters.before)
        row = store.journal_one(sql, (*params, size - 1))
        if row is not None:
            low = next(iter(row.values()))
            reached = low if reached is None else max(reached, low)
    return reached


def note(reached: int) -> dict:
    """Return what an answer says of a window that ended before the oldest entry."""
    return {
        "entries": WINDOW,
        "reached": reached,
        "message": (
            f"Looked at the newest {WINDOW:,} entries (below the cursor) for filters tested "
            "entry by entry; follow next for older ones."
        ),
    }
