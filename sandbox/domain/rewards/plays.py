"""Sheet campaigns in the store: import them, play them (draw, coupon, reward, webhook row)."""

import base64
import secrets

from ...store import CachedWrite, CoreWrite, Store, dumps, loads
from . import draw
from .validate import Campaign


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
                "INSERT OR REPLACE INTO reward_campaigns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*key, c.name, c.type, c.trigger_event, c.condition, c.mode, c.start, c.end, now),
            )
            conn.execute("DELETE FROM reward_variants WHERE tenant_id = ? AND campaign_id = ?", key)
            conn.execute(
                "DELETE FROM coupons WHERE tenant_id = ? AND campaign_id = ? AND issued_at IS NULL",
                key,
            )
            for position, v in enumerate(c.variants):
                conn.execute(
                    "INSERT INTO reward_variants VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        "AS free, (SELECT count(*) FROM draws d WHERE d.tenant_id = v.tenant_id AND "
        "d.campaign_id = v.campaign_id AND d.position = v.position) AS wins "
        "FROM reward_variants v WHERE v.tenant_id = ? AND v.campaign_id = ? ORDER BY position"
    )
    rows = store.all(sql, (tenant_id, campaign_id))
    for v in rows:
        v["left"] = v["free"] if v["has_pool"] else None
    return rows


def _stock(conn, tenant_id: str, campaign_id: str) -> list[dict]:
    """Return the variants with whether each may still win: index seeks, whatever the pool size.

    A play asks only "is there a free code" (EXISTS, one seek) and, for a capped variant,
    "are there `cap` wins yet" (at most `cap` index rows): counting a 100,000-code pool on
    every play cut plays from 495 to 54 a second.
    """
    cur = conn.execute(
        "SELECT position, name, reward_type, reward_name, amount, chance, cap, has_pool FROM "
        "reward_variants WHERE tenant_id = ? AND campaign_id = ? ORDER BY position",
        (tenant_id, campaign_id),
    )
    names = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        v = dict(zip(names, row, strict=True))
        key = (tenant_id, campaign_id, v["position"])
        stocked = (
            not v["has_pool"]
            or conn.execute(
                "SELECT EXISTS (SELECT 1 FROM coupons WHERE tenant_id = ? AND campaign_id = ? AND "
                "position = ? AND issued_at IS NULL)",
                key,
            ).fetchone()[0]
        )
        v["capped"] = (
            v["cap"] is not None
            and conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM draws WHERE tenant_id = ? AND campaign_id = ? "
                "AND position = ? LIMIT ?)",
                (*key, v["cap"]),
            ).fetchone()[0]
            >= v["cap"]
        )
        v["available"] = bool(stocked) and not v["capped"]
        out.append(v)
    return out


