"""Importing a sheet: read, check against the store, and the write that applies it."""

from pathlib import Path

from ...store import CachedWrite, Store
from . import sheet, sheet_rows, validate
from .validate import Campaign


def check(store: Store, tenant_id: str, data: bytes, content_type: str, pools_dir: Path):
    """Return (campaigns, errors) for a sheet file; errors empty means it may be imported."""
    try:
        rows = sheet.read_rows(data, content_type)
    except sheet.SheetUnreadable as exc:
        return [], [
            {
                "row": None,
                "column": None,
                "message": f"unreadable sheet: {exc}",
                "hint": "Send a UTF-8 .csv or an .xlsx workbook with a header row.",
            }
        ]
    return validate.parse(rows, pools_dir, sheet_rows.issued_codes(store, tenant_id))


def view(campaigns: list) -> list[dict]:
    """Return what an import answers per campaign: odds, stock and the "no reward" share."""
    return [
        {
            "campaignId": c.campaign_id,
            "name": c.name,
            "type": c.type,
            "variants": [
                {
                    "name": v.name,
                    "rewardType": v.reward_type,
                    "chance": round(v.chance, 6),
                    "couponsLeft": len(v.codes) if v.codes is not None else None,
                }
                for v in c.variants
            ],
            "noRewardChance": c.no_reward_chance,
        }
        for c in campaigns
    ]


def import_campaigns(tenant_id: str, campaigns: list[Campaign], now: str) -> CachedWrite:
    """Return the write that replaces these campaigns (variants, unissued codes) in one go.

    Codes already handed out stay, with their draws and rewards: a re-import changes the
    odds and the stock of what is still to win. The SDK's campaign list does not show them
    yet: a user sees a sheet campaign once an event grants a play (the rules, next).
    """

    def run(conn):
        sheet_rows.replace_in(conn, tenant_id, campaigns, now)
        return len(campaigns)

    # Cached: the rules keep each tenant's campaigns a second per process (rules.py).
    return CachedWrite(run)
