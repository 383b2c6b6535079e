"""Events ingest: loose acceptance as the real service does, strict validation flagged aside."""

from datetime import UTC, datetime

from ..ids import new_id
from ..store import Store, Target, Write, dumps, insert_many, marks
from ..store.jsontext import finite, non_finite

SHARD_ID = "shardId-000000000000"
# source -> the fields its schema requires, with the JSON type each must have
SCHEMAS = {
    "server": {
        "event_id": str,
        "event_name": str,
        "user_id": str,
        "timestamp": str,
        "event_properties": dict,
    },
    "sdk": {"event_id": str, "event_name": str, "user_id": str, "timestamp": str},
}
_TYPE_NAMES = {str: "a string", dict: "an object"}


def parse_timestamp(value: str) -> datetime | None:
    """Parse the timestamp formats the SDKs send (…+0530, ….SSSZ, ISO 8601); None if invalid.

    A timestamp without an offset is taken as UTC. A date alone is not a timestamp.
    """
    if not isinstance(value, str) or "T" not in value.upper() and " " not in value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        # In UTC it must still be a date: 9999-12-31T23:59:59-2359 is past year 9999.
        parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return parsed


def problems_of(event, source: str = "server") -> list[str]:
    """Return what is wrong with an event against its schema ([] when valid)."""
    if not isinstance(event, dict):
        return ["the body is not a JSON object"]
    problems = []
    for field, kind in SCHEMAS[source].items():
        value = event.get(field)
        if value is None or value == "":
            problems.append(f"{field} is missing")
        elif not isinstance(value, kind) or isinstance(value, bool):
            problems.append(f"{field} must be {_TYPE_NAMES[kind]}")
        elif field == "timestamp" and parse_timestamp(value) is None:
            problems.append(
                f"timestamp {value!r} is not ISO 8601 "
                "(e.g. 2026-11-27T10:00:00+0530 or 2026-11-27T10:00:00.000Z)"
            )
    # NaN, Infinity and 1e999 parse, but JSON has no such numbers and no condition meets them.
    for path, number in non_finite(event):
        problems.append(f"{path} is {finite(number)}, not a finite number (JSON has none)")
    return problems


def new_uid() -> str:
    """Return a server-assigned event id."""
    return new_id("evt")


def sequence_number(uid: str) -> str:
    """Return a Kinesis-style sequence number (a long digit string) for a stored event."""
    return str(int(uid[4:], 16)).zfill(56)


def receipt(uid: str) -> dict:
    """Return the answer to an ingested event: the Kinesis-style put-record receipt."""
    return {"ShardId": SHARD_ID, "SequenceNumber": sequence_number(uid)}


def _text(event: dict, key: str) -> str | None:
    """Return an event field as text (ids may come as numbers), None when absent."""
    value = event.get(key)
    return None if value is None else str(value)


def journal_fields(event: dict) -> dict:
    """Return the journal entry fields an event object names (user_id, event_id) as text."""
    return {
        "user_id": _text(event, "user_id"),
        "event_id": _text(event, "event_id"),
        "event_name": _text(event, "event_name"),
    }


def row_for(
    tenant_id: str,
    event: dict,
    source: str,
    problems: list[str],
    request_id: str,
    received_at: str,
    uid: str,
) -> dict:
    """Return the events-table row for a parsed event object."""
    ts = event.get("timestamp")
    parsed = parse_timestamp(ts) if isinstance(ts, str) else None
    props = event.get("event_properties")
    return {
        "uid": uid,
        "tenant_id": tenant_id,
        "event_id": _text(event, "event_id"),
        "event_name": _text(event, "event_name"),
        "user_id": _text(event, "user_id"),
        "timestamp": None if ts is None else str(ts),
        "timestamp_utc": parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if parsed
        else None,
        "properties": dumps(
            props
            if props is not None
            else {k: v for k, v in event.items() if k not in SCHEMAS["server"]}
        ),
        "source": source,
        "valid": 0 if problems else 1,
        "problems": dumps(problems) if problems else None,
        "request_id": request_id,
        "received_at": received_at,
    }


_COLS = (
    "uid",
    "tenant_id",
    "event_id",
    "event_name",
    "user_id",
    "timestamp",
    "timestamp_utc",
    "properties",
    "source",
    "valid",
    "problems",
    "request_id",
    "received_at",
)


