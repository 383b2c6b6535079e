"""The schema of a journal shard (see shards.py), only ever changed here, as migrations."""

import contextlib
import os
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from . import marks
from .shards import shard_path

# The journal's and the events' columns after the id, as both tables were first created
# (m002 in the core file, then s001 in each shard). Frozen: later columns come by migration.
JOURNAL_COLUMNS = (
    "request_id TEXT NOT NULL UNIQUE",
    "ts TEXT NOT NULL",
    "ts_epoch REAL NOT NULL",
    "tenant_id TEXT",
    "user_id TEXT",
    "event_id TEXT",
    "method TEXT NOT NULL",
    "host TEXT",
    "path TEXT NOT NULL",
    "query TEXT",
    "route TEXT",
    "client_addr TEXT",
    "headers TEXT",
    "body BLOB",
    "body_size INTEGER",
    "status INTEGER",
    "response_headers TEXT",
    "response_body BLOB",
    "latency_ms REAL",
    "auth_result TEXT",
    "auth_reason TEXT",
    "checks TEXT",
    "flags TEXT",
    "problems TEXT",
)
EVENTS_COLUMNS = (
    "uid TEXT NOT NULL UNIQUE",
    "tenant_id TEXT NOT NULL",
    "event_id TEXT",
    "event_name TEXT",
    "user_id TEXT",
    "timestamp TEXT",
    "timestamp_utc TEXT",
    "properties TEXT",
    "source TEXT",
    "valid INTEGER NOT NULL",
    "problems TEXT",
    "duplicates INTEGER NOT NULL DEFAULT 0",
    "request_id TEXT",
    "received_at TEXT NOT NULL",
)

SHARD_MIGRATIONS = Migrations("customerglu-sandbox-journal")


@SHARD_MIGRATIONS()
def s001_journal_events_fulltext(db):
    """The journal, the events, repeats of events stored in another shard, full-text index."""
    # Ids come from the writer (shards.next_ids): unique across shards, rising with time,
    # never reused after retention deletes.
    db.execute(f"CREATE TABLE journal (id INTEGER PRIMARY KEY, {', '.join(JOURNAL_COLUMNS)})")
    # Only the indexes the searches use: each one is paid on every insert.
    for cols in (["tenant_id", "id"], ["user_id", "id"], ["event_id"]):
        db["journal"].create_index(cols)
    db.execute(f"CREATE TABLE events (id INTEGER PRIMARY KEY, {', '.join(EVENTS_COLUMNS)})")
    db["events"].create_index(["tenant_id", "event_id"], unique=True)
    db["events"].create_index(["tenant_id", "user_id"])
    # A repeat of an event_id whose first copy another shard holds: counted here, since
    # a writer never writes another worker's file.
    db["event_repeats"].create(
        {"tenant_id": str, "event_id": str, "first_uid": str, "repeats": int},
        pk=("tenant_id", "event_id"),
    )
    # External content: the text stays in `journal`; the index holds only tokens. It is
    # filled in chunks by the writer's housekeeping (retention.Maintenance).
    db.execute(
        "CREATE VIRTUAL TABLE journal_fts USING fts5("
        "path, body, content='journal', content_rowid='id')"
    )
    db["shard_meta"].create({"key": str, "value": str}, pk="key")


@SHARD_MIGRATIONS()
def s002_reward_users(db):
    """Plays granted by events (sheet campaigns): beside the event that granted them.

    Written with the event by the worker's own shard, so an event that grants a play
    takes no lock another worker waits on (ingest stays shard-only).
    """
    db.execute(
        "CREATE TABLE reward_users (reward_user_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, "
        "campaign_id TEXT NOT NULL, user_id TEXT NOT NULL, status TEXT NOT NULL, "
        "event_uid TEXT, granted_at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX idx_reward_users ON reward_users (tenant_id, user_id, campaign_id)")


@SHARD_MIGRATIONS()
def s003_journal_marks(db):
    """First and last time of each kind of request per tenant (marks.py), kept with the rows."""
    marks.create(db, marks.JOURNAL_TABLE)
    marks.rebuild_journal_marks(db.conn)


@SHARD_MIGRATIONS()
def s004_attribution(db):
    """Each entry's event name and how far its tenant, user and event are to be trusted.

    Entries from before take their event's name (by the unique request id, one update each).
    """
    db.execute("ALTER TABLE journal ADD COLUMN event_name TEXT")
    db.execute("ALTER TABLE journal ADD COLUMN attribution TEXT")
    named = db.execute(
        "SELECT event_name, request_id FROM events WHERE event_name IS NOT NULL"
    ).fetchall()
    db.conn.executemany("UPDATE journal SET event_name = ? WHERE request_id = ?", named)


@SHARD_MIGRATIONS()
def s005_grants_by_event(db):
    """The plays one event granted (its timeline) by index, not by a scan of every grant.

    Event uids rise within a process (ids.py), so each insert lands at the index's end.
    """
    db.execute("CREATE INDEX idx_reward_users_event ON reward_users (event_uid)")


def ensure_shard(data_dir: str | Path, slot: int, connect) -> Path:
    """Create shard `slot` with its schema if missing, else migrate it; return its path.

    A new file is built under a temporary name and renamed, so a reader listing the
    folder never attaches a file without its tables.
    """
    path = shard_path(data_dir, slot)
    target = path if path.exists() else path.with_suffix(f".{os.getpid()}.tmp")
    with contextlib.closing(connect(target)) as conn:
        SHARD_MIGRATIONS.apply(sqlite_utils.Database(conn))
    if target != path:
        target.rename(path)
    return path