def play(tenant: dict, campaign_id: str, user_id: str, seed: str, now: str) -> CoreWrite:
    """Return the write that draws once for the user; its result is the play, explained.

    Runs in the writer's transaction under the core file's lock, so the sequence number
    and the coupon are taken once whichever worker plays; the UNIQUE constraints on
    draws (seq, code) and coupons (code) would refuse a second taker regardless.
    """
    tenant_id = tenant["id"]

    def run(conn):
        c = conn.execute(
            "SELECT type FROM reward_campaigns WHERE tenant_id = ? AND campaign_id = ?",
            (tenant_id, campaign_id),
        ).fetchone()
        if c is None:
            return None
        variants = _stock(conn, tenant_id, campaign_id)
        seq = conn.execute(
            "SELECT coalesce(max(seq), 0) + 1 FROM draws WHERE tenant_id = ? AND campaign_id = ?",
            (tenant_id, campaign_id),
        ).fetchone()[0]
        roll = draw.roll_for(seed, tenant_id, campaign_id, seq)
        bounds = draw.thresholds([v["chance"] for v in variants])
        available = [v["available"] for v in variants]
        index = draw.pick(roll, bounds, available)
        outcome, code, reward_id, chosen = "no_reward", None, None, None
        if index is None:
            hit = next((i for i, b in enumerate(bounds) if roll < b), None)
            if hit is not None:
                out_of = "cap reached" if variants[hit]["capped"] else "no coupon left"
                outcome = f"no_reward: {variants[hit]['name']} {out_of}"
        else:
            chosen = variants[index]
            if chosen["has_pool"]:
                row = conn.execute(
                    "UPDATE coupons SET issued_to = ?, issued_at = ? WHERE id = (SELECT id FROM "
                    "coupons WHERE tenant_id = ? AND campaign_id = ? AND position = ? AND "
                    "issued_at IS NULL ORDER BY id LIMIT 1) RETURNING code",
                    (user_id, now, tenant_id, campaign_id, index),
                ).fetchone()
                code = row[0] if row else None
            outcome = "won"
            reward_id = "rwd_" + secrets.token_hex(8)
            _reward(conn, tenant, c[0], campaign_id, user_id, index, chosen, reward_id, code, now)
        conn.execute(
            "INSERT INTO draws (tenant_id, campaign_id, seq, user_id, roll, thresholds, position, "
            "variant, reward_id, code, outcome, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                tenant_id,
                campaign_id,
                seq,
                user_id,
                roll,
                dumps(bounds),
                index,
                chosen["name"] if chosen else None,
                reward_id,
                code,
                outcome,
                now,
            ),
        )
        return {
            "seq": seq,
            "roll": round(roll, 6),
            "thresholds": bounds,
            "variant": chosen["name"] if chosen else None,
            "rewardId": reward_id,
            "code": code,
            "outcome": outcome,
        }

    return CoreWrite(run)


def _reward(conn, tenant, campaign_type, campaign_id, user_id, index, v, reward_id, code, now):
    """Insert the reward record and queue its webhook (spec section 9) in the same transaction."""
    transaction_id = base64.urlsafe_b64encode(secrets.token_bytes(12)).decode().rstrip("=")
    amount = v["amount"]
    conn.execute(
        "INSERT INTO rewards VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            reward_id,
            tenant["id"],
            user_id,
            campaign_id,
            campaign_type,
            index,
            transaction_id,
            v["reward_type"],
            v["reward_name"],
            amount,
            code,
            "redeemable-unseen",
            -1,
            now,
        ),
    )
    payload = {
        "campaignId": campaign_id,
        "type": campaign_type,
        "userId": user_id,
        "rewardId": reward_id,
        "rewardType": v["reward_type"],
        "status": "redeemable-unseen",
        "transactionId": transaction_id,
        "rewardName": v["reward_name"],
        "rewardAmount": int(amount) if amount is not None else 0,
        "rewardExpiry": -1,
        "code": code or "",
        "details": {},
    }
    conn.execute(
        "INSERT INTO outbox (tenant_id, kind, url, payload, status, created_at) "
        "VALUES (?, 'reward_webhook', ?, ?, 'queued', ?)",
        (tenant["id"], tenant.get("reward_webhook_url"), dumps(payload), now),
    )


def draws(store: Store, tenant_id: str, campaign_id: str, limit: int = 1000) -> dict:
    """Return a campaign's draws, newest first, and the counts per variant beside the odds."""
    rows = store.all(
        "SELECT seq, user_id, roll, thresholds, variant, reward_id, code, outcome, at FROM draws "
        "WHERE tenant_id = ? AND campaign_id = ? ORDER BY seq DESC LIMIT ?",
        (tenant_id, campaign_id, limit),
    )
    counts = store.all(
        "SELECT variant, count(*) AS n FROM draws WHERE tenant_id = ? AND campaign_id = ? "
        "GROUP BY variant",
        (tenant_id, campaign_id),
    )
    total = sum(r["n"] for r in counts)
    by_name = {r["variant"]: r["n"] for r in counts}
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
