"""The sheet's rows checked and grouped into campaigns; every error at once.

Each error has its row (as a spreadsheet numbers it: the header is row 1), its column
(as the sheet names it) and the fix. A sheet with any error imports nothing.
"""

from dataclasses import dataclass, field
from pathlib import Path

from ...numbers import whole
from . import cells, sources
from .sheet import AUDIENCES, CAMPAIGN_TYPES, REQUIRED, REWARD_TYPES


@dataclass
class Variant:
    """One reward variant of a campaign (one row of the sheet)."""

    row: int
    name: str
    reward_type: str
    reward_name: str
    amount: float | None
    value: float  # the percentage or the ratio as written
    codes: list[str] | None
    cap: int | None
    chance: float = 0.0  # percent, set once the campaign's mode is known
    coupon_api: str | None = None  # the partner's coupon API, instead of codes
    coupon_path: str | None = None  # where the code is in its JSON answer
    expiry_hours: float | None = None  # a won reward expires this long after the win


@dataclass
class Campaign:
    """A campaign of the sheet with its variants in sheet order."""

    campaign_id: str
    name: str
    type: str
    trigger_event: str
    condition: str
    mode: str  # "percent" or "ratio"
    start: str | None
    end: str | None
    audience: str = "all"
    variants: list[Variant] = field(default_factory=list)

    @property
    def no_reward_chance(self) -> float:
        """Percent of draws that win nothing by the sheet (before stock and caps)."""
        return round(max(0.0, 100 - sum(v.chance for v in self.variants)), 9)


def parse(rows: list[tuple[int, dict]], pools_dir: Path, issued: set[str]) -> tuple[list, list]:
    """Return (campaigns, errors) from read_rows' output; `issued`: codes already handed out."""
    errors = cells.Errors()
    header = rows[0][1]["__header__"] if rows and rows[0][0] == 0 else []
    # The odds may come as a percentage or a win ratio: one of the two is required.
    either = () if "winratio" in header else ("winningchancepercentage",)
    if errors.lacks(header, (*REQUIRED, *either)):
        return [], errors
    campaigns: dict[str, Campaign] = {}
    seen_codes: dict[str, int] = {}
    for number, r in rows[1:]:
        cid = r.get("campaignid", "")
        if not cid:
            errors.add(
                number, "campaignid", "empty Campaign ID", "Give every row its campaign's id."
            )
            continue
        ctype = r.get("campaigntype", "")
        if ctype.lower() not in CAMPAIGN_TYPES:
            errors.add(
                number,
                "campaigntype",
                f"unknown campaign type {ctype!r}",
                f"Use one of: {', '.join(CAMPAIGN_TYPES)}.",
            )
        condition = r.get("triggercondition", "")
        cells.condition(number, condition, errors)
        start, end = r.get("start", ""), r.get("end", "")
        start_at, end_at = (
            (cells.as_date(start) if start else None),
            (cells.as_date(end) if end else None),
        )
        for column, text, value in (("start", start, start_at), ("end", end, end_at)):
            if text and value is None:
                errors.add(
                    number,
                    column,
                    f"{text!r} is not a date",
                    "Write an ISO date or time: 2026-12-01 or 2026-12-01T09:00:00Z.",
                )
        if start_at and end_at and cells.compare(end_at, start_at) < 0:
            errors.add(
                number,
                "end",
                f"the end {end} is before the start {start}",
                "Swap them, or move the end after the start.",
            )
        audience = (r.get("audience", "") or "all").lower()
        if audience not in AUDIENCES:
            errors.add(
                number,
                "audience",
                f"unknown audience {r.get('audience')!r}",
                "Write 'all' (or leave it empty), or 'segment' for the users added to the "
                "campaign's segment (POST /segment/<campaignId>/user/add).",
            )
        pct, ratio = r.get("winningchancepercentage", ""), r.get("winratio", "")
        mode, value = cells.odds(number, pct, ratio, errors)
        campaign = campaigns.get(cid)
        if campaign is None:
            campaign = campaigns[cid] = Campaign(
                cid,
                r.get("campaignname") or cid,
                ctype.lower(),
                r.get("triggerevent", ""),
                condition,
                mode or "percent",
                start_at,
                end_at,
                audience if audience in AUDIENCES else "all",
            )
        elif mode and campaign.variants and mode != campaign.mode:
            column = "winratio" if mode == "ratio" else "winningchancepercentage"
            errors.add(
                number,
                column,
                "this campaign mixes percentages and win ratios",
                "Use Winning chance Percentage or Win Ratio for all of a campaign's rows.",
            )
        elif mode and not campaign.variants:
            campaign.mode = mode
        rtype = next(
            (t for t in REWARD_TYPES if t.lower() == r.get("rewardtype", "").lower()), None
        )
        if rtype is None:
            errors.add(
                number,
                "rewardtype",
                f"unknown reward type {r.get('rewardtype')!r}",
                f"Use one of: {', '.join(REWARD_TYPES)}.",
            )
        amount_text = r.get("rewardamount", "")
        amount = cells.as_number(amount_text) if amount_text else None
        if amount_text and amount is None:
            errors.add(
                number,
                "rewardamount",
                f"{amount_text!r} is not a number",
                "Write the amount as a number: 200.",
            )
        cap_text = r.get("cap", "")
        cap = whole(cap_text, 2**63 - 1)  # what SQLite stores
        if cap_text and (cap is None or cap < 1):
            errors.add(
                number,
                "cap",
                f"{cap_text[:40]!r} is not a whole number above 0",
                "Write the most winners the variant may have, or leave it empty.",
            )
        codes = sources.codes(number, r.get("couponcodes", ""), pools_dir, errors)
        api, path = sources.coupon_api(number, r, codes, errors)
        for code in codes or ():
            if code in issued:
                errors.add(
                    number,
                    "couponcodes",
                    f"coupon code {code!r} was already issued",
                    "Remove it: a code is handed out once.",
                )
            elif code in seen_codes:
                errors.add(
                    number,
                    "couponcodes",
                    f"coupon code {code!r} is also on row {seen_codes[code]}",
                    "Give every variant codes of its own.",
                )
            else:
                seen_codes[code] = number
        campaign.variants.append(
            Variant(
                number,
                r.get("rewardvariant", ""),
                rtype or "",
                r.get("rewardname", "") or r.get("rewardvariant", ""),
                amount,
                value or 0.0,
                codes,
                cap,
                coupon_api=api,
                coupon_path=path,
                expiry_hours=cells.expiry(number, r.get("expiryhours", ""), errors),
            )
        )
    for campaign in campaigns.values():
        if campaign.mode == "ratio":
            total = sum(v.value for v in campaign.variants)
            for v in campaign.variants:
                v.chance = 100 * v.value / total if total else 0.0
        else:
            for v in campaign.variants:
                v.chance = v.value
            total = sum(v.value for v in campaign.variants)
            if total > 100 + 1e-9:
                last = campaign.variants[-1].row
                errors.add(
                    last,
                    "winningchancepercentage",
                    f"campaign {campaign.campaign_id}'s chances add up to {total:g} %",
                    "Make them add up to 100 % or less; what is left is 'no reward'.",
                )
    return list(campaigns.values()), errors
