"""The partner's input sheet (.csv or .xlsx), read into rows of known columns."""

import csv
import io
import re
import time
import zipfile
from datetime import datetime

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 10_000
MAX_CODES = 100_000
# A workbook is a zip: what its members unpack to is checked before one byte is parsed
# (a few KB can unpack to gigabytes), and the cells read are counted as they come.
XLSX_MAX_UNPACKED = 64 * 1024 * 1024
XLSX_MAX_RATIO = 200  # unpacked / packed, per member: real sheets stay far below
MAX_CELLS = 1_000_000
READ_SECONDS = 10.0  # an import's time budget for reading the sheet

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


class SheetErrors(list):
    """A sheet's errors, every one at once: each with its row, its column as the sheet names it,
    and the fix."""

    def __init__(self, columns: dict = COLUMNS):
        super().__init__()
        self.columns = columns

    def add(self, row: int, column: str, message: str, hint: str) -> None:
        """Add one error; `column` is the normalised header, shown by the sheet's own name."""
        self.append(
            {
                "row": row,
                "column": self.columns.get(column, column),
                "message": message,
                "hint": hint,
            }
        )

    def lacks(self, header: list, required) -> bool:
        """Add an error per required column the header row lacks; True when one was missing."""
        missing = [c for c in required if c not in header]
        for column in missing:
            self.add(
                1,
                column,
                f"no {self.columns[column]!r} column",
                "Add the column to the header row (names match ignoring case, spaces, _ and -).",
            )
        return bool(missing)


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


def _check_zip(data: bytes) -> None:
    """Refuse a workbook whose members would unpack past the limits, before parsing it."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SheetUnreadable("not a readable .xlsx workbook (not a zip file)") from None
    unpacked = sum(m.file_size for m in members)
    if unpacked > XLSX_MAX_UNPACKED:
        raise SheetUnreadable(
            f"the workbook unpacks to {unpacked:,} bytes; the sandbox reads at most "
            f"{XLSX_MAX_UNPACKED:,} (save the sheet without empty rows and columns, or as CSV)"
        )
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1):
            raise SheetUnreadable(
                f"{m.filename} unpacks {m.file_size // max(m.compress_size, 1):,} times its "
                "packed size: not a sheet a partner saved (a zip bomb?)"
            )


def _xlsx_grid(data: bytes) -> list[list]:
    from openpyxl import load_workbook  # only when a workbook comes

    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise SheetUnreadable(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    # Process time, not the sandbox clock: a budget on the work, not a domain time.
    deadline, cells = time.monotonic() + READ_SECONDS, 0
    try:
        sheet = book.worksheets[0]
        grid = []
        for row in sheet.iter_rows(values_only=True):
            grid.append(list(row))
            cells += len(row)
            if len(grid) > MAX_ROWS + 1:
                break
            if cells > MAX_CELLS:
                raise SheetUnreadable(f"more than {MAX_CELLS:,} cells")
            if time.monotonic() > deadline:
                raise SheetUnreadable(f"reading the sheet took more than {READ_SECONDS:g} s")
        return grid
    except SheetUnreadable:
        raise
    except Exception as exc:  # a sheet openpyxl opens but cannot read to its end
        raise SheetUnreadable(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
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
