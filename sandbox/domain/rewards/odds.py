"""A sheet campaign's configured odds beside its stock, its wins and every draw."""

from ...store import Store, loads
from . import draws as kept_draws
from . import sheet_rows


def summary(store: Store, tenant_id: str, campaign_id: str | None = None) -> list[dict]:
    """Return the tenant's sheet campaigns with each variant's chance, stock and wins."""
    out = []
    for c in sheet_rows.campaigns(store, tenant_id, campaign_id):
        variants = _variants(store, tenant_id, c["campaign_id"])
        out.append(
            {
                "campaignId": c["campaign_id"],
                "name": c["name"],
                "type": c["type"],
                "triggerEvent": c["trigger_event"],
                "triggerCondition": c["condition"],
                "start": c["start_at"],
                "end": c["end_at"],
                "audience": c["audience"],
                "variants": [
                    {
                        "name": v["name"],
                        "rewardType": v["reward_type"],
                        "chance": round(v["chance"], 6),
                        "couponsLeft": v["left"],
                        "cap": v["cap"],
                        "wins": v["wins"],
                    }
                    for v in variants
                ],
                "noRewardChance": round(max(0.0, 100 - sum(v["chance"] for v in variants)), 6),
            }
        )
    return out


def _variants(store: Store, tenant_id: str, campaign_id: str) -> list[dict]:
    rows = sheet_rows.variants_with_stock(store, tenant_id, campaign_id)
    wins = kept_draws.wins_by_position(store, tenant_id, campaign_id)
    for v in rows:
        v["left"] = v["free"] if v["has_pool"] else None
        v["wins"] = wins.get(v["position"], 0)
    return rows


def draws(store: Store, tenant_id: str, campaign_id: str, limit: int = 1000) -> dict:
    """Return a campaign's draws, newest first, and the counts per variant beside the odds."""
    rows = kept_draws.recent(store, tenant_id, campaign_id, limit)
    by_name = kept_draws.count_by_variant(store, tenant_id, campaign_id)
    total = sum(by_name.values())
    variants = _variants(store, tenant_id, campaign_id)
    table = [
        {
            "variant": v["name"],
            "configured": round(v["chance"], 6),
            "draws": by_name.get(v["name"], 0),
            "observed": round(100 * by_name.get(v["name"], 0) / total, 3) if total else None,
        }
        for v in variants
    ]
    table.append(
        {
            "variant": None,
            "configured": round(max(0.0, 100 - sum(v["chance"] for v in variants)), 6),
            "draws": by_name.get(None, 0),
            "observed": round(100 * by_name.get(None, 0) / total, 3) if total else None,
        }
    )
    return {
        "campaignId": campaign_id,
        "total": total,
        "byVariant": table,
        "draws": [
            {
                "seq": r["seq"],
                "userId": r["user_id"],
                "roll": r["roll"],
                "thresholds": loads(r["thresholds"]),
                "variant": r["variant"],
                "rewardId": r["reward_id"],
                "code": r["code"],
                "outcome": r["outcome"],
                "at": r["at"],
            }
            for r in rows
        ],
    }
