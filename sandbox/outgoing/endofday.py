"""The end-of-day retry: at the tenant's local time (default 18:00), every failed request is
tried once more; those still failing go into the failure report.

One run per tenant and local date (a primary key claims it), whichever process gets there
first; a sandbox started after the hour runs that day's retry at once.
"""

import logging
from datetime import datetime, timedelta

from ..domain import outbox, tenants
from ..store import CoreWrite, Store
from . import delivery_settings, gpg, outbox_rows, report

log = logging.getLogger(__name__)


def _at(tenant: dict, s: dict, day) -> float:
    hour, minute = (int(p) for p in s["endOfDay"].split(":"))
    local = datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=delivery_settings.zone(tenant)
    )
    return local.timestamp()


def _done(store: Store, tenant_id: str, local_date: str) -> bool:
    row = store.one(
        "SELECT 1 AS x FROM end_of_day_runs WHERE tenant_id = ? AND local_date = ?",
        (tenant_id, local_date),
    )
    return row is not None


def next_run(store: Store, tenant: dict, now: float) -> tuple[float, str]:
    """Return (when, local date) of the tenant's next end-of-day run on the sandbox clock."""
    s = delivery_settings.of(tenant)
    today = datetime.fromtimestamp(now, delivery_settings.zone(tenant)).date()
    if not _done(store, tenant["id"], today.isoformat()):
        return _at(tenant, s, today), today.isoformat()
    tomorrow = today + timedelta(days=1)
    return _at(tenant, s, tomorrow), tomorrow.isoformat()


def next_any(store: Store, now: float) -> float | None:
    """Return the earliest next end-of-day run of the tenants with failed requests."""
    times = [
        next_run(store, t, now)[0]
        for t in tenants.fresh_list(store)
        if outbox_rows.has_failed(store, t["id"])
    ]
    return min(times) if times else None


def runs_since(store: Store, since: str) -> list[dict]:
    """Return the end-of-day runs started at or after `since` (sandbox clock), by any process."""
    rows = store.all(
        "SELECT r.*, t.name FROM end_of_day_runs r JOIN tenants t ON t.id = r.tenant_id "
        "WHERE r.at >= ? ORDER BY r.at",
        (since,),
    )
    return [
        {
            "tenant": r["name"],
            "date": r["local_date"],
            "retried": r["retried"],
            "stillFailing": r["still_failing"],
            "reportId": r["report_id"],
        }
        for r in rows
    ]


def running(store: Store) -> bool:
    """Return True while an end-of-day run has started and not finished (in any process)."""
    return store.one("SELECT 1 AS x FROM end_of_day_runs WHERE retried IS NULL LIMIT 1") is not None


def _claim(tenant_id: str, local_date: str, now: str) -> CoreWrite:
    def run(conn):
        cur = conn.execute(
            "INSERT OR IGNORE INTO end_of_day_runs (tenant_id, local_date, at) VALUES (?, ?, ?)",
            (tenant_id, local_date, now),
        )
        return cur.rowcount == 1

    return CoreWrite(run)


def run_due(engine) -> list[dict]:
    """Run every end-of-day retry that is due now; return what each run did."""
    store, now = engine.store, engine.clock.time()
    done = []
    for tenant in tenants.fresh_list(store):
        when, local_date = next_run(store, tenant, now)
        if when > now:
            continue
        if not store.write(_claim(tenant["id"], local_date, engine.clock.isoformat(now))):
            continue  # another process ran it
        retried, still = 0, []
        # A page of dead letters at a time: a run over any number holds one page, and keeps
        # only those still failing after their retry (the report lists them).
        for page in outbox_rows.untried_pages(store, tenant["id"]):
            for row in page:
                engine.attempt(row, trigger="end_of_day")
                after = outbox_rows.by_id(store, row["id"])
                if after is not None and after["status"] == "failed":
                    still.append(after)  # oldest first, as the pages come: the report's order
            retried += len(page)
        done.append(_finish(engine, tenant, local_date, retried, still))
    return done


def _finish(engine, tenant: dict, local_date: str, retried: int, still: list[dict]) -> dict:
    store = engine.store
    report_id = None
    if still:
        urls = {k: tenant.get(c) for k, c in outbox.URL_COLUMNS.items()}
        rows = report.rows_of(still, urls)
        key = delivery_settings.of(tenant)["gpgPublicKey"]
        try:
            report_id, write = report.build(tenant, key, rows, local_date, engine.clock.isoformat())
        except gpg.GpgError as exc:  # gpg gone since the key was accepted: say so, keep it
            log.warning("end-of-day report for %s kept unencrypted: %s", tenant["name"], exc)
            report_id, write = report.build(
                tenant, None, rows, local_date, engine.clock.isoformat()
            )
        store.write(write)

    def run(conn):
        conn.execute(
            "UPDATE end_of_day_runs SET retried = ?, still_failing = ?, report_id = ? WHERE "
            "tenant_id = ? AND local_date = ?",
            (retried, len(still), report_id, tenant["id"], local_date),
        )

    store.write(CoreWrite(run))
    return {
        "tenant": tenant["name"],
        "date": local_date,
        "retried": retried,
        "stillFailing": len(still),
        "reportId": report_id,
    }
