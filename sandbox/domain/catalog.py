"""A tenant's catalogue: campaigns, entry points, deep links and SDK settings, from fixtures."""

import json
from pathlib import Path

from ..store import Store, dumps, loads

GAME_TYPES = {
    "quiz",
    "slotmachine",
    "scratchcard",
    "spinthewheel",
    "memorygame",
    "tossthecoin",
    "rollthedice",
    "giftbox",
    "unity",
    "unitygame",
    "gamechallenge",
    "direct",
}


def campaign_kind(campaign_type: str) -> str:
    """Return "game" for reward games (linked to /reward/) or "program" (linked to /program/)."""
    return "game" if campaign_type in GAME_TYPES else "program"


def _read(folder: Path, name: str, key: str) -> list:
    path = folder / name
    return json.loads(path.read_text())[key] if path.exists() else []


def load_tenant_data(conn, tenant_id: str, folder: str | Path, now: str = "") -> None:
    """Insert (or replace) the campaigns, entry points, deep links, SDK settings, the reward
    sheet (reward-sheet.csv, its coupon pools in the fixtures' pools/ folder) and the nudge
    sheet (nudge-sheet.csv) in `folder`."""
    folder = Path(folder)
    for pos, c in enumerate(_read(folder, "campaigns.json", "campaigns")):
        conn.execute(
            "INSERT OR REPLACE INTO campaigns VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                tenant_id,
                c["campaignId"],
                c["type"],
                c.get("name", c["campaignId"]),
                c.get("status", "active"),
                pos,
                dumps(c),
            ),
        )
    for pos, ep in enumerate(_read(folder, "entrypoints.json", "entrypoints")):
        conn.execute(
            "INSERT OR REPLACE INTO entrypoints VALUES (?, ?, ?, ?)",
            (tenant_id, ep["_id"], pos, dumps(ep)),
        )
    for link in _read(folder, "deeplinks.json", "deeplinks"):
        conn.execute(
            "INSERT OR REPLACE INTO deeplinks VALUES (?, ?, ?)",
            (tenant_id, link["id"], dumps(link)),
        )
    sheet_path = folder / "reward-sheet.csv"
    if sheet_path.exists():
        _load_sheet(conn, tenant_id, sheet_path, now)
    nudge_path = folder / "nudge-sheet.csv"
    if nudge_path.exists():
        _load_nudges(conn, tenant_id, nudge_path, now)
    sdk_path = folder / "sdk.json"
    if sdk_path.exists():
        for key, value in json.loads(sdk_path.read_text()).items():
            conn.execute(
                "INSERT OR REPLACE INTO sdk_settings VALUES (?, ?, ?)",
                (tenant_id, key, dumps(value)),
            )


def _load_sheet(conn, tenant_id: str, path: Path, now: str) -> None:
    """Import a fixture reward sheet; a broken fixture stops the start, naming the error."""
    from .rewards import importer, sheet, validate

    rows = sheet.read_rows(path.read_bytes(), "text/csv")
    found, errors = validate.parse(rows, path.parent.parent / "pools", set())
    if errors:
        first = errors[0]
        raise ValueError(f"{path}: row {first['row']}, {first['column']}: {first['message']}")
    importer.import_campaigns(tenant_id, found, now).run(conn)


def _load_nudges(conn, tenant_id: str, path: Path, now: str) -> None:
    """Import a fixture nudge sheet; a broken fixture stops the start, naming the error."""
    from .nudges import definitions

    found, errors = definitions.check(path.read_bytes(), "text/csv")
    if errors:
        first = errors[0]
        raise ValueError(f"{path}: row {first['row']}, {first['column']}: {first['message']}")
    definitions.store_write(tenant_id, found, now).run(conn)


def campaigns(store: Store, tenant_id: str) -> list[dict]:
    """Return the tenant's campaigns in fixture order, each as its fixture dict."""
    rows = store.all(
        "SELECT data FROM campaigns WHERE tenant_id = ? ORDER BY position", (tenant_id,)
    )
    return [loads(r["data"]) for r in rows]


def campaign(store: Store, tenant_id: str, campaign_id: str) -> dict | None:
    """Return one campaign, or None."""
    row = store.one(
        "SELECT data FROM campaigns WHERE tenant_id = ? AND campaign_id = ?",
        (tenant_id, campaign_id),
    )
    return None if row is None else loads(row["data"])


def entrypoints(store: Store, tenant_id: str) -> list[dict]:
    """Return the tenant's entry points in fixture order."""
    rows = store.all(
        "SELECT data FROM entrypoints WHERE tenant_id = ? ORDER BY position", (tenant_id,)
    )
    return [loads(r["data"]) for r in rows]


def deeplink(store: Store, tenant_id: str, link_id: str) -> dict | None:
    """Return one deep link, or None."""
    row = store.one(
        "SELECT data FROM deeplinks WHERE tenant_id = ? AND id = ?", (tenant_id, link_id)
    )
    return None if row is None else loads(row["data"])


def sdk_settings(store: Store, tenant_id: str) -> dict:
    """Return the tenant's SDK settings (testUserIds, overrides of the mobile config)."""
    rows = store.all("SELECT key, value FROM sdk_settings WHERE tenant_id = ?", (tenant_id,))
    return {r["key"]: loads(r["value"]) for r in rows}


def set_sdk_setting(conn, tenant_id: str, key: str, value) -> None:
    """Store one SDK setting (inside a writer batch)."""
    conn.execute(
        "INSERT OR REPLACE INTO sdk_settings VALUES (?, ?, ?)", (tenant_id, key, dumps(value))
    )
