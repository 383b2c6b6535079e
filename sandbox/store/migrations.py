"""The schema, only ever changed here: sqlite-utils migrations applied in order, in place.

Never edit an applied migration; add the next one. An older data dir is upgraded
on start (store.migrate), so a partner keeps their tenants and journal.
"""

from pathlib import Path

from sqlite_utils.migrations import Migrations

from . import marks
from .shard_schema import ensure_shard

MIGRATIONS = Migrations("customerglu-sandbox")


@MIGRATIONS()
def m001_tenants_and_users(db):
    """Tenants, their retired keys, users, settings."""
    db["tenants"].create(
        {
            "id": str,
            "name": str,
            "write_key": str,
            "jwt_secret": str,
            "webhook_secret": str,
            "reward_webhook_url": str,
            "nudge_webhook_url": str,
            "timezone": str,
            "region": str,
            "created_at": str,
        },
        pk="id",
        not_null={"name", "write_key", "jwt_secret", "webhook_secret", "region"},
    )
    db["tenants"].create_index(["write_key"], unique=True)
    # Keys a tenant used before a rotation: an unknown key that matches one of
    # these is explained as "revoked", not as a typo.
    db["retired_keys"].create(
        {"secret": str, "kind": str, "tenant_id": str, "retired_at": str}, pk="secret"
    )
    db["users"].create(
        {
            "tenant_id": str,
            "user_id": str,
            "id": str,
            "glu_id": str,
            "anonymous_id": str,
            "data": str,
            "created_at": str,
            "updated_at": str,
        },
        pk=("tenant_id", "user_id"),
    )
    db["users"].create_index(["tenant_id", "anonymous_id"])
    db["settings"].create({"key": str, "value": str}, pk="key")


@MIGRATIONS()
def m002_journal_and_events(db):
    """The journal of every request and the events table."""
    # AUTOINCREMENT: ids never come back after retention deletes. Since the journal
    # became a file per worker, a reader resumes with one id per file (journal/tail.py).
    db.execute(
        """CREATE TABLE journal (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            request_id TEXT NOT NULL UNIQUE,
            ts TEXT NOT NULL,
            ts_epoch REAL NOT NULL,
            tenant_id TEXT,
            user_id TEXT,
            event_id TEXT,
            method TEXT NOT NULL,
            host TEXT,
            path TEXT NOT NULL,
            query TEXT,
            route TEXT,
            client_addr TEXT,
            headers TEXT,
            body BLOB,
            body_size INTEGER,
            status INTEGER,
            response_headers TEXT,
            response_body BLOB,
            latency_ms REAL,
            auth_result TEXT,
            auth_reason TEXT,
            checks TEXT,
            flags TEXT,
            problems TEXT
        )"""
    )
    for cols in (["tenant_id", "id"], ["user_id"], ["event_id"], ["path"], ["ts_epoch"]):
        db["journal"].create_index(cols)
    db.execute(
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            tenant_id TEXT NOT NULL,
            event_id TEXT,
            event_name TEXT,
            user_id TEXT,
            timestamp TEXT,
            timestamp_utc TEXT,
            properties TEXT,
            source TEXT,
            valid INTEGER NOT NULL,
            problems TEXT,
            duplicates INTEGER NOT NULL DEFAULT 0,
            request_id TEXT,
            received_at TEXT NOT NULL
        )"""
    )
    db["events"].create_index(["tenant_id", "event_id"], unique=True)
    db["events"].create_index(["tenant_id", "user_id"])


@MIGRATIONS()
def m003_campaigns_entrypoints_segments(db):
    """Campaigns, entry points and their per-user state, deep links, segments, SDK config."""
    db["campaigns"].create(
        {
            "tenant_id": str,
            "campaign_id": str,
            "type": str,
            "name": str,
            "status": str,
            "position": int,
            "data": str,
        },
        pk=("tenant_id", "campaign_id"),
    )
    db["entrypoints"].create(
        {"tenant_id": str, "id": str, "position": int, "data": str}, pk=("tenant_id", "id")
    )
    db["entrypoint_state"].create(
        {
            "tenant_id": str,
            "user_id": str,
            "entrypoint_id": str,
            "id": str,
            "campaign_id": str,
            "clicked": int,
            "complete_viewed": int,
            "version": int,
            "updated_at": str,
        },
        pk=("tenant_id", "user_id", "entrypoint_id"),
    )
    db["deeplinks"].create({"tenant_id": str, "id": str, "data": str}, pk=("tenant_id", "id"))
    db["segments"].create(
        {"tenant_id": str, "campaign_id": str, "user_id": str, "added_at": str},
        pk=("tenant_id", "campaign_id", "user_id"),
    )
    db["sdk_settings"].create({"tenant_id": str, "key": str, "value": str}, pk=("tenant_id", "key"))


@MIGRATIONS()
def m004_nudges(db):
    """Nudges queued for a user's SSE stream, and their acknowledgements."""
    db.execute(
        """CREATE TABLE nudges (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            nudge_id TEXT NOT NULL,
            tenant_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            delivered_at TEXT,
            acked_at TEXT
        )"""
    )
    db["nudges"].create_index(["tenant_id", "user_id", "id"])
    db["nudges"].create_index(["nudge_id"])


