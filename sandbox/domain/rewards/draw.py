"""The draw: pure and seeded. A roll in [0, 100) against cumulative thresholds.

Variants in sheet order own consecutive intervals of the 0-100 line, each as wide as its
chance; what is left above the last one is "no reward". A variant that is exhausted (no
coupon left) or has reached its cap keeps its interval, and a roll in it is "no reward":
the other variants' odds never change behind the partner's back (README, Rewards).
"""

from ..rand import rng_for


def roll_for(seed: str, tenant_id: str, campaign_id: str, seq: int) -> float:
    """Return draw number `seq`'s roll in [0, 100): the same seed always gives the same roll."""
    return rng_for(seed, tenant_id, "draw", campaign_id, str(seq)).random() * 100


def reward_id_for(seed: str, tenant_id: str, campaign_id: str, seq: int) -> str:
    """Return the id of the reward draw number `seq` wins: a snapshot restored and played
    again gives the same ids, as it gives the same rolls."""
    return "rwd_" + rng_for(seed, tenant_id, "reward", campaign_id, str(seq)).randbytes(8).hex()


def thresholds(chances: list[float]) -> list[float]:
    """Return the cumulative upper bounds of the variants' intervals (percent)."""
    out, total = [], 0.0
    for chance in chances:
        total += chance
        out.append(round(total, 9))
    return out


def pick(roll: float, bounds: list[float], available: list[bool]) -> int | None:
    """Return the index of the variant whose interval holds `roll`, or None (no reward)."""
    for index, bound in enumerate(bounds):
        if roll < bound:
            return index if available[index] else None
    return None


def chances_of(values: list[float], mode: str) -> list[float]:
    """Return each variant's chance in percent: percentages as given, ratios normalised."""
    if mode == "ratio":
        total = sum(values)
        return [100 * v / total for v in values] if total else [0.0 for _ in values]
    return list(values)
