"""A sheet campaign's configured odds beside its stock, its wins and every draw."""

from ...store import Store, loads
from . import draws as kept_draws


def known(store: Store, tenant_id: str, campaign_id: str) -> bool:
    """Return True if the tenant's reward sheet has the campaign."""
    row = store.one(
        "SELECT 1 AS x FROM reward_campaigns WHERE tenant_id = ? AND campaign_id = ?",
        (tenant_id, campaign_id),
    )
    return row is not None


def names(store: Store, tenant_id: str) -> dict[str, dict]:
    """Return the tenant's sheet campaigns by id: their name and type."""
    rows = store.all(
        "SELECT campaign_id, name, type FROM reward_campaigns WHERE tenant_id = ?", (tenant_id,)
    )
    return {r["campaign_id"]: r for r in rows}


def triggers(store: Store, tenant_id: str) -> list[dict]:
    """Return what each sheet campaign is granted on: its event, condition, window, audience."""
    return store.all(
        "SELECT campaign_id, trigger_event, condition, start_at, end_at, audience FROM "
        "reward_campaigns WHERE tenant_id = ? ORDER BY campaign_id",
        (tenant_id,),
    )


def campaign(store: Store, tenant_id: str, campaign_id: str) -> dict | None:
    """Return a sheet campaign as a game page shows it (name, type, trigger), or None."""
    return store.one(
        "SELECT campaign_id, name, type, trigger_event, condition FROM reward_campaigns WHERE "
        "tenant_id = ? AND campaign_id = ?",
        (tenant_id, campaign_id),
    )


def shown_variants(store: Store, tenant_id: str, campaign_id: str) -> list[dict]:
    """Return a campaign's variants as a game page shows them (prize and chance), in order."""
    return store.all(
        "SELECT name, reward_type, reward_name, amount, chance FROM reward_variants WHERE "
        "tenant_id = ? AND campaign_id = ? ORDER BY position",
        (tenant_id, campaign_id),
    )


def summary(store: Store, tenant_id: str, campaign_id: str | None = None) -> list[dict]:
    """Return the tenant's sheet campaigns with each variant's chance, stock and wins."""
    where, params = "tenant_id = ?", [tenant_id]
    if campaign_id is not None:
        where, params = where + " AND campaign_id = ?", [*params, campaign_id]
    out = []
    for c in store.all(
        f"SELECT * FROM reward_campaigns WHERE {where} ORDER BY campaign_id", params
    ):
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
    sql = (
        "SELECT v.*, (SELECT count(*) FROM coupons k WHERE k.tenant_id = v.tenant_id AND "
        "k.campaign_id = v.campaign_id AND k.position = v.position AND k.issued_at IS NULL) "
        "AS free FROM reward_variants v WHERE v.tenant_id = ? AND v.campaign_id = ? "
        "ORDER BY position"
    )
    rows = store.all(sql, (tenant_id, campaign_id))
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
