"""The outbox table as the delivery engine reads and changes it: every statement on it outside
the record's read model (journal/) and the marks' rebuild. A domain write only adds a row
(domain/outbox.queue); what happens to it after is here.

A row is due when it is queued or retrying and its `next_at` (sandbox clock) has come; it is
claimable when no process holds a lease on it (`lease_until`, wall time: engine.py says why).
"""

from ..store import Store

_PENDING = "status IN ('queued', 'retrying')"
_DUE = f"{_PENDING} AND (next_at IS NULL OR next_at <= ?)"
_UNLEASED = "(lease_until IS NULL OR lease_until < ?)"
# The due rows by (status, next_at), soonest first: the planner, given (status, id) too
# (m023), preferred it and walked every pending row in id order (the failure cycle of
# bench/outgoing.py 1.29 -> 1.36-1.45 x plain attempts).
_BY_DUE = "outbox INDEXED BY idx_outbox_due"


def claimable(conn, now: float, wall: float, limit: int) -> list[dict]:
    """Return up to `limit` due rows no process holds, soonest first (in the claim's write)."""
    cur = conn.execute(
        f"SELECT * FROM {_BY_DUE} WHERE {_DUE} AND {_UNLEASED} ORDER BY coalesce(next_at, 0), id "
        "LIMIT ?",
        (now, wall, limit),
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def any_claimable(store: Store, now: float, wall: float) -> bool:
    """Return True if some due row is free to claim (a read: an idle loop takes no lock)."""
    return (
        store.one(f"SELECT 1 AS x FROM {_BY_DUE} WHERE {_DUE} AND {_UNLEASED} LIMIT 1", (now, wall))
        is not None
    )


def unleased(conn, delivery_id: str, wall: float) -> dict | None:
    """Return a delivery's row whatever its status if no process holds it, else None."""
    cur = conn.execute(
        f"SELECT * FROM outbox WHERE delivery_id = ? AND {_UNLEASED}", (delivery_id, wall)
    )
    found = cur.fetchone()
    return None if found is None else dict(zip([d[0] for d in cur.description], found, strict=True))


def lease(conn, row_id: int, until: float, owner: str) -> None:
    """Hold a row for `owner` until `until` (wall time)."""
    conn.execute(
        "UPDATE outbox SET lease_until = ?, lease_owner = ? WHERE id = ?", (until, owner, row_id)
    )


def count_due(store: Store, now: float) -> int:
    """Return how many rows are due now, claimed or not."""
    return store.one(f"SELECT count(*) AS n FROM outbox WHERE {_DUE}", (now,))["n"]


def earliest_due(store: Store) -> float | None:
    """Return when the first pending row is due (0 for one due at once), or None."""
    row = store.one(f"SELECT min(coalesce(next_at, 0)) AS at FROM outbox WHERE {_PENDING}")
    return row and row["at"]


def hold(conn, row_id: int, why: str, now: str) -> None:
    """Put a row on hold (nowhere to send it) and release its lease."""
    conn.execute(
        "UPDATE outbox SET status = 'held', decision = ?, lease_until = NULL, "
        "lease_owner = NULL, updated_at = ? WHERE id = ?",
        (why, now, row_id),
    )


def count_attempt(conn, row_id: int, n: int) -> None:
    """Record that attempt `n` of a row has started."""
    conn.execute("UPDATE outbox SET attempts = ? WHERE id = ?", (n, row_id))


def settle(conn, row_id: int, state: dict) -> None:
    """Write a row's state after an attempt's answer and release its lease.

    `state`: status, attempts, next_at, last_status, last_error, decision, updated_at,
    end_of_day.
    """
    conn.execute(
        "UPDATE outbox SET status = ?, attempts = ?, next_at = ?, lease_until = NULL, "
        "lease_owner = NULL, last_status = ?, last_error = ?, decision = ?, "
        "updated_at = ?, end_of_day = ? WHERE id = ?",
        (
            state["status"],
            state["attempts"],
            state["next_at"],
            state["last_status"],
            state["last_error"],
            state["decision"],
            state["updated_at"],
            state["end_of_day"],
            row_id,
        ),
    )


def release_held(conn, tenant_id: str, kind: str, decision: str, now: str) -> None:
    """Queue again a tenant's held and disabled rows of `kind` (it has a URL to send to now)."""
    conn.execute(
        "UPDATE outbox SET status = 'queued', next_at = NULL, decision = ?, updated_at = ? "
        "WHERE tenant_id = ? AND kind = ? AND status IN ('held', 'disabled')",
        (decision, now, tenant_id, kind),
    )


def has_failed(store: Store, tenant_id: str) -> bool:
    """Return True if the tenant has a dead letter (one probe of its index)."""
    row = store.one(
        "SELECT 1 AS x FROM outbox WHERE tenant_id = ? AND status = 'failed' LIMIT 1",
        (tenant_id,),
    )
    return row is not None


# Dead letters read per statement by the end-of-day run: a run over any number of them
# holds one page at a time.
PAGE = 200


# INDEXED BY: (tenant, status, id) matches more terms, and would step over them.
UNTRIED = (
    "SELECT * FROM outbox INDEXED BY idx_outbox_evening WHERE tenant_id = ? "
    "AND status = 'failed' AND end_of_day = 0 AND id > ? ORDER BY id LIMIT ?"
)


def untried_pages(store: Store, tenant_id: str):
    """Yield a tenant's dead letters no end-of-day run retried, oldest first, a page at a time.

    Each page is a seek on idx_outbox_evening, which holds only those rows: the ones earlier
    evenings retried and left failed are never stepped over.
    """
    after = 0
    while True:
        rows = store.all(UNTRIED, (tenant_id, after, PAGE))
        if rows:
            yield rows
        if len(rows) < PAGE:
            return
        after = rows[-1]["id"]


def by_id(store: Store, row_id: int) -> dict | None:
    """Return one outbox row by its id, or None."""
    return store.one("SELECT * FROM outbox WHERE id = ?", (row_id,))


# A search's filters an index leads with, newest first (m023: tenant, status or both, then id).
_LEADS = (("tenant_id", "status"), ("tenant_id",), ("status",))
# Past these, a search stops: rows it tests one by one (a filter no index leads with), and
# matches it counts for `total` (the answer then says the total is at least this).
WINDOW = 20_000
COUNT_CAP = 10_000


def search(store: Store, where: dict, limit: int, offset: int) -> tuple[list[dict], int, bool]:
    """Return (rows matching column filters, newest first; their total; whether the total
    is a floor): bounded by an index and a window, however many deliveries there are."""
    lead = next((cols for cols in _LEADS if all(c in where for c in cols)), ())
    led = " AND ".join(f"{c} = ?" for c in lead) or "1"
    led_params = [where[c] for c in lead]
    rest = [c for c in where if c not in lead]
    if rest:  # tested row by row, among the newest WINDOW rows the lead gives
        source = f"(SELECT * FROM outbox WHERE {led} ORDER BY id DESC LIMIT {WINDOW})"
        clauses = " AND ".join(f"{c} = ?" for c in rest)
        params = led_params + [where[c] for c in rest]
    else:
        source, clauses, params = "outbox", led, led_params
    counted = store.one(
        f"SELECT count(*) AS n FROM (SELECT 1 FROM {source} WHERE {clauses} LIMIT ?)",
        (*params, COUNT_CAP + 1),
    )["n"]
    rows = store.all(
        f"SELECT * FROM {source} WHERE {clauses} ORDER BY id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return rows, min(counted, COUNT_CAP), counted > COUNT_CAP


def by_delivery_id(store: Store, delivery_id: str) -> dict | None:
    """Return a delivery's row, or None."""
    return store.one("SELECT * FROM outbox WHERE delivery_id = ?", (delivery_id,))


def failed_ids(store: Store, tenant_id: str | None = None, limit: int = 10_000) -> list[str]:
    """Return the ids of the dead letters (of one tenant), oldest first."""
    where, params = (
        ("status = 'failed' AND tenant_id = ?", (tenant_id,))
        if tenant_id
        else ("status = 'failed'", ())
    )
    rows = store.all(
        f"SELECT delivery_id FROM outbox WHERE {where} ORDER BY id LIMIT ?", (*params, limit)
    )
    return [r["delivery_id"] for r in rows]


def dead_letters(store: Store, tenant_id: str, limit: int = 100) -> list[dict]:
    """Return a tenant's dead letters, newest first, as the readiness report lists them."""
    return store.all(
        "SELECT delivery_id, kind, user_id, reward_id, attempts, last_error, created_at FROM "
        "outbox WHERE tenant_id = ? AND status = 'failed' ORDER BY id DESC LIMIT ?",
        (tenant_id, limit),
    )
