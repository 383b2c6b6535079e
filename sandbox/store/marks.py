"""Marks: the first and last time each kind of thing happened per tenant, kept as it happens.

Reads that derive state from the record (the onboarding checklist, the banner, the
readiness report) read these few rows instead of scanning the journal, so they cost
the same on day ten as on day one. A mark is written in the same transaction as the
row it summarises: `journal_marks` in each journal shard (requests, events, grants),
`domain_marks` in the core file (deliveries, draws, acks, the conformance kit).
This module owns both tables.
"""

import sqlite3

JOURNAL_TABLE = "journal_marks"
DOMAIN_TABLE = "domain_marks"

# (tenant_id, key, first_ts, first_ref, last_ts, last_ref, count, detail)
_UPSERT = (
    "INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, key) DO UPDATE "
    "SET last_ts = excluded.last_ts, last_ref = excluded.last_ref, "
    "count = count + excluded.count, detail = coalesce(excluded.detail, detail)"
)


def create(db, table: str) -> None:
    """Create a marks table (a migration calls it)."""
    db.execute(
        f"CREATE TABLE IF NOT EXISTS {table} (tenant_id TEXT NOT NULL, key TEXT NOT NULL, "
        "first_ts TEXT, first_ref TEXT, last_ts TEXT, last_ref TEXT, count INTEGER NOT NULL, "
        "detail TEXT, PRIMARY KEY (tenant_id, key))"
    )


class Tally:
    """Marks gathered over a batch, written with one statement per (tenant, key)."""

    __slots__ = ("seen",)

    def __init__(self):
        self.seen: dict = {}

    def add(self, tenant_id, key: str, ts, ref, detail=None) -> None:
        """Count one occurrence at `ts` (occurrences come in time order)."""
        if not tenant_id or not ts:
            return
        hit = self.seen.get((tenant_id, key))
        if hit is None:
            self.seen[(tenant_id, key)] = [ts, ref, ts, ref, 1, detail]
        else:
            hit[2], hit[3], hit[4] = ts, ref, hit[4] + 1
            if detail is not None:
                hit[5] = detail

    def write(self, conn, table: str) -> None:
        """Upsert what was gathered into `table` (inside the caller's transaction)."""
        sql = _UPSERT.format(table=table)
        for (tenant_id, key), (f_ts, f_ref, l_ts, l_ref, count, detail) in self.seen.items():
            conn.execute(sql, (tenant_id, key, f_ts, f_ref, l_ts, l_ref, count, detail))
        self.seen.clear()


def mark(conn, table: str, tenant_id, key: str, ts, ref, detail=None) -> None:
    """Count one occurrence of `key` for the tenant at `ts` (inside the caller's transaction)."""
    tally = Tally()
    tally.add(tenant_id, key, ts, ref, detail)
    tally.write(conn, table)


def journal_row_marks(tally: Tally, tenant_id, ts, request_id, route, status, auth, reason):
    """Add the marks one journal entry makes: any request, a 200 on its route, a refusal."""
    if not tenant_id:
        return
    tally.add(tenant_id, "request", ts, request_id)
    if status == 200 and route:
        tally.add(tenant_id, f"ok:{route}", ts, request_id)
    elif auth == "fail":
        tally.add(tenant_id, "refused", ts, request_id, f"{status} {reason}")
        tally.add(tenant_id, f"refused:{reason}", ts, request_id)


def rebuild_journal_marks(conn) -> None:
    """Fill a shard's journal_marks from its journal (an upgrade, or a bulk-filled store)."""
    conn.execute(f"DELETE FROM {JOURNAL_TABLE}")
    tally = Tally()
    last = 0
    while True:  # in id order, a chunk at a time: a large journal never sits in memory
        rows = conn.execute(
            "SELECT id, tenant_id, ts, request_id, route, status, auth_result, auth_reason "
            "FROM journal WHERE id > ? ORDER BY id LIMIT 50000",
            (last,),
        ).fetchall()
        if not rows:
            break
        for row in rows:
            journal_row_marks(tally, *tuple(row)[1:])
        last = rows[-1][0]
    for uid, tenant_id, ts, request_id in conn.execute(
        "SELECT uid, tenant_id, received_at, request_id FROM events WHERE valid = 1 ORDER BY id"
    ):
        tally.add(tenant_id, "event:valid", ts, request_id or uid)
    for tenant_id, ts, request_id in conn.execute(
        "SELECT g.tenant_id, g.granted_at, e.request_id FROM reward_users g "
        "LEFT JOIN events e ON e.uid = g.event_uid ORDER BY g.granted_at"
    ):
        tally.add(tenant_id, "grant", ts, request_id)
    tally.write(conn, JOURNAL_TABLE)


def rebuild_domain_marks(conn) -> None:
    """Fill the core file's domain_marks from its tables (an upgrade, or a bulk fill)."""
    conn.execute(f"DELETE FROM {DOMAIN_TABLE}")
    tally = Tally()
    queries = (
        (
            "SELECT o.tenant_id, 'delivered:' || o.kind, a.at, a.delivery_id, NULL FROM attempts a "
            "JOIN outbox o USING (delivery_id) WHERE a.response_status BETWEEN 200 AND 299 "
            "ORDER BY a.at"
        ),
        (
            "SELECT tenant_id, 'failed:' || kind, updated_at, delivery_id, last_error FROM outbox "
            "WHERE last_error IS NOT NULL ORDER BY id"
        ),
        "SELECT tenant_id, 'draw', at, campaign_id, NULL FROM draws ORDER BY at",
        (
            "SELECT tenant_id, 'nudge:acked', acked_at, nudge_id, NULL FROM nudges "
            "WHERE acked_at IS NOT NULL ORDER BY acked_at"
        ),
        (
            "SELECT tenant_id, 'kit:passed', at, run_id, NULL FROM conformance_runs "
            "WHERE passed = 1 ORDER BY at"
        ),
    )
    for sql in queries:
        for tenant_id, key, ts, ref, detail in conn.execute(sql):
            tally.add(tenant_id, key, ts, ref, detail)
    tally.write(conn, DOMAIN_TABLE)


def read(journal_conn: sqlite3.Connection, tenant_id: str, shards: tuple) -> dict:
    """Return {key: {first, firstRef, last, lastRef, count, detail}} over the core and shards.

    `journal_conn` has the core file as main and each shard attached under `shards`.
    """
    parts = [f"SELECT * FROM main.{DOMAIN_TABLE} WHERE tenant_id = ?"]
    parts += [f"SELECT * FROM {s}.{JOURNAL_TABLE} WHERE tenant_id = ?" for s in shards]
    rows = journal_conn.execute(" UNION ALL ".join(parts), (tenant_id,) * len(parts)).fetchall()
    merged: dict = {}
    for _t, key, f_ts, f_ref, l_ts, l_ref, count, detail in rows:
        hit = merged.get(key)
        if hit is None:
            merged[key] = {
                "first": f_ts,
                "firstRef": f_ref,
                "last": l_ts,
                "lastRef": l_ref,
                "count": count,
                "detail": detail,
            }
            continue
        hit["count"] += count
        if f_ts < hit["first"]:
            hit["first"], hit["firstRef"] = f_ts, f_ref
        if l_ts > hit["last"]:
            hit["last"], hit["lastRef"], hit["detail"] = l_ts, l_ref, detail or hit["detail"]
    return merged
