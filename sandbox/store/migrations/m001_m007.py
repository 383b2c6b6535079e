"""Migrations 1-7: tenants, users, the journal and events, campaigns, nudges, the journal's
search and its move into shard files."""

from pathlib import Path

from ..shard_schema import EVENTS_COLUMNS, JOURNAL_COLUMNS, ensure_shard
from . import MIGRATIONS


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
        f"CREATE TABLE journal (id INTEGER PRIMARY KEY AUTOINCREMENT, {', '.join(JOURNAL_COLUMNS)})"
    )
    for cols in (["tenant_id", "id"], ["user_id"], ["event_id"], ["path"], ["ts_epoch"]):
        db["journal"].create_index(cols)
    db.execute(
        f"CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, {', '.join(EVENTS_COLUMNS)})"
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
    from .. import connect  # the store package imports this module: a late import

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
