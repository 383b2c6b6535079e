"""Each table's SQL lives in its owners: a module that starts writing statements on a table it
does not own fails here, and the fix is a function in the owner (as svix's secure_find_by_*).

Besides the owners, the record's read model (journal/causes.py, journal/feed.py) and the marks'
rebuild (store/marks.py) read domain tables directly: the journal imports no domain
(docs/architecture.md). Joins that only add a name or a setting are listed with a reason, and
so is the snapshot's restore (store/snapshots.py), which empties what a snapshot replaces.
Every table a data dir holds is in the map: a new table comes with its owner.
"""

import functools
import re
import sqlite3
from pathlib import Path

SANDBOX = Path(__file__).resolve().parent.parent / "sandbox"
READ_MODEL = {"journal/causes.py", "journal/feed.py", "store/marks.py"}

OWNERS = {
    # The record: written by the store's writer (ids, the shards), read by the journal package.
    "journal": {
        "journal/attempts_of.py",
        "journal/export.py",
        "journal/retention.py",
        "journal/search.py",
        "store/shard_schema.py",
        "store/shards.py",
        "store/snapshots.py",  # a restore empties the journal it replaces
        "store/writer.py",
    },
    "journal_fts": {"journal/retention.py", "store/snapshots.py"},
    "shard_meta": {"journal/retention.py", "store/snapshots.py"},
    "events": {"domain/events.py", "store/shard_schema.py"},
    "event_repeats": {"domain/events.py"},
    "settings": {"store/settings.py", "store/snapshots.py"},
    "cache_epoch": {"store/__init__.py", "store/writes.py"},
    "tenants": {
        "domain/tenants.py",
        "outgoing/endofday.py",  # the end-of-day runs listed with their tenant's name
        "store/snapshots.py",  # a snapshot's manifest names its tenants
    },
    "retired_keys": {"domain/tenants.py"},
    "users": {"domain/users.py"},
    "campaigns": {"domain/catalog.py"},
    "entrypoints": {"domain/catalog.py"},
    "deeplinks": {"domain/catalog.py"},
    "sdk_settings": {"domain/catalog.py"},
    "entrypoint_state": {"domain/entrypoints.py"},
    "segments": {"domain/segments.py"},
    "fault_plans": {"domain/faults.py"},
    "fault_counts": {"domain/faults.py"},
    "inspector_sessions": {"domain/sessions.py"},
    "viewer_tokens": {"domain/viewer_tokens.py"},
    "viewer_token_uses": {"domain/viewer_tokens.py"},
    "nudge_definitions": {"domain/nudges/definitions.py"},
    "nudge_log": {
        "domain/nudges/life.py",
        "domain/nudges/queue.py",  # a queued frame's expiry is its nudge's (joined by id)
    },
    "nudges": {"domain/nudges/queue.py"},
    "outbox": {"domain/outbox.py", "outgoing/outbox_rows.py"},
    "attempts": {"outgoing/attempts.py"},
    "end_of_day_runs": {"outgoing/endofday.py"},
    "reports": {"outgoing/report.py"},
    "hooks": {"outgoing/receiver.py"},
    "hook_calls": {"outgoing/receiver.py"},
    "conformance_runs": {"onboarding/runs.py"},
    "client_check_runs": {"onboarding/client_kit.py"},
    "draws": {"domain/rewards/draws.py"},
    "rewards": {"domain/rewards/outcomes.py", "domain/rewards/wallet.py"},
    "reward_users": {"domain/rewards/rules.py"},
    # The sheet's tables, read and written only through sheet_rows (a play's steps take the
    # writer's connection, so the draw and the coupon it issues stay one write).
    "reward_campaigns": {"domain/rewards/sheet_rows.py"},
    "reward_variants": {"domain/rewards/sheet_rows.py"},
    "coupons": {"domain/rewards/sheet_rows.py"},
}

# Tables no module names in a statement: SQLite's and sqlite-utils' own, FTS5's shadow tables,
# and the marks, which store/marks.py writes under a name it is given (marks.DOMAIN_TABLE...).
UNNAMED = {"sqlite_sequence", "_sqlite_migrations", "domain_marks", "journal_marks"}


@functools.cache
def _named() -> dict[str, set[str]]:
    """Return, by table name, the modules under sandbox/ (migrations aside) with a statement on it.

    Adjacent string literals are one statement: they are joined before anyone looks.
    """
    statement = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+(?:\w+\.)?(\w+)\b")
    found: dict[str, set[str]] = {}
    for path in SANDBOX.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = re.sub(r'"\s*\n\s*f?"', "", path.read_text())
        for table in set(statement.findall(text)):
            found.setdefault(table, set()).add(path.relative_to(SANDBOX).as_posix())
    return found


def _statements_on(table: str) -> set[str]:
    """Return the modules (paths under sandbox/) with a statement on `table`."""
    return _named().get(table, set())


def test_every_table_is_written_and_read_only_by_its_owners():
    strays = {
        table: sorted(_statements_on(table) - owners - READ_MODEL)
        for table, owners in OWNERS.items()
    }
    assert not any(strays.values()), {t: m for t, m in strays.items() if m}


def test_the_owner_list_names_no_module_that_has_gone():
    for table, owners in OWNERS.items():
        assert owners <= _statements_on(table), (table, owners - _statements_on(table))


def test_every_table_of_a_data_dir_has_an_owner(app):
    tables = set()
    for path in Path(app.config["DATA_DIR"]).glob("*.db"):
        with sqlite3.connect(path) as conn:
            tables |= {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
    assert "journal" in tables and "tenants" in tables  # both files were read
    shadows = {t for t in tables if t.startswith("journal_fts_")}
    assert tables - shadows - UNNAMED == set(OWNERS), (
        sorted(tables - shadows - UNNAMED - set(OWNERS)),
        sorted(set(OWNERS) - tables),
    )
