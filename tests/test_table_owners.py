"""Each table's SQL lives in its owners: a module that starts writing statements on a table it
does not own fails here, and the fix is a function in the owner (as svix's secure_find_by_*).

Besides the owners, the record's read model (journal/causes.py, journal/feed.py) and the marks'
rebuild (store/marks.py) read domain tables directly: the journal imports no domain
(docs/architecture.md). Joins that only add a name or a setting are listed with a reason.
"""

import re
from pathlib import Path

SANDBOX = Path(__file__).resolve().parent.parent / "sandbox"
READ_MODEL = {"journal/causes.py", "journal/feed.py", "store/marks.py"}

OWNERS = {
    "outbox": {"domain/outbox.py", "outgoing/outbox_rows.py"},
    "attempts": {"outgoing/attempts.py"},
    "draws": {"domain/rewards/draws.py"},
    "rewards": {"domain/rewards/outcomes.py", "domain/rewards/wallet.py"},
    "reward_users": {"domain/rewards/rules.py"},
    "events": {"domain/events.py", "store/shard_schema.py"},
    "retired_keys": {"domain/tenants.py"},
    "tenants": {
        "domain/tenants.py",
        "domain/nudges/payloads.py",  # a nudge link: the tenant's secret beside the base URL
        "outgoing/endofday.py",  # the end-of-day runs listed with their tenant's name
        "store/snapshots.py",  # a snapshot's manifest names its tenants
    },
    # The sheet's tables, read and written only through sheet_rows (a play's steps take the
    # writer's connection, so the draw and the coupon it issues stay one write).
    "reward_campaigns": {"domain/rewards/sheet_rows.py"},
    "reward_variants": {"domain/rewards/sheet_rows.py"},
    "coupons": {"domain/rewards/sheet_rows.py"},
}


def _statements_on(table: str) -> set[str]:
    """Return the modules (paths under sandbox/) with a statement on `table`."""
    found = set()
    for path in SANDBOX.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        # Adjacent string literals are one statement: join them before looking.
        text = re.sub(r'"\s*\n\s*f?"', "", path.read_text())
        if re.search(rf"\b(FROM|INTO|UPDATE|JOIN)\s+(\w+\.)?{table}\b", text):
            found.add(path.relative_to(SANDBOX).as_posix())
    return found


def test_every_table_is_written_and_read_only_by_its_owners():
    strays = {
        table: sorted(_statements_on(table) - owners - READ_MODEL)
        for table, owners in OWNERS.items()
    }
    assert not any(strays.values()), {t: m for t, m in strays.items() if m}


def test_the_owner_list_names_no_module_that_has_gone():
    for table, owners in OWNERS.items():
        assert owners <= _statements_on(table), (table, owners - _statements_on(table))
