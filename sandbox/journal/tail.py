"""The journal's tail: entries after a cursor that holds one position per journal file.

Within one file ids rise in commit order. Across files an entry committed a moment
later can carry a smaller id than one already read (each worker's writer numbers its
own), so one global id is no safe resume point: a reader that resumes after the
highest id it saw could skip that entry. A cursor keeps the last id read from each file;
reading after it never skips and never repeats, whatever the files' commit order. The
admin search pages forward with it; the live feed resumes from it.
"""

import base64
import binascii

from ..numbers import whole
from ..store import Store
from ..store.shards import SLOT_BITS

PREFIX = "j1."
_MAX_TEXT = 400  # a cursor names at most 8 files: far below this
_MAX_ID = (1 << 63) - 1  # SQLite's largest integer


class BadCursor(ValueError):
    """A cursor the journal did not hand out."""


def slot_of_id(entry_id: int) -> int:
    """Return the journal file (slot) an entry id was written to."""
    return entry_id & ((1 << SLOT_BITS) - 1)


def encode(positions: dict[int, int]) -> str:
    """Return the opaque text of a cursor {slot: last id read}."""
    text = ",".join(f"{slot}:{last}" for slot, last in sorted(positions.items()))
    return PREFIX + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str) -> dict[int, int]:
    """Return the positions of a cursor text, or raise BadCursor.

    A plain entry id is read as that id in every file (the search's older `after=<id>`).
    """
    plain = whole(cursor, 2**63 - 1)
    if plain is not None:
        return _Everywhere(_bounded(plain))
    if len(cursor) > _MAX_TEXT or not cursor.startswith(PREFIX):
        raise BadCursor("not a journal cursor (use the `next` of an earlier answer)")
    body = cursor[len(PREFIX) :]
    try:
        padded = body + "=" * (-len(body) % 4)
        text = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
        pairs = [part.split(":") for part in text.split(",")] if text else []
        return {int(slot): _bounded(int(last)) for slot, last in pairs}
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor("a damaged journal cursor (use the `next` of an earlier answer)") from exc


def _bounded(value: int) -> int:
    if not 0 <= value <= _MAX_ID:
        raise BadCursor("a cursor position out of range")
    return value


class _Everywhere(dict):
    """Positions that are the same id in every file (a plain entry id as a cursor)."""

    def __init__(self, last: int):
        super().__init__()
        self.last = last

    def __missing__(self, slot: int) -> int:
        return self.last


def position(positions: dict[int, int], slot: int) -> int:
    """Return the last id read from a file (0: none yet)."""
    return positions[slot] if isinstance(positions, _Everywhere) else positions.get(slot, 0)


def advanced(positions: dict[int, int], rows: list[dict]) -> dict[int, int]:
    """Return the positions after reading `rows` (in id order within each file)."""
    out = {slot: position(positions, slot) for slot in _slots(positions)}
    for row in rows:
        slot = slot_of_id(row["id"])
        out[slot] = max(out.get(slot, 0), row["id"])
    return out


def _slots(positions: dict[int, int]) -> list[int]:
    return [] if isinstance(positions, _Everywhere) else list(positions)


def shard_slot(schema: str) -> int:
    """Return the slot of an attached shard's schema name (s0 -> 0)."""
    return int(schema[1:])


def latest(store: Store, limit: int, columns: str = "*") -> tuple[list[dict], str]:
    """Return the newest `limit` entries (oldest first) and the cursor right after them."""
    shards = store.shards()
    if not shards:
        return [], encode({})
    # One statement, so one snapshot: each file's newest rows, read or not, set its
    # position (what is older than the window is skipped on purpose, not by a race).
    newest = " UNION ALL ".join(
        f"SELECT * FROM (SELECT {columns} FROM {s}.journal ORDER BY id DESC LIMIT ?)"
        for s in shards
    )
    fetched = store.journal_all(newest, (limit,) * len(shards))
    positions = advanced({}, fetched)
    rows = sorted(fetched, key=lambda r: r["id"])[-limit:] if limit else []
    return rows, encode(positions)