class StoreEvent(Write):
    """A writer function storing one event row once per (tenant, event_id).

    A repeated event_id is not stored again: the first row's duplicate counter goes up
    and the request is flagged "duplicate", naming the first copy. The rows live in the
    writer's journal shard; a first copy another worker's shard holds is found there
    (read-only) and the repeat is counted in this shard's `event_repeats`. Two copies
    that reach two workers within the same commit (milliseconds) are both stored.
    """

    __slots__ = ("row",)
    target = Target.SHARD  # events live in the journal shard (store/shards.py)
    commutes = True  # reads only event rows, which only this class writes (in order)

    def __init__(self, row: dict):
        self.row = row

    def run(self, conn):
        """Store the row alone (the writer's retry of a failed batch)."""
        return StoreEvent.run_many(conn, [self])[0]

    @classmethod
    def run_many(cls, conn, writes: list["StoreEvent"]) -> list[dict]:
        """Store a batch's event rows in one statement, as if one after the other."""
        first_uid: dict = {}  # (tenant, event_id) -> uid of the row that stays
        fresh = []
        for write in writes:
            row = write.row
            key = (row["tenant_id"], row["event_id"])
            # A NULL event_id never collides (the unique index lets NULLs repeat).
            if row["event_id"] is None or key not in first_uid:
                first_uid[key] = row["uid"]
                fresh.append(row)
        elsewhere = _uids_in_other_shards(conn, [r for r in fresh if r["event_id"] is not None])
        fresh = [r for r in fresh if (r["tenant_id"], r["event_id"]) not in elsewhere]
        first_uid.update(elsewhere)
        inserted = insert_many(
            conn, "events", _COLS, [tuple(r[c] for c in _COLS) for r in fresh], "INSERT OR IGNORE"
        )
        if inserted < len(fresh):  # some event_ids were stored by earlier batches
            first_uid.update(_stored_uids(conn, [r for r in fresh if r["event_id"] is not None]))
        results = []
        tally = marks.Tally()  # the tenant's first and last valid event (the checklist's)
        for write in writes:
            row = write.row
            key = (row["tenant_id"], row["event_id"])
            first = row["uid"] if row["event_id"] is None else first_uid[key]
            if first == row["uid"]:
                if row["valid"]:
                    tally.add(
                        row["tenant_id"], "event:valid", row["received_at"], row["request_id"]
                    )
                results.append({"headers": {"X-Sandbox-Event-Uid": first}})
                continue
            if key in elsewhere:
                conn.execute(
                    "INSERT INTO event_repeats VALUES (?, ?, ?, 1) ON CONFLICT "
                    "DO UPDATE SET repeats = repeats + 1",
                    (*key, first),
                )
            else:
                conn.execute(
                    "UPDATE events SET duplicates = duplicates + 1 "
                    "WHERE tenant_id = ? AND event_id = ?",
                    key,
                )
            results.append(
                {
                    "flags": ["duplicate"],
                    "problems": [f"event_id {row['event_id']} was already stored as {first}"],
                    "headers": {
                        "X-Sandbox-Duplicate": f"true; first={first}",
                        "X-Sandbox-Event-Uid": first,
                    },
                }
            )
        tally.write(conn, marks.JOURNAL_TABLE)
        return results


def _uids_in_other_shards(conn, rows: list[dict]) -> dict:
    """Return {(tenant, event_id): uid} of these rows' event ids stored in other shards."""
    others = getattr(conn, "others", ())
    if not rows or not others:
        return {}
    keys = list(dict.fromkeys((r["tenant_id"], r["event_id"]) for r in rows))
    # Padded to a power of two with keys that match nothing: a few statement shapes in
    # the connection's cache, not one per batch size (each holds its compiled program).
    size = 1 << (len(keys) - 1).bit_length()
    marks = ", ".join("(?, ?)" for _ in range(size))
    params = [value for key in keys for value in key] + [None, None] * (size - len(keys))
    # One statement for every shard: one hand-back of the GIL (writer.run_all).
    # A join from the keys: `(tenant_id, event_id) IN (VALUES ...)` scans the table.
    sql = " UNION ALL ".join(
        f"SELECT e.tenant_id, e.event_id, e.uid FROM (VALUES {marks}) AS k "
        f"JOIN {schema}.events AS e ON e.tenant_id = k.column1 AND e.event_id = k.column2"
        for schema in others
    )
    found: dict = {}
    for tenant_id, event_id, uid in conn.execute(sql, params * len(others)):
        found.setdefault((tenant_id, event_id), uid)
    return found


def _stored_uids(conn, rows: list[dict]) -> dict:
    """Return {(tenant, event_id): uid} of the stored copies of these rows' event ids."""
    found = {}
    for row in rows:
        stored = conn.execute(
            "SELECT uid FROM events WHERE tenant_id = ? AND event_id = ?",
            (row["tenant_id"], row["event_id"]),
        ).fetchone()
        found[row["tenant_id"], row["event_id"]] = stored[0]
    return found


def store_event(row: dict) -> StoreEvent:
    """Return the writer function that stores `row` (see StoreEvent)."""
    return StoreEvent(row)


def latest_of_user(store: Store, tenant_id: str, user_id: str, limit: int = 200) -> list[dict]:
    """Return a user's latest events, newest first (uid, name, properties, arrival)."""
    return store.journal_all(
        "SELECT uid, event_name, properties, received_at FROM events WHERE tenant_id = ? AND "
        "user_id = ? ORDER BY id DESC LIMIT ?",
        (tenant_id, user_id, limit),
    )
