"""JSON text as the store keeps it: limits every layer checks against, and their checks."""

import math
import re

MAX_DEPTH = 64  # levels of nested objects and arrays a body may have; events use a handful
# A \\u escape of a UTF-16 surrogate (D800-DFFF): only then can parsed text hold a lone one.
_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")


def may_hold_surrogate(raw: bytes) -> bool:
    """Return whether JSON text has a surrogate escape (so its parsed strings may hold one)."""
    return _SURROGATE_ESCAPE.search(raw) is not None


def may_nest_deeper(raw: bytes | str) -> bool:
    """Return whether JSON text has enough brackets to nest past MAX_DEPTH (a cheap test)."""
    opening = (b"{", b"[") if isinstance(raw, bytes) else ("{", "[")
    return raw.count(opening[0]) + raw.count(opening[1]) > MAX_DEPTH


def depth(value) -> int:
    """Return how many levels of objects and arrays `value` nests (0 for a scalar)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            todo.extend((child, level + 1) for child in children)
    return deepest


def lone_surrogate(value) -> str | None:
    """Return the first lone surrogate in any string (key or value) of `value`, or None."""
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                return item[exc.start]
    return None


def non_finite(value, limit: int = 5) -> list[tuple[str, float]]:
    """Return (path, number) of the NaN and infinite numbers in a parsed value (a few).

    Python's parser reads NaN, Infinity and 1e999 (as inf), which JSON has no place for.
    """
    if not _any_non_finite(value):  # nearly every body: no path text built for each value
        return []
    found, todo = [], [("", value)]
    while todo and len(found) < limit:
        path, item = todo.pop()
        if isinstance(item, float) and not math.isfinite(item):
            found.append((path or "the body", item))
        elif isinstance(item, dict):
            todo.extend((f"{path}.{k}" if path else str(k), v) for k, v in item.items())
        elif isinstance(item, list):
            todo.extend((f"{path}[{i}]", v) for i, v in enumerate(item))
    return found


def _any_non_finite(value) -> bool:
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return False


def finite(value):
    """Return a parsed value with NaN and infinite numbers as text (strict JSON can carry it)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value
