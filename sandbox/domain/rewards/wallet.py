"""A user's won rewards, as the wallet and POST /reward/v2/user/reward show them."""

from ...store import Store
from . import sheet_rows


def prize(row: dict) -> dict:
    """Return a won reward as the SDK reads it: its id, type, name, amount, code and status."""
    return {
        "rewardId": row["reward_id"],
        "rewardType": row["reward_type"],
        "rewardName": row["name"],
        "rewardAmount": int(row["amount"]) if row["amount"] is not None else 0,
        "code": row["code"] or "",
        "status": row["status"],
    }


def user_rewards(
    store: Store, tenant_id: str, user_id: str, page: int, limit: int, campaign_ids=None
) -> tuple[list[dict], int]:
    """Return (one page of the user's rewards, newest first; how many in all)."""
    where, params = "tenant_id = ? AND user_id = ?", [tenant_id, user_id]
    if campaign_ids is not None:
        ids = sorted(campaign_ids)[:500]
        where += f" AND campaign_id IN ({','.join('?' * len(ids))})" if ids else " AND 0"
        params += ids
    total = store.one(f"SELECT count(*) AS n FROM rewards WHERE {where}", params)["n"]
    rows = store.all(
        f"SELECT * FROM rewards WHERE {where} ORDER BY created_at DESC, rowid DESC "
        "LIMIT ? OFFSET ?",
        (*params, limit, (page - 1) * limit),
    )
    return [
        {
            **prize(r),
            "campaignId": r["campaign_id"],
            "type": r["campaign_type"],
            "transactionId": r["transaction_id"],
            "rewardExpiry": r["expiry"],
            "createdAt": r["created_at"],
        }
        for r in rows
    ], total


def one(store: Store, tenant_id: str, reward_id: str) -> dict | None:
    """Return one of the tenant's rewards (what a prize shows), or None."""
    return store.one(
        "SELECT reward_id, reward_type, name, amount, code, status FROM rewards WHERE "
        "reward_id = ? AND tenant_id = ?",
        (reward_id, tenant_id),
    )


def coupon_path(store: Store, tenant_id: str, reward_id: str) -> str | None:
    """Return the JSON path of the code in a reward's coupon API answer (its variant's), or None."""
    won = store.one(
        "SELECT campaign_id, position FROM rewards WHERE reward_id = ? AND tenant_id = ?",
        (reward_id, tenant_id),
    )
    if won is None or won["position"] is None:
        return None
    return sheet_rows.coupon_path(store, tenant_id, won["campaign_id"], won["position"])


def count(store: Store, tenant_id: str, user_id: str) -> int:
    """Return how many rewards the user has won."""
    row = store.one(
        "SELECT count(*) AS n FROM rewards WHERE tenant_id = ? AND user_id = ?",
        (tenant_id, user_id),
    )
    return row["n"]
