"""Migrations 8-12: sheet campaigns and draws, plays, deliveries and reports, nudge
definitions and their life, conformance runs."""

from . import MIGRATIONS


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
