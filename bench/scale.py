"""Scale benchmark: every read of a sandbox that has run for ten days, a restart, and ingest.

    python bench/scale.py                  # 1,000,000 journal entries (about 8 minutes)
    python bench/scale.py --smoke          # 20,000 entries; exit 1 past a generous bound (CI)
    python bench/scale.py --tree DIR       # the same against another checkout (main before)

A real server (gunicorn, the default workers) takes a seed of real traffic for three
tenants: registrations, SDK reads, valid, invalid and refused events, plays, deliveries
to the built-in receiver (answered and failed), nudges, a conformance run. The seed is
then multiplied in the files (the fast path: rows copied with fresh ids, users and event
ids) up to the entries asked, over ten days, and indexed as the writer would. Then:
- a restart: SIGTERM to the process gone, then a start to the health route answering;
- every GET route of the admin API, the pages and the SDK reads, `--reps` calls each
  (p50/p99); a route the OpenAPI document lists that this table lacks is named;
- ingest (wrk, post.lua) on this sandbox beside a fresh empty one, as a ratio.
In --smoke, any non-2xx answer or a p99 over --bound-ms exits 1: a quadratic read fails CI.
"""

import argparse
import io
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import harness
import requests
import servers

ADMIN = {"X-Sandbox-Admin-Token": "bench-admin"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DAYS = 10
USERS_PER_SEED = 100  # each seed user becomes this many users (several thousand in all)


def create_tenants(tree: Path, data_dir: Path) -> None:
    """Create the data dir with the demo tenant and two more (the CLI of the measured tree)."""
    env = {"SANDBOX_DATA_DIR": str(data_dir), "SANDBOX_ADMIN_TOKEN": "bench-admin"}
    for name in ("Partner B", "Partner C"):
        subprocess.run(
            [harness.python(), "-m", "sandbox", "tenants", "create", name],
            cwd=tree,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )


def tenants(data_dir: Path) -> list[dict]:
    """Return the tenants (id, name, writeKey) as the store holds them."""
    with sqlite3.connect(data_dir / "sandbox.db") as db:
        rows = db.execute("SELECT id, name, write_key FROM tenants ORDER BY created_at").fetchall()
    return [{"id": r[0], "name": r[1], "key": r[2]} for r in rows]


def seed(server, tenant: dict, smoke: bool) -> None:
    """Send one tenant's seed traffic: what a partner's first days look like, mistakes too."""
    base, s = server.url, requests.Session()
    admin = f"{base}/_sandbox/tenants/{tenant['id']}"
    sheet = (harness.ROOT / "fixtures" / "demo" / "reward-sheet.csv").read_bytes()
    nudges = (harness.ROOT / "fixtures" / "demo" / "nudge-sheet.csv").read_bytes()
    csv = {**ADMIN, "Content-Type": "text/csv"}
    s.post(admin + "/campaigns/import", data=sheet, headers=csv, timeout=30)
    s.post(admin + "/nudges/import", data=nudges, headers=csv, timeout=30)
    hook = f"{base}/_sandbox/hooks/scale-{tenant['id'][:8]}"
    s.patch(
        admin,
        json={"rewardWebhookUrl": hook, "nudgeWebhookUrl": hook},
        headers=ADMIN,
        timeout=10,
    )
    key = {"x-api-key": tenant["key"]}
    users = 10 if smoke else 50
    tokens = {}
    for u in range(users):
        user = f"user{u}"
        reg = s.post(
            f"{base}/user/v1/user/sdk?token=true",
            json={"userId": user, "writeKey": tenant["key"], "deviceType": "android"},
            timeout=10,
        ).json()
        tokens[user] = reg["data"]["token"]
        bearer = {"Authorization": f"Bearer {tokens[user]}"}
        s.get(f"{base}/client/v1/sdk/config", headers=key, timeout=10)
        listed = s.get(f"{base}/reward/v1.1/user", headers=bearer, timeout=10).json()
        if u % 5 == 0 and listed.get("defaultUrl"):
            s.get(listed["defaultUrl"], timeout=10)
        for n, name in enumerate(("appOpen", "completePurchase", "addToCart")):
            event = {
                "event_id": f"{user}-{n}",
                "event_name": name,
                "user_id": user,
                "timestamp": "2026-12-01T10:00:00Z",
                "event_properties": {"amount": 100 * (n + 1) * (u + 1), "currency": "INR"},
            }
            s.post(f"{base}/server/v4", json=event, headers=key, timeout=10)
        # the mistakes: a schema break, a mistyped key, a missing key, a duplicate
        s.post(f"{base}/server/v4", json={"user_id": user}, headers=key, timeout=10)
        typo = {"x-api-key": tenant["key"][:-1] + "x"}
        s.post(f"{base}/server/v4", json={"event_id": f"t-{user}"}, headers=typo, timeout=10)
        s.post(f"{base}/server/v4", json={"event_id": f"m-{user}"}, timeout=10)
        s.post(f"{base}/server/v4", json={"event_id": f"{user}-0"}, headers=key, timeout=10)
        s.get(f"{base}/reward/v1.1/user", headers=key, timeout=10)  # key where a token goes
    campaigns = s.get(admin + "/campaigns", headers=ADMIN, timeout=10).json()
    for c in campaigns.get("campaigns", [])[:3]:
        s.post(
            admin + "/plays",
            json={"userId": "user1", "campaignId": c["campaignId"], "count": 20},
            headers=ADMIN,
            timeout=30,
        )
    s.put(
        f"{base}/_sandbox/hooks/scale-{tenant['id'][:8]}",
        json={"statuses": [500]},
        headers=ADMIN,
        timeout=10,
    )
    s.post(f"{admin}/trigger", json={"kind": "reward"}, headers=ADMIN, timeout=30)
    s.put(
        f"{base}/_sandbox/hooks/scale-{tenant['id'][:8]}",
        json={"statuses": [200]},
        headers=ADMIN,
        timeout=10,
    )
    s.post(admin + "/conformance", headers=ADMIN, timeout=60)


def _unique_columns(conn, table: str) -> set:
    cols = set()
    for index in conn.execute(f"PRAGMA index_list({table})").fetchall():
        if index[2]:  # unique
            cols |= {r[2] for r in conn.execute(f"PRAGMA index_info({index[1]})")}
    return cols


def _copies(conn, table: str, times: int, per_copy) -> int:
    """Insert `times` copies of each row of `table`; per_copy(row, k) adjusts a copy."""
    info = conn.execute(f"PRAGMA table_info({table})").fetchall()
    names = [c[1] for c in info]
    rowid_pk = [c[1] for c in info if c[5] == 1 and c[2].upper() == "INTEGER"]
    unique = _unique_columns(conn, table) | {c[1] for c in info if c[5]}
    rows = [dict(zip(names, r, strict=True)) for r in conn.execute(f"SELECT * FROM {table}")]
    if not rows:
        return 0
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    made = 0
    conn.execute("BEGIN")
    batch = []
    for k in range(1, times + 1):
        for row in rows:
            copy = dict(row)
            for col in unique:
                value = copy[col]
                if col in rowid_pk:
                    copy[col] = None
                elif isinstance(value, str):
                    copy[col] = f"{value}~{k}"
                elif isinstance(value, int):
                    copy[col] = value + k * 10_000_000
            per_copy(copy, k)
            batch.append(tuple(copy[n] for n in names))
        if len(batch) > 20_000:
            conn.executemany(sql, batch)
            made += len(batch)
            batch = []
    conn.executemany(sql, batch)
    conn.execute("COMMIT")
    return made + len(batch)


def multiply(data_dir: Path, entries: int, tree: Path) -> dict:
    """Copy the seed rows up to `entries` journal entries over ten days; index them."""
    sys.path.insert(0, str(tree))
    from sandbox.clock import RealClock
    from sandbox.journal.retention import Maintenance
    from sandbox.store.shards import SLOT_BITS, shard_paths, slot_of

    shards = shard_paths(data_dir)
    conns = [sqlite3.connect(p, isolation_level=None) for p in shards]
    seeded = sum(c.execute("SELECT count(*) FROM journal").fetchone()[0] for c in conns)
    times = max(1, entries // max(seeded, 1) - 1)
    clock, t0 = RealClock(), time.time() - DAYS * 86400
    step = DAYS * 86400 / (times * seeded + 1)
    counter = iter(range(10**12))

    def user(value, k):
        return None if value is None else f"{value}-{k % USERS_PER_SEED}"

    def journal_copy(row, k):
        i = next(counter)
        epoch = t0 + i * step
        row["id"] = (int(epoch * 1e6) << SLOT_BITS) | row["_slot"]
        row["ts"], row["ts_epoch"] = clock.isoformat(epoch), epoch
        row["user_id"] = user(row["user_id"], k)
        if row["event_id"] is not None:
            row["event_id"] = f"{row['event_id']}~{k}"

    def event_copy(row, k):
        row["user_id"] = user(row["user_id"], k)
        if row.get("request_id"):  # the copied request of this event
            row["request_id"] = f"{row['request_id']}~{k}"

    for path, conn in zip(shards, conns, strict=True):
        slot = slot_of(path)
        _copies_with_slot(conn, slot, times, journal_copy)
        _copies(conn, "events", times, event_copy)
        _copies(conn, "reward_users", times, event_copy)
    with sqlite3.connect(data_dir / "sandbox.db", isolation_level=None) as core:
        core_times = max(1, times // 4)
        for table in ("draws", "outbox", "attempts", "nudges", "nudge_log"):
            _copies(
                core,
                table,
                core_times,
                lambda row, k: row.update(
                    {"user_id": user(row["user_id"], k)} if "user_id" in row else {}
                ),
            )
        _copies(core, "users", min(times, USERS_PER_SEED), lambda row, k: None)
    for conn in conns:
        maintenance = Maintenance(RealClock(), fulltext=True, chunk=50_000)
        while maintenance(conn) < 1.0:  # index everything, as the writer would over time
            pass
    rebuilt = _rebuild_marks(data_dir, conns)
    for conn in conns:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    total = 0
    for p in shards:
        with sqlite3.connect(p) as c:
            total += c.execute("SELECT count(*) FROM journal").fetchone()[0]
    return {"seeded": seeded, "entries": total, "marks_rebuilt": rebuilt}


def _copies_with_slot(conn, slot: int, times: int, per_copy) -> int:
    def with_slot(row, k):
        row["_slot"] = slot
        per_copy(row, k)
        del row["_slot"]

    return _copies(conn, "journal", times, with_slot)


def _rebuild_marks(data_dir: Path, conns: list) -> bool:
    """Rebuild the tree's marks from the copied rows, where the tree keeps marks."""
    tables = {r[0] for r in conns[0].execute("SELECT name FROM sqlite_master")}
    if "journal_marks" not in tables:  # a tree from before the marks
        return False
    from sandbox.store import marks

    for conn in conns:
        conn.execute("BEGIN")
        marks.rebuild_journal_marks(conn)
        conn.execute("COMMIT")
    with sqlite3.connect(data_dir / "sandbox.db", isolation_level=None) as core:
        core.execute("BEGIN")
        marks.rebuild_domain_marks(core)
        core.execute("COMMIT")
    return True


def samples(server, data_dir: Path, tenant: dict) -> dict:
    """Return the ids the parameterised routes are called with (real ones, old and new)."""
    s = requests.Session()
    s.headers.update(ADMIN)
    newest = s.get(f"{server.url}/_sandbox/journal?tenant={tenant['id']}&limit=1", timeout=60)
    entries = newest.json()["entries"]
    db = harness.open_journal(data_dir)
    oldest = db.execute("SELECT request_id FROM journal ORDER BY id LIMIT 1").fetchone()[0]
    event = db.execute(
        "SELECT request_id, event_id, user_id FROM journal WHERE tenant_id = ? AND "
        "route = 'events.server_event' AND status = 200 AND event_id IS NOT NULL "
        "ORDER BY id LIMIT 1",
        (tenant["id"],),
    ).fetchone()
    core = sqlite3.connect(data_dir / "sandbox.db")
    one = lambda sql: (core.execute(sql).fetchone() or [None])[0]  # noqa: E731
    token = requests.post(
        f"{server.url}/user/v1/user/sdk?token=true",
        json={"userId": "user1", "writeKey": tenant["key"]},
        timeout=10,
    ).json()["data"]["token"]
    listed = requests.get(
        f"{server.url}/reward/v1.1/user", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).json()
    # A client kit run, graded from the journal past its start (its fault plan then replaced
    # by one on a route nothing calls, so the ingest measured later meets no fault), and a
    # snapshot without the journal (bench/snapshot.py times whole ones).
    kit = s.post(f"{server.url}/_sandbox/tenants/{tenant['id']}/client-checks", timeout=60)
    plan = {"rules": [{"id": "elsewhere", "route": "/never/called/*", "status": 503}]}
    s.put(f"{server.url}/_sandbox/tenants/{tenant['id']}/faults", json=plan, timeout=60)
    saved = s.post(
        f"{server.url}/_sandbox/snapshots",
        json={"name": "scale-sample", "journal": False, "replace": True},
        timeout=600,
    )
    return {
        "check_run": kit.json()["runId"],
        "snapshot": saved.json()["name"],
        "program": next(iter(listed.get("campaigns") or []), {}).get("campaignId"),
        "tenant": tenant["id"],
        "key": tenant["key"],
        "newest": (entries[0]["request_id"] if entries else oldest),
        "oldest": oldest,
        "event_request": event[0],
        "event_id": event[1],
        "user": event[2],
        "delivery": one("SELECT delivery_id FROM outbox ORDER BY id DESC LIMIT 1"),
        "nudge": one("SELECT nudge_id FROM nudge_log ORDER BY created_at DESC LIMIT 1"),
        "campaign": one(
            f"SELECT campaign_id FROM reward_campaigns WHERE tenant_id = '{tenant['id']}' LIMIT 1"
        ),
        "run": one("SELECT run_id FROM conformance_runs LIMIT 1"),
        "report": one("SELECT report_id FROM reports LIMIT 1"),
        "reward_user": db.execute(
            "SELECT reward_user_id FROM reward_users WHERE tenant_id = ? AND user_id = 'user1' "
            "LIMIT 1",
            (tenant["id"],),
        ).fetchone(),
        "token": token,
        "hook": f"scale-{tenant['id'][:8]}",
    }


def routes(x: dict) -> list[tuple[str, str]]:
    """Return (OpenAPI path, URL to call) for every GET route worth timing."""
    t, bearer = x["tenant"], x["token"]
    ru = x["reward_user"][0] if x["reward_user"] else "none"
    return [
        ("/_sandbox/health", "/_sandbox/health"),
        ("/_sandbox/", "/_sandbox/"),
        ("/_sandbox/tenants", "/_sandbox/tenants"),
        ("/_sandbox/tenants/{ref}", f"/_sandbox/tenants/{t}"),
        ("/_sandbox/journal", "/_sandbox/journal"),
        ("/_sandbox/journal", f"/_sandbox/journal?tenant={t}&status=4xx"),
        ("/_sandbox/journal", f"/_sandbox/journal?user={x['user']}"),
        ("/_sandbox/journal", f"/_sandbox/journal?event_id={x['event_id']}"),
        ("/_sandbox/journal", "/_sandbox/journal?q=completePurchase&status=2xx"),
        ("/_sandbox/journal", "/_sandbox/journal?flag=invalid"),
        # Filters no index leads, matching nothing: the newest-first walk finds no page's worth.
        ("/_sandbox/journal", "/_sandbox/journal?status=5xx"),
        ("/_sandbox/journal", "/_sandbox/journal?flag=fault"),
        ("/_sandbox/journal/{request_id}", f"/_sandbox/journal/{x['newest']}"),
        ("/_sandbox/journal/{request_id}", f"/_sandbox/journal/{x['oldest']}"),
        ("/_sandbox/journal/{request_id}/curl", f"/_sandbox/journal/{x['newest']}/curl"),
        (
            "/_sandbox/journal/{request_id}/timeline",
            f"/_sandbox/journal/{x['event_request']}/timeline",
        ),
        ("/_sandbox/openapi.json", "/_sandbox/openapi.json"),
        ("/_sandbox/tenants/{ref}/onboarding", f"/_sandbox/tenants/{t}/onboarding"),
        ("/_sandbox/tenants/{ref}/viewer-tokens", f"/_sandbox/tenants/{t}/viewer-tokens"),
        ("/_sandbox/tenants/{ref}/readiness", f"/_sandbox/tenants/{t}/readiness"),
        ("/_sandbox/tenants/{ref}/readiness", f"/_sandbox/tenants/{t}/readiness?format=html"),
        ("/_sandbox/gpg/public-key", "/_sandbox/gpg/public-key"),
        ("/_sandbox/conformance/{run_id}", f"/_sandbox/conformance/{x['run']}"),
        ("/_sandbox/inspector", "/_sandbox/inspector"),
        ("/_sandbox/ca", "/_sandbox/ca"),
        ("/_sandbox/ca/page", "/_sandbox/ca/page"),
        ("/_sandbox/docs", "/_sandbox/docs"),
        ("/_sandbox/docs/", "/_sandbox/docs/"),
        ("/_sandbox/docs/{page}", "/_sandbox/docs/guides/debug-401/"),
        ("/_sandbox/export", f"/_sandbox/export?tenant={t}&format=json"),
        ("/_sandbox/export", f"/_sandbox/export?tenant={t}&format=csv"),
        ("/_sandbox/export", f"/_sandbox/export?tenant={t}&format=har"),
        ("/_sandbox/received", f"/_sandbox/received?event_id={x['event_id']}&user={x['user']}"),
        ("/_sandbox/received", f"/_sandbox/received?tenant={t}&event_id=never-sent"),
        ("/_sandbox/received", f"/_sandbox/received?tenant={t}&user={x['user']}"),
        ("/_sandbox/clock", "/_sandbox/clock"),
        ("/_sandbox/deliveries", f"/_sandbox/deliveries?tenant={t}"),
        ("/_sandbox/deliveries", "/_sandbox/deliveries?status=failed"),
        ("/_sandbox/deliveries/{delivery_id}", f"/_sandbox/deliveries/{x['delivery']}"),
        ("/_sandbox/reports", f"/_sandbox/reports?tenant={t}"),
        ("/_sandbox/reports/{report_id}", f"/_sandbox/reports/{x['report']}"),
        ("/_sandbox/hooks/{name}", f"/_sandbox/hooks/{x['hook']}"),
        ("/_sandbox/tenants/{ref}/nudges/definitions", f"/_sandbox/tenants/{t}/nudges/definitions"),
        ("/_sandbox/nudges", f"/_sandbox/nudges?tenant={t}"),
        ("/_sandbox/nudges", f"/_sandbox/nudges?tenant={t}&user={x['user']}"),
        ("/_sandbox/nudges/{nudge_id}", f"/_sandbox/nudges/{x['nudge']}"),
        ("/_sandbox/tenants/{ref}/campaigns", f"/_sandbox/tenants/{t}/campaigns"),
        (
            "/_sandbox/tenants/{ref}/campaigns/{campaign_id}/draws",
            f"/_sandbox/tenants/{t}/campaigns/{x['campaign']}/draws",
        ),
        (
            "/_sandbox/tenants/{ref}/explain",
            f"/_sandbox/tenants/{t}/explain?userId={x['user']}&campaignId={x['campaign']}",
        ),
        ("/_sandbox/tenants/{ref}/faults", f"/_sandbox/tenants/{t}/faults"),
        ("/_sandbox/tenants/{ref}/client-checks", f"/_sandbox/tenants/{t}/client-checks"),
        ("/_sandbox/client-checks/{run_id}", f"/_sandbox/client-checks/{x['check_run']}"),
        (
            "/_sandbox/client-checks/{run_id}",
            f"/_sandbox/client-checks/{x['check_run']}?format=junit",
        ),
        ("/_sandbox/snapshots", "/_sandbox/snapshots"),
        ("/_sandbox/snapshots/{name}", f"/_sandbox/snapshots/{x['snapshot']}"),
        ("/reward/v1.1/user", f"/reward/v1.1/user?token={bearer}"),
        ("/reward/v1.1/user/{campaign_id}", f"/reward/v1.1/user/{x['campaign']}?token={bearer}"),
        ("/client/v1/sdk/config", "/client/v1/sdk/config"),
        ("/entrypoints/v2/list/{write_key}", f"/entrypoints/v2/list/{x['key']}"),
        ("/entrypoints/v1/list", "/entrypoints/v1/list"),
        ("/entrypoints/v1/user/state", "/entrypoints/v1/user/state"),
        ("/webhooks/v1/failed", "/webhooks/v1/failed"),
        ("/wallet/", f"/wallet/?token={bearer}"),
        ("/program/", f"/program/?token={bearer}&campaignId={x['program']}"),
        ("/reward/", f"/reward/?token={bearer}&rewardUserId={ru}"),
    ]


# Routes not timed, and why: streams and sockets stay open; the asset zip and deep links
# read no accumulated data.
NOT_TIMED = {
    "/sse": "a stream",
    "/reward/v1.1/client/assets": "static assets",
    "/reward/v1.1/client/assets/{tenant_id}/{digest}.zip": "static assets",
    "/api/v1/wormhole/sdk/url": "a fixture lookup",
    "/fragment-map/": "a nudge page (its id is a fixture's)",
    "/_sandbox/snapshots/{name}/download": "a file's bytes (bench/snapshot.py times snapshots)",
}


def time_routes(server, x: dict, reps: int, timeout: float) -> list[dict]:
    """Call each route `reps` times; return p50/p99 and the statuses seen."""
    s = requests.Session()
    headers = {**ADMIN, "x-api-key": x["key"], "Authorization": f"Bearer {x['token']}"}
    out = []
    for spec, url in routes(x):
        if "/None" in url or "=None" in url:  # the seed made no such thing to open
            continue
        times, statuses = [], set()
        for _ in range(reps):
            started = time.perf_counter()
            try:
                resp = s.get(server.url + url, headers=headers, timeout=timeout)
                statuses.add(resp.status_code)
            except requests.RequestException as exc:
                statuses.add(type(exc).__name__)
                times.append(timeout * 1000)
                break
            times.append((time.perf_counter() - started) * 1000)
            if times[-1] > 5000:  # a slow read is measured a few times, not fifty
                if len(times) >= 3:
                    break
        times.sort()
        out.append(
            {
                "route": spec,
                "url": url.split("?token=")[0].split("&token=")[0],
                "p50_ms": round(statistics.median(times), 1),
                "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 1),
                "calls": len(times),
                "statuses": sorted(map(str, statuses)),
            }
        )
    return out


def uncovered(server) -> list[str]:
    """Return the GET paths of the OpenAPI document this benchmark neither times nor excuses."""
    doc = requests.get(server.url + "/_sandbox/openapi.json", headers=ADMIN, timeout=30).json()
    keys = ("tenant", "token", "key", "newest", "oldest", "event_request", "event_id", "user")
    keys += ("delivery", "nudge", "campaign", "run", "report", "hook", "program")
    keys += ("check_run", "snapshot")
    timed = {spec for spec, _ in routes({**dict.fromkeys(keys, "x"), "reward_user": None})}
    return [
        p for p, ops in doc["paths"].items() if "get" in ops and p not in timed | set(NOT_TIMED)
    ]


def bomb(megabytes: int = 1024) -> bytes:
    """Return an .xlsx whose sheet unpacks to `megabytes` of whitespace (a few MB packed)."""
    members = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook/>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b"<worksheet><sheetData>")
            chunk = b" " * (1024 * 1024)
            for _ in range(megabytes):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def try_bomb(server, tenant: str) -> dict:
    """Post the bomb to the import; return its status, seconds and the workers' RSS around it."""
    data = bomb()
    before = server.memory_mb()
    started = time.perf_counter()
    resp = requests.post(
        f"{server.url}/_sandbox/tenants/{tenant}/campaigns/import",
        data=data,
        headers={**ADMIN, "Content-Type": XLSX},
        timeout=120,
    )
    seconds = time.perf_counter() - started
    after = server.memory_mb()
    return {
        "packed_mb": round(len(data) / 1e6, 1),
        "status": resp.status_code,
        "seconds": round(seconds, 2),
        "rss_before_mb": before["rss_mb"],
        "rss_after_mb": after["rss_mb"],
    }


def ingest(server, duration: str) -> float:
    """Return ingest req/s (wrk, post.lua) against a server."""
    result = harness.wrk(server.url + "/server/v4", "post.lua", duration, args=(harness.nonce(),))
    return result["rps"]


def _start(data: Path, tree: Path, timeout: float, what: str):
    """Start the sandbox; None (and why, printed) when it does not serve within `timeout`."""
    try:
        return servers.sandbox(
            data, harness.WORKERS, harness.THREADS, tree=tree, start_timeout=timeout
        )
    except RuntimeError:  # it did not serve in time: that is the finding
        print(f"\n{what} did not serve within {timeout:.0f} s, so no read could be timed")
        return None


def main(argv=None) -> int:
    """Build the sandbox, restart it, time every read and ingest; print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=50, help="calls per route")
    parser.add_argument("--smoke", action="store_true", help="20,000 entries, 5 calls (CI)")
    parser.add_argument("--bound-ms", type=float, default=5000, help="--smoke fails past this")
    parser.add_argument("--timeout", type=float, default=60, help="seconds one call may take")
    parser.add_argument("--ingest", default="5s", help="each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="ingest rounds (full, empty)")
    parser.add_argument("--start-timeout", type=float, default=300, help="seconds to serve")
    parser.add_argument("--tree", type=Path, default=harness.ROOT, help="the checkout measured")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.smoke:
        args.entries, args.reps, args.ingest, args.rounds = 20_000, 5, "1s", 1
    tree = args.tree.resolve()
    folder = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    data = folder / "data"
    workers, threads = harness.WORKERS, harness.THREADS
    started = time.monotonic()
    create_tenants(tree, data)
    server = servers.sandbox(data, workers, threads, tree=tree)
    try:
        for tenant in tenants(data):
            seed(server, tenant, args.smoke)
        time.sleep(2)  # the delivery loop sends what the seed queued
    finally:
        server.stop()
    built = multiply(data, args.entries, tree)
    build_s = time.monotonic() - started

    # A restart of the filled sandbox: start, then SIGTERM and start again.
    first_started = time.monotonic()
    server = _start(data, tree, args.start_timeout, "the first start after the fill")
    if server is None:
        subprocess.run(["rm", "-rf", str(folder)], check=False)
        return 1
    print(f"first start of the filled sandbox: {time.monotonic() - first_started:.2f} s")
    stop_started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=120)
    stop_s = time.monotonic() - stop_started
    print(f"SIGTERM to exit: {stop_s:.2f} s")
    start_started = time.monotonic()
    server = _start(data, tree, args.start_timeout, "the restart")
    if server is None:
        subprocess.run(["rm", "-rf", str(folder)], check=False)
        return 1
    start_s = time.monotonic() - start_started
    empty = None
    try:
        x = samples(server, data, tenants(data)[0])
        missing = uncovered(server)
        timed = time_routes(server, x, args.reps, args.timeout)
        bombed = try_bomb(server, x["tenant"])
        empty = servers.sandbox(folder / "empty", workers, threads, tree=tree)
        # Rounds in turn, full then empty: a ratio within each round, the median reported.
        rounds = [
            (ingest(server, args.ingest), ingest(empty, args.ingest)) for _ in range(args.rounds)
        ]
        full_rps = statistics.median(f for f, _ in rounds)
        empty_rps = statistics.median(e for _, e in rounds)
        ratio = statistics.median(f / e for f, e in rounds)
    finally:
        server.stop()
        if empty is not None:
            empty.stop()
        subprocess.run(["rm", "-rf", str(folder)], check=False)

    print(f"\n{harness.machine()}")
    print(
        f"tree {tree}; {built['entries']:,} journal entries ({built['seeded']:,} seeded by real "
        f"traffic, the rest copied) built in {build_s:.0f} s; marks rebuilt: "
        f"{built['marks_rebuilt']}\n"
    )
    print(
        f"restart: SIGTERM to exit {stop_s:.2f} s + start to serving {start_s:.2f} s "
        f"= {stop_s + start_s:.2f} s\n"
    )
    print(f"| route ({args.reps} calls) | p50 ms | p99 ms | statuses |")
    print("|---|---:|---:|---|")
    for r in timed:
        print(f"| `{r['url']}` | {r['p50_ms']} | {r['p99_ms']} | {' '.join(r['statuses'])} |")
    print(
        f"\ningest (wrk -t2 -c{harness.CONNECTIONS} -d{args.ingest}, {args.rounds} rounds in turn, "
        f"medians): {full_rps:,.0f} req/s at {built['entries']:,} entries, {empty_rps:,.0f} on "
        f"an empty sandbox: ratio {ratio:.2f} (rounds: "
        + ", ".join(f"{f / e:.2f}" for f, e in rounds)
        + ")"
    )
    print(
        f"xlsx bomb ({bombed['packed_mb']} MB packed, 1 GiB unpacked): {bombed['status']} in "
        f"{bombed['seconds']} s; RSS of the server {bombed['rss_before_mb']} MB before, "
        f"{bombed['rss_after_mb']} MB after"
    )
    if missing:
        print(f"not timed (add them to bench/scale.py): {', '.join(missing)}")
    if args.json:
        harness.save_results(
            args.json,
            {
                "built": built,
                "bomb": bombed,
                "stop_s": stop_s,
                "start_s": start_s,
                "routes": timed,
                "ingest": {"rounds": rounds, "ratio": ratio},
            },
        )
    bad = [r for r in timed if any(not s.startswith("2") for s in r["statuses"])]
    slow = [r for r in timed if r["p99_ms"] > args.bound_ms]
    if bombed["status"] != 422:
        bad.append({"url": "the xlsx bomb", "statuses": [bombed["status"]], "p99_ms": 0})
    if args.smoke and (bad or slow or missing):
        for r in bad + slow:
            print(f"FAIL {r['url']}: {r['statuses']} p99 {r['p99_ms']} ms", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