@MIGRATIONS()
def m005_journal_indexes_for_search(db):
    """Index the journal for the searches support runs, and only those (each index costs ingest).

    Path and time filters walk the id index newest-first (ids grow with time).
    """
    for name in ("idx_journal_path", "idx_journal_ts_epoch", "idx_journal_user_id"):
        db.execute(f"DROP INDEX IF EXISTS {name}")
    db["journal"].create_index(["user_id", "id"], if_not_exists=True)


@MIGRATIONS()
def m006_journal_fulltext(db):
    """Full-text index of the journal (path and request body), filled behind the writer."""
    # External content: the text stays in `journal`; the index holds only tokens.
    # It is filled in chunks by the writer's housekeeping (retention.Maintenance),
    # so tokenising never sits between a request and its commit.
    db.execute(
        "CREATE VIRTUAL TABLE journal_fts USING fts5("
        "path, body, content='journal', content_rowid='id')"
    )


@MIGRATIONS(transactional=False)
def m007_journal_to_shards(db):
    """Move the journal and events into journal shard 0; they live in shard files now."""
    from . import connect  # the package imports this module: a late import

    data_dir = Path(db.execute("PRAGMA database_list").fetchone()[2]).parent
    shard = ensure_shard(data_dir, 0, connect)
    if "journal" not in db.table_names():  # moved already (a crash before this was recorded)
        return
    # Ids are kept: old entries' small ids sort before every shard id (shards.next_ids),
    # and the shard's housekeeping indexes them for full-text from id 0.
    db.execute("ATTACH DATABASE ? AS shard", (str(shard),))
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            # By name: later shard migrations add columns the old tables never had.
            for table in ("journal", "events"):
                cols = ", ".join(c.name for c in db[table].columns)
                db.execute(f"INSERT INTO shard.{table} ({cols}) SELECT {cols} FROM main.{table}")
            for table in ("journal_fts", "journal", "events"):
                db.execute(f"DROP TABLE main.{table}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    finally:
        db.execute("DETACH DATABASE shard")


@MIGRATIONS()
def m008_rewards(db):
    """Sheet campaigns, their variants, coupon pools, draws, rewards, the outbox."""
    db.execute(
        "CREATE TABLE reward_campaigns (tenant_id TEXT NOT NULL, campaign_id TEXT NOT NULL, "
        "name TEXT, type TEXT NOT NULL, trigger_event TEXT, condition TEXT, mode TEXT NOT NULL, "
        "start_at TEXT, end_at TEXT, imported_at TEXT, PRIMARY KEY (tenant_id, campaign_id))"
    )
    db.execute(
        "CREATE TABLE reward_variants (tenant_id TEXT NOT NULL, campaign_id TEXT NOT NULL, "
        "position INTEGER NOT NULL, name TEXT NOT NULL, reward_type TEXT, reward_name TEXT, "
        "amount REAL, chance REAL NOT NULL, cap INTEGER, has_pool INTEGER NOT NULL, "
        "PRIMARY KEY (tenant_id, campaign_id, position))"
    )
    # A code exists once per tenant: the constraint, not a lock, keeps it from being
    # handed out twice, whichever worker process draws.
    db.execute(
        "CREATE TABLE coupons (id INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, "
        "campaign_id TEXT NOT NULL, position INTEGER NOT NULL, code TEXT NOT NULL, "
        "issued_to TEXT, issued_at TEXT, UNIQUE (tenant_id, code))"
    )
    db.execute(
        "CREATE INDEX idx_coupons_free ON coupons (tenant_id, campaign_id, position, issued_at)"
    )
    db.execute(
        "CREATE TABLE draws (id INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, "
        "campaign_id TEXT NOT NULL, seq INTEGER NOT NULL, user_id TEXT NOT NULL, "
        "roll REAL NOT NULL, thresholds TEXT NOT NULL, position INTEGER, variant TEXT, "
        "reward_id TEXT, code TEXT, "
        "outcome TEXT NOT NULL, at TEXT NOT NULL, UNIQUE (tenant_id, campaign_id, seq))"
    )
    db.execute(
        "CREATE UNIQUE INDEX idx_draws_code ON draws (tenant_id, code) WHERE code IS NOT NULL"
    )
    db.execute("CREATE INDEX idx_draws_variant ON draws (tenant_id, campaign_id, position)")
    db.execute(
        "CREATE TABLE rewards (reward_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, "
        "user_id TEXT NOT NULL, campaign_id TEXT NOT NULL, campaign_type TEXT, position INTEGER, "
        "transaction_id TEXT NOT NULL, reward_type TEXT, name TEXT, amount REAL, code TEXT, "
        "status TEXT NOT NULL, expiry INTEGER, created_at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX idx_rewards_user ON rewards (tenant_id, user_id, created_at)")
    # Outgoing requests to deliver (the outgoing-requests issue sends them).
    db.execute(
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, kind TEXT NOT NULL, "
        "url TEXT, payload TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL)"
    )


@MIGRATIONS()
def m009_reward_plays(db):
    """A sheet campaign's audience; a draw names the granted play it used, once."""
    db.execute("ALTER TABLE reward_campaigns ADD COLUMN audience TEXT NOT NULL DEFAULT 'all'")
    db.execute("ALTER TABLE draws ADD COLUMN reward_user_id TEXT")
    # A granted play (reward-user entry, in a journal shard) is drawn at most once,
    # whichever worker the game page's request lands on: the constraint says so.
    db.execute(
        "CREATE UNIQUE INDEX idx_draws_grant ON draws (tenant_id, reward_user_id) "
        "WHERE reward_user_id IS NOT NULL"
    )


@MIGRATIONS()
def m010_outgoing(db):
    """Deliveries (the outbox grown up), their attempts, end-of-day runs, reports, the receiver."""
    for column in (
        "delivery_id TEXT",
        "user_id TEXT",
        "reward_id TEXT",
        "attempts INTEGER NOT NULL DEFAULT 0",
        # On the sandbox clock (epoch seconds): when the next try is due.
        "next_at REAL",
        # On the wall clock: a claim expires so another process can take the row over.
        "lease_until REAL",
        "lease_owner TEXT",
        "last_status INTEGER",
        "last_error TEXT",
        "decision TEXT",
        "updated_at TEXT",
        "end_of_day INTEGER NOT NULL DEFAULT 0",
    ):
        db.execute(f"ALTER TABLE outbox ADD COLUMN {column}")
    db.execute("UPDATE outbox SET delivery_id = 'dlv_' || lower(hex(randomblob(8)))")
    db.execute("CREATE UNIQUE INDEX idx_outbox_delivery ON outbox (delivery_id)")
    db.execute("CREATE INDEX idx_outbox_due ON outbox (status, next_at)")
    db.execute("CREATE INDEX idx_outbox_tenant ON outbox (tenant_id, status, kind)")
    db.execute(
        "CREATE TABLE attempts (id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL, "
        "tenant_id TEXT NOT NULL, n INTEGER NOT NULL, trigger TEXT NOT NULL, at TEXT NOT NULL, "
        "duration_ms REAL, url TEXT, request_headers TEXT, request_body TEXT, "
        "response_status INTEGER, response_headers TEXT, response_body TEXT, error_class TEXT, "
        "error TEXT, decision TEXT, next_at TEXT)"
    )
    db.execute("CREATE INDEX idx_attempts_delivery ON attempts (delivery_id, n)")
    # One end-of-day run per tenant and local date, whichever process gets there first.
    db.execute(
        "CREATE TABLE end_of_day_runs (tenant_id TEXT NOT NULL, local_date TEXT NOT NULL, "
        "at TEXT NOT NULL, retried INTEGER, still_failing INTEGER, report_id TEXT, "
        "PRIMARY KEY (tenant_id, local_date))"
    )
    db.execute(
        "CREATE TABLE reports (report_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, "
        "created_at TEXT NOT NULL, local_date TEXT, rows INTEGER NOT NULL, encrypted INTEGER "
        "NOT NULL, recipient TEXT, json TEXT NOT NULL, csv TEXT NOT NULL)"
    )
    # Delivery settings per tenant (signing, schedule, timeouts, end of day, GPG key): JSON.
    db.execute("ALTER TABLE tenants ADD COLUMN delivery TEXT")
    # A reward variant whose codes come from the partner's coupon API.
    db.execute("ALTER TABLE reward_variants ADD COLUMN coupon_api TEXT")
    db.execute("ALTER TABLE reward_variants ADD COLUMN coupon_path TEXT")
    # The built-in receiver: what each name answers, and what it was sent.
    db.execute(
        "CREATE TABLE hooks (name TEXT PRIMARY KEY, program TEXT NOT NULL, served INTEGER "
        "NOT NULL DEFAULT 0)"
    )
    db.execute(
        "CREATE TABLE hook_calls (id INTEGER PRIMARY KEY, name TEXT NOT NULL, at TEXT NOT NULL, "
        "method TEXT, headers TEXT, body TEXT, answered INTEGER)"
    )
    db.execute("CREATE INDEX idx_hook_calls ON hook_calls (name, id)")


@MIGRATIONS()
def m011_nudges(db):
    """Nudge definitions per tenant, and each nudge's life from its cause to its acknowledgement."""
    db.execute(
        "CREATE TABLE nudge_definitions (tenant_id TEXT NOT NULL, definition_id TEXT NOT NULL, "
        "trigger TEXT NOT NULL, trigger_event TEXT, condition TEXT, campaign_id TEXT, "
        "hours_before REAL, audience TEXT NOT NULL, audience_value TEXT, content TEXT NOT NULL, "
        "channels TEXT NOT NULL, delay_seconds REAL NOT NULL, expiry_seconds REAL, "
        "imported_at TEXT, PRIMARY KEY (tenant_id, definition_id))"
    )
    db.execute(
        "CREATE TABLE nudge_log (nudge_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, "
        "user_id TEXT NOT NULL, definition_id TEXT, trigger TEXT NOT NULL, cause TEXT, "
        "content TEXT NOT NULL, channels TEXT NOT NULL, state TEXT NOT NULL, "
        "channel_states TEXT, created_at TEXT NOT NULL, due_at REAL NOT NULL, expires_at REAL, "
        "released_at TEXT, delivered_at TEXT, acked_at TEXT, expired_at TEXT, failed_at TEXT, "
        "push TEXT, delivery_id TEXT)"
    )
    db.execute("CREATE INDEX idx_nudge_log_due ON nudge_log (state, due_at)")
    db.execute("CREATE INDEX idx_nudge_log_user ON nudge_log (tenant_id, user_id)")
    db.execute("CREATE INDEX idx_nudge_log_cause ON nudge_log (cause)")
    db.execute("CREATE INDEX idx_nudge_log_delivery ON nudge_log (delivery_id)")
    # A reward variant's rewards expire this many hours after they are won (none: never).
    db.execute("ALTER TABLE reward_variants ADD COLUMN expiry_hours REAL")


@MIGRATIONS()
def m012_conformance(db):
    """Runs of the receiver conformance kit, kept with the tenant."""
    db.execute(
        "CREATE TABLE conformance_runs (run_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, "
        "at TEXT NOT NULL, url TEXT, passed INTEGER NOT NULL, results TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX idx_conformance_tenant ON conformance_runs (tenant_id, at)")


@MIGRATIONS()
def m013_domain_marks(db):
    """First and last time of each outcome per tenant (marks.py): the checklist reads these."""
    marks.create(db, marks.DOMAIN_TABLE)
    marks.rebuild_domain_marks(db.conn)
    # A tenant's draws newest first (the draws of a campaign, its counts) by index.
    db.execute("CREATE INDEX IF NOT EXISTS idx_draws_tenant_at ON draws (tenant_id, at)")


@MIGRATIONS()
def m014_hook_budget(db):
    """The built-in receiver keeps calls within a byte budget: each call's size, each name's."""
    db.execute("ALTER TABLE hook_calls ADD COLUMN size INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE hook_calls SET size = length(CAST(headers AS BLOB)) + length(CAST(body AS BLOB))"
    )
    db.execute("ALTER TABLE hooks ADD COLUMN kept_bytes INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE hooks SET kept_bytes = (SELECT coalesce(sum(size), 0) FROM hook_calls "
        "WHERE hook_calls.name = hooks.name)"
    )


@MIGRATIONS()
def m015_inspector_sessions(db):
    """The inspector's cookie holds a session id; the session holds the token (sessions.py)."""
    db.execute(
        "CREATE TABLE inspector_sessions (session_hash TEXT PRIMARY KEY, token TEXT NOT NULL, "
        "created_at REAL NOT NULL, expires_at REAL NOT NULL)"
    )


@MIGRATIONS()
def m016_viewer_tokens(db):
    """Viewer tokens with an id, an expiry and a revocation (domain/viewer_tokens.py)."""
    db.execute(
        "CREATE TABLE viewer_tokens (token_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, "
        "created_at REAL NOT NULL, expires_at REAL NOT NULL, revoked_at REAL, "
        "last_used_at REAL, note TEXT)"
    )
    db.execute("CREATE INDEX idx_viewer_tokens_tenant ON viewer_tokens (tenant_id, created_at)")


@MIGRATIONS()
def m017_viewer_token_uses(db):
    """Each use of a viewer token, by its id (never the token): the last 1,000 per token."""
    db.execute(
        "CREATE TABLE viewer_token_uses (id INTEGER PRIMARY KEY, token_id TEXT NOT NULL, "
        "at REAL NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER)"
    )
    db.execute("CREATE INDEX idx_viewer_token_uses ON viewer_token_uses (token_id, id)")
