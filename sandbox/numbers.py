"""Whole numbers read from text a client, a sheet or a partner's answer sent."""


def whole(text: str, most: int) -> int | None:
    """Return `text` as a whole number from 0 to `most`, or None if it is not one.

    Only ASCII digits, and never longer than `most`, before int() sees it: int() reads '²'
    and '٣' as digits and refuses past 4,300 of them (a 5xx wherever a caller forgot).
    """
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(most)):
        return None
    value = int(text)
    return value if value <= most else None
