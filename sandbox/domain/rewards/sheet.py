"""The partner's input sheet (.csv or .xlsx), read into rows of known columns."""

import csv
import io
import re
from datetime import datetime

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 10_000
MAX_CODES = 100_000

# normalised header -> the column's name as the README documents it
COLUMNS = {
    "campaignid": "Campaign ID",
    "campaignname": "Campaign Name",
    "campaigntype": "Campaign Type",
    "triggerevent": "Trigger Event",
    "triggercondition": "Trigger Condition",
    "rewardvariant": "Reward Variant",
    "rewardtype": "Reward Type",
    "rewardname": "Reward Name",
    "rewardamount": "Reward Amount",
    "couponcodes": "Coupon Codes",
    "winningchancepercentage": "Winning chance Percentage",
    "winratio": "Win Ratio",
    "cap": "Cap",
    "start": "Start",
    "end": "End",
    "audience": "Audience",
    "couponapi": "Coupon API",
    "couponcodepath": "Coupon Code Path",
    "expiryhours": "Expiry Hours",
}
# Who may earn a play: everyone, or only users added to the campaign's segment
# (POST /segment/<campaignId>/user/add, as the real segmentation API does).
AUDIENCES = ("all", "segment")
REQUIRED = ("campaignid", "campaigntype", "rewardvariant", "rewardtype")
# Spec section 9: the campaign and reward types the reward webhook names.
CAMPAIGN_TYPES = (
    "spinthewheel slotmachine scratchcard direct memorygame quiz referral multistep streak "
    "activity-scratchcard collectthestamps gamechallenge unity tossthecoin rollthedice "
    "unitygame giftbox"
).split()
REWARD_TYPES = (
    "pdr discount deliveryDiscount buyXGetY freebie noReward customReward coupons coins points "
    "cashbacks stamp booster"
).split()


class SheetUnreadable(ValueError):
    """The file is not a CSV or xlsx sheet we can read."""


def norm(header) -> str:
    """Return a column name as matched: lower case, without spaces, _ and -."""
    return _norm(header)


def _norm(header) -> str:
    return re.sub(r"[\s_\-]", "", str(header or "")).lower()


def read_rows(data: bytes, content_type: str, columns: dict = COLUMNS) -> list[tuple[int, dict]]:
    """Return the sheet's data rows as (row number, {normalised column: text}).

    `columns` names the sheet's known columns (normalised -> as documented); the nudge
    sheet reads through here too.
    """
    if XLSX in (content_type or "") or data[:2] == b"PK":
        grid = _xlsx_grid(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SheetUnreadable("the CSV is not UTF-8 text") from None
        try:
            grid = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:  # a cell over csv's 128 KiB limit, a NUL byte, ...
            raise SheetUnreadable(
                f"{exc}; a long list of coupon codes belongs in a pool file in fixtures/pools/"
            ) from None
    if not grid:
        raise SheetUnreadable("the sheet is empty")
    if len(grid) > MAX_ROWS + 1:
        raise SheetUnreadable(f"more than {MAX_ROWS:,} rows")
    header = [_norm(h) for h in grid[0]]
    rows = []
    for number, cells in enumerate(grid[1:], start=2):
        values = {h: _text(c) for h, c in zip(header, cells, strict=False) if h in columns}
        if any(values.values()):
            rows.append((number, values))
    return [(0, {"__header__": header})] + rows


def _xlsx_grid(data: bytes) -> list[list]:
    from openpyxl import load_workbook  # only when a workbook comes

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise SheetUnreadable(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        grid = []
        for row in sheet.iter_rows(values_only=True):
            grid.append(list(row))
            if len(grid) > MAX_ROWS + 1:
                break
        return grid
    finally:
        book.close()


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
