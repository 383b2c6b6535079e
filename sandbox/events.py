"""Events ingest: loose acceptance as the real service does, strict validation flagged aside."""

from datetime import UTC, datetime

from .ids import new_id
from .store import dumps

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
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
    return problems


def new_uid() -> str:
    """Return a server-assigned event id."""
    return new_id("evt")


def sequence_number(uid: str) -> str:
    """Return a Kinesis-style sequence number (a long digit string) for a stored event."""
    return str(int(uid[4:], 16)).zfill(56)


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

    def text(key):
        value = event.get(key)
        return None if value is None else str(value)

    return {
        "uid": uid,
        "tenant_id": tenant_id,
        "event_id": text("event_id"),
        "event_name": text("event_name"),
        "user_id": text("user_id"),
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
_INSERT = (
    f"INSERT OR IGNORE INTO events ({', '.join(_COLS)}) VALUES ({', '.join('?' for _ in _COLS)})"
)


def store_event(row: dict):
    """Return a writer function that stores `row` once per (tenant, event_id).

    A repeated event_id is not stored again: the first row's duplicate counter goes up
    and the request is flagged "duplicate", naming the first copy.
    """

    def write(conn):
        cur = conn.execute(_INSERT, tuple(row[c] for c in _COLS))
        if cur.rowcount == 1:
            return {"headers": {"X-Sandbox-Event-Uid": row["uid"]}}
        conn.execute(
            "UPDATE events SET duplicates = duplicates + 1 WHERE tenant_id = ? AND event_id = ?",
            (row["tenant_id"], row["event_id"]),
        )
        first = conn.execute(
            "SELECT uid FROM events WHERE tenant_id = ? AND event_id = ?",
            (row["tenant_id"], row["event_id"]),
        ).fetchone()
        return {
            "flags": ["duplicate"],
            "problems": [f"event_id {row['event_id']} was already stored as {first[0]}"],
            "headers": {
                "X-Sandbox-Duplicate": f"true; first={first[0]}",
                "X-Sandbox-Event-Uid": first[0],
            },
        }

    return write
