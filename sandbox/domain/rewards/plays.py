"""Playing a sheet campaign: the draw, the coupon, the reward and its webhook row, in one write."""

from datetime import datetime

from ...store import CoreWrite, marks
from . import draw, draws, outcomes, sheet_rows


def _stock(conn, tenant_id: str, campaign_id: str) -> list[dict]:
    """Return the variants with whether each may still win: a code left and its cap not reached."""
    out = sheet_rows.stock_in(conn, tenant_id, campaign_id)
    for v in out:
        key = (tenant_id, campaign_id, v["position"])
        v["capped"] = v["cap"] is not None and draws.at_cap(conn, *key, v["cap"])
        v["available"] = v["stocked"] and not v["capped"]
    return out


def play(
    tenant: dict, campaign_id: str, user_id: str, seed: str, now: str, reward_user_id=None
) -> CoreWrite:
    """Return the write that draws once for the user; its result is the play, explained.

    With `reward_user_id` (a play an event granted) the draw uses that grant, once: a
    second play of it answers the first draw again, marked alreadyPlayed.

    Runs in the writer's transaction under the core file's lock, so the sequence number
    and the coupon are taken once whichever worker plays; the UNIQUE constraints on
    draws (seq, code) and coupons (code) would refuse a second taker regardless.
    """
    tenant_id = tenant["id"]

    def run(conn):
        campaign_type = sheet_rows.type_in(conn, tenant_id, campaign_id)
        if campaign_type is None:
            return None
        if reward_user_id is not None:
            before = draws.of_grant_in(conn, tenant_id, reward_user_id)
            if before is not None:
                return before
        variants = _stock(conn, tenant_id, campaign_id)
        seq = draws.next_seq(conn, tenant_id, campaign_id)
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
                code = sheet_rows.take_coupon_in(conn, tenant_id, campaign_id, index, user_id, now)
            outcome = "won"
            reward_id = draw.reward_id_for(seed, tenant_id, campaign_id, seq)
            _reward(
                conn,
                tenant,
                campaign_type,
                campaign_id,
                user_id,
                index,
                chosen,
                reward_id,
                code,
                now,
            )
        draws.keep(
            conn,
            {
                "tenant_id": tenant_id,
                "campaign_id": campaign_id,
                "seq": seq,
                "user_id": user_id,
                "roll": roll,
                "thresholds": bounds,
                "position": index,
                "variant": chosen["name"] if chosen else None,
                "reward_id": reward_id,
                "code": code,
                "outcome": outcome,
                "at": now,
                "reward_user_id": reward_user_id,
            },
        )
        marks.mark(conn, marks.DOMAIN_TABLE, tenant_id, "draw", now, campaign_id)
        return {
            "seq": seq,
            "roll": round(roll, 6),
            "thresholds": bounds,
            "variant": chosen["name"] if chosen else None,
            "rewardId": reward_id,
            "code": code,
            "outcome": outcome,
            "alreadyPlayed": False,
        }

    return CoreWrite(run)


def _reward(conn, tenant, campaign_type, campaign_id, user_id, index, v, reward_id, code, now):
    """Insert the reward record and queue what it sends (outcomes.py), in the same transaction."""
    r = {
        "reward_id": reward_id,
        "tenant_id": tenant["id"],
        "user_id": user_id,
        "campaign_id": campaign_id,
        "campaign_type": campaign_type,
        "position": index,
        "transaction_id": outcomes.new_transaction_id(reward_id),
        "reward_type": v["reward_type"],
        "name": v["reward_name"],
        "amount": v["amount"],
        "code": code,
        "expiry": -1,
        "created_at": now,
    }
    won_at = _epoch(now)
    if v.get("expiry_hours") and won_at is not None:
        r["expiry"] = int(won_at + v["expiry_hours"] * 3600)
    outcomes.record(conn, r, v, now, won_at)


def _epoch(iso: str) -> float | None:
    """Return the epoch of a sandbox clock time (None for one that is not ISO 8601)."""
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
