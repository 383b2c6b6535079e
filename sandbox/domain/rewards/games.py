"""A user's granted plays as the SDK and the game pages see them: which to open, played or not.

A grant lives in a journal shard (written with the event that earned it); its draw lives
in the core file (draws.reward_user_id, unique). A grant is "played" when a draw names it,
so no request ever writes across files to flip a status.
"""

from ...store import Store
from . import draws, rules, sheet_rows, wallet

# Campaign status as the SDK's campaign list carries it (spec section 4).
UNPLAYED, PLAYED = "pristine", "completed"


def user_entries(store: Store, tenant_id: str, user_id: str) -> list[dict]:
    """Return the sheet campaigns the user holds plays of: which grant to open, and the status.

    The grant to open is the oldest not yet played (else the latest played, to show its
    outcome again); status is pristine while a play is left, completed after.
    """
    grants = rules.grants_of(store, tenant_id, user_id)
    if not grants:
        return []
    played = draws.of_user_grants(store, tenant_id, user_id)
    campaigns = sheet_rows.names(store, tenant_id)
    by_campaign: dict[str, list] = {}
    for g in grants:
        if g["campaign_id"] in campaigns:  # a campaign deleted since keeps no entry
            by_campaign.setdefault(g["campaign_id"], []).append(g)
    out = []
    for campaign_id, held in by_campaign.items():
        left = [g for g in held if g["reward_user_id"] not in played]
        opened = left[0] if left else held[-1]
        c = campaigns[campaign_id]
        out.append(
            {
                "campaignId": campaign_id,
                "name": c["name"],
                "type": c["type"],
                "rewardUserId": opened["reward_user_id"],
                "status": UNPLAYED if left else PLAYED,
                "playsLeft": len(left),
                "plays": len(held),
            }
        )
    return out


def find_grant(store: Store, tenant_id: str, reward_user_id: str) -> dict | None:
    """Return a granted play with its campaign, its variants and its draw (None if unknown)."""
    grant = rules.granted(store, tenant_id, reward_user_id)
    if grant is None:
        return None
    campaign = sheet_rows.campaign(store, tenant_id, grant["campaign_id"])
    if campaign is None:
        return None
    variants = sheet_rows.shown_variants(store, tenant_id, grant["campaign_id"])
    drawn = draws.of_grant(store, tenant_id, reward_user_id)  # as a second play answers it
    return {**grant, "campaign": campaign, "variants": variants, "draw": drawn}


def outcome(store: Store, tenant_id: str, result: dict, variants: list[dict]) -> dict:
    """Return what a game page shows of a play: the prize (name, amount, code) or no reward."""
    prize = None
    if result.get("rewardId"):
        row = wallet.one(store, tenant_id, result["rewardId"])
        if row is not None:
            prize = wallet.prize(row)
    names = [v["name"] for v in variants]
    return {
        "won": prize is not None,
        "variant": result.get("variant"),
        # The wheel lands on this segment: the variant's index, or the "no reward" one.
        "segment": names.index(result["variant"]) if result.get("variant") in names else None,
        "reward": prize,
        "outcome": result.get("outcome"),
        "seq": result.get("seq"),
        "roll": result.get("roll"),
        "thresholds": result.get("thresholds"),
        "alreadyPlayed": bool(result.get("alreadyPlayed")),
    }
