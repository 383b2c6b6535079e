"""Reading one cell of the reward sheet: numbers, dates, odds and expiry, each error with its row,
its column (as the sheet names it) and the fix."""

from datetime import datetime

from . import conditions
from .sheet import SheetErrors as Errors


def as_number(text: str):
    """Return the cell as a float, or None when it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def as_date(text: str) -> str | None:
    """Return the cell as an ISO 8601 date or time, or None when it is not one."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.isoformat()


def compare(a: str, b: str) -> int:
    """Compare two ISO 8601 values (-1, 0, 1); a date against a zoned time ignores the zone."""
    da, db = datetime.fromisoformat(a), datetime.fromisoformat(b)
    if (da.tzinfo is None) != (db.tzinfo is None):  # a date against a time with a zone
        da, db = da.replace(tzinfo=None), db.replace(tzinfo=None)
    return (da > db) - (da < db)


def odds(number: int, pct: str, ratio: str, errors: Errors):
    """Return (mode, value) of a row's odds, or (None, None) with the error added."""
    if pct and ratio:
        errors.add(
            number, "winratio", "both a percentage and a win ratio", "Fill one of the two columns."
        )
        return None, None
    if pct:
        value = as_number(pct.rstrip("%").strip())
        if value is None or not 0 <= value <= 100:
            errors.add(
                number,
                "winningchancepercentage",
                f"{pct!r} is not a percentage 0-100",
                "Write 25, 25% or 12.5%.",
            )
            return None, None
        return "percent", value
    if ratio:
        value = as_number(ratio)
        if value is None or value <= 0:
            errors.add(
                number,
                "winratio",
                f"{ratio!r} is not a ratio above 0",
                "Write 1, 2, ... (each variant's share of the wins).",
            )
            return None, None
        return "ratio", value
    errors.add(
        number,
        "winningchancepercentage",
        "no winning chance",
        "Fill Winning chance Percentage (or Win Ratio) for every variant.",
    )
    return None, None


def expiry(number: int, text: str, errors: Errors) -> float | None:
    """Return the row's expiry in hours (None when empty), or None with the error added."""
    if not text:
        return None
    value = as_number(text)
    if value is None or not 0 < value <= 24 * 3650:
        errors.add(
            number,
            "expiryhours",
            f"{text!r} is not a number of hours above 0",
            "Write how long a won reward stays redeemable, e.g. 72, or leave it empty.",
        )
        return None
    return value


def condition(number: int, text: str, errors: Errors) -> None:
    """Check a row's Trigger Condition; add the error when it does not parse."""
    try:
        conditions.parse(text)
    except conditions.ConditionError as exc:
        errors.add(
            number,
            "triggercondition",
            f"unparsable condition: {exc}",
            'Write e.g. `amount >= 500 and city == "Pune"`.',
        )
