"""Migrations 13 on: the checklist's marks, the receiver's budget, inspector sessions,
viewer tokens. The next migration goes at the end of this file."""

from .. import marks
from . import MIGRATIONS


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


@MIGRATIONS()
def m018_faults(db):
    """Fault plans on the emulated API per tenant, and how often each rule has counted."""
    db.execute(
        "CREATE TABLE fault_plans (tenant_id TEXT PRIMARY KEY, plan TEXT NOT NULL, "
        "updated_at TEXT NOT NULL)"
    )
    # window: 'count', 'draw' or 'applied' (a rule's running counts), or 'w<n>' (the n-th
    # window of a rate limit).
    db.execute(
        "CREATE TABLE fault_counts (tenant_id TEXT NOT NULL, rule_id TEXT NOT NULL, "
        "window TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (tenant_id, rule_id, window))"
    )


@MIGRATIONS()
def m019_client_check_runs(db):
    """Runs of the client kit (onboarding/client_kit.py), graded from the journal past after_id."""
    db.execute(
        "CREATE TABLE client_check_runs (run_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, "
        "started_at TEXT NOT NULL, after_id INTEGER NOT NULL)"
    )
    db.execute("CREATE INDEX idx_client_check_runs ON client_check_runs (tenant_id, started_at)")


@MIGRATIONS()
def m020_cache_epoch(db):
    """One counter every CachedWrite bumps: other workers see it move and drop their caches."""
    db.execute(
        "CREATE TABLE cache_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)"
    )
    db.execute("INSERT INTO cache_epoch (id, n) VALUES (1, 0)")


@MIGRATIONS()
def m021_outbox_evening(db):
    """The dead letters no evening retry has tried yet, per tenant in queue order: the evening
    run pages through them without stepping over the ones earlier evenings left failed."""
    db.execute(
        "CREATE INDEX idx_outbox_evening ON outbox (tenant_id, id) "
        "WHERE status = 'failed' AND end_of_day = 0"
    )


@MIGRATIONS()
def m022_outbox_reward(db):
    """The deliveries of one reward (a request's timeline follows a draw to them) by index,
    not by a scan of every delivery ever queued."""
    db.execute("CREATE INDEX idx_outbox_reward ON outbox (reward_id) WHERE reward_id IS NOT NULL")


@MIGRATIONS()
def m023_newest_first(db):
    """Deliveries and nudges listed newest first by index, not by sorting every row a tenant
    has: a delivery list by tenant, status or both (the dead letters), a nudge list by tenant
    (and user), whatever their number."""
    db.execute("CREATE INDEX idx_outbox_tenant_id ON outbox (tenant_id, id)")
    # (tenant, status, id) serves all (tenant, status, kind) did but the kind, and in order.
    db.execute("DROP INDEX idx_outbox_tenant")
    db.execute("CREATE INDEX idx_outbox_tenant_status_id ON outbox (tenant_id, status, id)")
    db.execute("CREATE INDEX idx_outbox_status_id ON outbox (status, id)")
    db.execute("DROP INDEX idx_nudge_log_user")
    db.execute("CREATE INDEX idx_nudge_log_user ON nudge_log (tenant_id, user_id, created_at)")
    db.execute("CREATE INDEX idx_nudge_log_tenant ON nudge_log (tenant_id, created_at)")
    db.execute("CREATE INDEX idx_nudge_log_created ON nudge_log (created_at)")
