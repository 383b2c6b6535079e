"""Importing a sheet: read, check against the store, and the write that applies it."""

from pathlib import Path

from ...store import CachedWrite, Store
from . import sheet, validate
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
    return validate.parse(rows, pools_dir, issued_codes(store, tenant_id))


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


def issued_codes(store: Store, tenant_id: str) -> set[str]:
    """Return the tenant's coupon codes already handed out (a sheet may not list them again)."""
    rows = store.all(
        "SELECT code FROM coupons WHERE tenant_id = ? AND issued_at IS NOT NULL", (tenant_id,)
    )
    return {r["code"] for r in rows}


def import_campaigns(tenant_id: str, campaigns: list[Campaign], now: str) -> CachedWrite:
    """Return the write that replaces these campaigns (variants, unissued codes) in one go.

    Codes already handed out stay, with their draws and rewards: a re-import changes the
    odds and the stock of what is still to win. The SDK's campaign list does not show them
    yet: a user sees a sheet campaign once an event grants a play (the rules, next).
    """

    def run(conn):
        for c in campaigns:
            key = (tenant_id, c.campaign_id)
            conn.execute(
                "INSERT OR REPLACE INTO reward_campaigns (tenant_id, campaign_id, name, type, "
                "trigger_event, condition, mode, start_at, end_at, imported_at, audience) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    c.name,
                    c.type,
                    c.trigger_event,
                    c.condition,
                    c.mode,
                    c.start,
                    c.end,
                    now,
                    c.audience,
                ),
            )
            conn.execute("DELETE FROM reward_variants WHERE tenant_id = ? AND campaign_id = ?", key)
            conn.execute(
                "DELETE FROM coupons WHERE tenant_id = ? AND campaign_id = ? AND issued_at IS NULL",
                key,
            )
            for position, v in enumerate(c.variants):
                conn.execute(
                    "INSERT INTO reward_variants (tenant_id, campaign_id, position, name, "
                    "reward_type, reward_name, amount, chance, cap, has_pool, coupon_api, "
                    "coupon_path, expiry_hours) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        *key,
                        position,
                        v.name,
                        v.reward_type,
                        v.reward_name,
                        v.amount,
                        v.chance,
                        v.cap,
                        v.codes is not None,
                        v.coupon_api,
                        v.coupon_path,
                        v.expiry_hours,
                    ),
                )
                conn.executemany(
                    "INSERT INTO coupons (tenant_id, campaign_id, position, code) "
                    "VALUES (?, ?, ?, ?)",
                    [(*key, position, code) for code in v.codes or ()],
                )
        return len(campaigns)

    # Cached: the rules keep each tenant's campaigns a second per process (rules.py).
    return CachedWrite(run)
