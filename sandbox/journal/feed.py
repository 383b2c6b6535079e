"""The feed: what was recorded after a cursor, as frames for the inspector and `sandbox tail`.

Three sources on one timeline: journal entries (one position per journal file: tail.py),
draws and outgoing attempts (rows of the core file, whose ids rise in commit order). The
cursor holds a position in each; reading after it never skips and never repeats.
"""

import base64
import binascii
import json

from ..journal import search as journal
from ..journal import tail
from ..journal.filters import Filters
from ..masking import Masker
from ..store import Store, loads, settings

PREFIX = "f1."
KINDS = ("request", "draw", "attempt", "clock")
BATCH = 500  # rows per source per read
MAX_BACKFILL = 10_000


class BadCursor(ValueError):
    """Not a cursor the feed handed out."""


def encode(journal_positions: dict, draw: int, attempt: int) -> str:
    """Return the opaque cursor text."""
    body = {"j": {str(k): v for k, v in journal_positions.items()}, "d": draw, "a": attempt}
    raw = json.dumps(body, separators=(",", ":")).encode()
    return PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[dict, int, int]:
    """Return (journal positions, last draw id, last attempt id), or raise BadCursor."""
    if len(cursor) > 2000 or not cursor.startswith(PREFIX):
        raise BadCursor("not a feed cursor: resume with the `cursor` of a frame")
    body = cursor[len(PREFIX) :]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        positions = {int(k): int(v) for k, v in data["j"].items()}
        draw, attempt = int(data["d"]), int(data["a"])
    except (ValueError, binascii.Error, KeyError, TypeError, AttributeError) as exc:
        raise BadCursor("a damaged feed cursor: resume with the `cursor` of a frame") from exc
    if any(v < 0 for v in (draw, attempt, *positions.values())) or len(positions) > 64:
        raise BadCursor("a feed cursor out of range")
    return positions, draw, attempt


def heads(store: Store) -> tuple[dict, int, int]:
    """Return the positions of the newest rows now: a cursor that starts from here."""
    positions = {}
    for shard in store.shards():
        row = store.journal_one(f"SELECT max(id) AS id FROM {shard}.journal")
        positions[tail.shard_slot(shard)] = row["id"] or 0
    draw = store.one("SELECT coalesce(max(id), 0) AS id FROM draws")["id"]
    attempt = store.one("SELECT coalesce(max(id), 0) AS id FROM attempts")["id"]
    return positions, draw, attempt


def _request(row: dict) -> dict:
    return {
        "kind": "request",
        "id": row["request_id"],
        "ts": row["ts"],
        "tenant": row["tenant_id"],
        "user": row["user_id"],
        "event": row["event_id"],
        "eventName": row.get("event_name"),
        "attribution": row.get("attribution"),
        "method": row["method"],
        "path": row["path"],
        "status": row["status"],
        "latencyMs": row["latency_ms"],
        "auth": row["auth_result"],
        "reason": row["auth_reason"],
        "flags": row["flags"],
    }


def _draw(row: dict, masker: Masker) -> dict:
    # As every view of stored data: a secret sent as a user id is masked here too.
    return masker.json(
        {
            "kind": "draw",
            "id": f"draw-{row['id']}",
            "ts": row["at"],
            "tenant": row["tenant_id"],
            "user": row["user_id"],
            "campaign": row["campaign_id"],
            "seq": row["seq"],
            "roll": row["roll"],
            "thresholds": loads(row["thresholds"], []),
            "variant": row["variant"],
            "outcome": row["outcome"],
            "rewardId": row["reward_id"],
            "code": row["code"],
        }
    )


def _attempt(row: dict, masker: Masker) -> dict:
    # The URL as the deliveries show it (userinfo and secret-looking query values masked).
    return masker.json(
        {
            "kind": "attempt",
            "id": f"attempt-{row['id']}",
            "ts": row["at"],
            "tenant": row["tenant_id"],
            "user": row["user_id"],
            "delivery": row["delivery_id"],
            "deliveryKind": row["kind"],
            "n": row["n"],
            "trigger": row["trigger"],
            "url": masker.url(row["url"]) if row["url"] else row["url"],
            "status": row["response_status"],
            "errorClass": row["error_class"],
            "decision": row["decision"],
            "rewardId": row["reward_id"],
        }
    )


def _core(store, table_sql, after: int, upto, tenant, user, limit) -> list[dict]:
    where, params = ["x.id > ?"], [after]
    if upto is not None:
        where.append("x.id <= ?")
        params.append(upto)
    if tenant:
        where.append("x.tenant_id = ?")
        params.append(tenant)
    if user:
        where.append("user_id = ?")
        params.append(user)
    sql = f"{table_sql} WHERE {' AND '.join(where)} ORDER BY x.id LIMIT ?"
    return store.all(sql, (*params, limit))


DRAWS = "SELECT x.* FROM draws x"
ATTEMPTS = (
    "SELECT x.*, o.kind, o.user_id, o.reward_id FROM attempts x JOIN outbox o USING (delivery_id)"
)


def read(
    store: Store,
    cursor: str,
    filters: Filters,
    kinds,
    masker: Masker,
    limit: int = BATCH,
    upto: str | None = None,
) -> tuple[list[dict], str, bool]:
    """Return (items after the cursor in time order, the cursor after them, more waiting).

    With `upto` (a cursor), nothing past it is read, and once all is read up to it the
    cursor returned is `upto` itself: how a socket joins the process's shared tail.
    """
    positions, draw, attempt = decode(cursor)
    bound = decode(upto) if upto else None
    items, more = [], False
    tenant, user = filters.exact.get("tenant_id"), filters.exact.get("user_id")
    if "request" in kinds:
        filters.after, filters.limit, filters.before = positions, limit, None
        filters.upto = bound[0] if bound else None
        found = journal.search(store, filters, masker)
        more = more or found["next"] is not None
        positions = tail.advanced(positions, found["entries"])
        items += [_request(r) for r in found["entries"]]
    only_requests = bool(
        filters.status or filters.auth or filters.event_name or filters.q or filters.flag
    )
    if "draw" in kinds and not only_requests:
        rows = _core(store, DRAWS, draw, bound[1] if bound else None, tenant, user, limit)
        more = more or len(rows) == limit
        draw = rows[-1]["id"] if rows else draw
        items += [_draw(r, masker) for r in rows]
    if "attempt" in kinds and not only_requests:
        rows = _core(store, ATTEMPTS, attempt, bound[2] if bound else None, tenant, user, limit)
        more = more or len(rows) == limit
        attempt = rows[-1]["id"] if rows else attempt
        items += [_attempt(r, masker) for r in rows]
    items.sort(key=lambda i: i["ts"] or "")
    if bound is not None and not more:
        return items, upto, False  # everything up to the bound is read: the cursor is it
    return items, encode(positions, draw, attempt), more


def backfill(
    store: Store, count: int, filters: Filters, kinds, masker: Masker
) -> tuple[list[dict], str]:
    """Return the last `count` matching items (oldest first) and the cursor right after now."""
    positions, draw, attempt = heads(store)
    count = max(0, min(count, MAX_BACKFILL))
    items = []
    tenant, user = filters.exact.get("tenant_id"), filters.exact.get("user_id")
    if count and "request" in kinds:
        filters.after, filters.before, filters.limit = None, None, min(count, BATCH)
        filters.upto = None
        got: list[dict] = []
        while len(got) < count:
            page = journal.search(store, filters, masker)
            rows = [
                r for r in page["entries"] if r["id"] <= positions.get(tail.slot_of_id(r["id"]), 0)
            ]
            got += rows
            if not page["next"] or not page["entries"] or "window" in page:
                break  # one window at most: a backfill never walks the whole record
            filters.before = page["next"]["before"]
        items += [_request(r) for r in reversed(got[:count])]
    only_requests = bool(
        filters.status or filters.auth or filters.event_name or filters.q or filters.flag
    )
    if count and not only_requests:
        if "draw" in kinds:
            start = max(0, draw - count)
            items += [
                _draw(r, masker) for r in _core(store, DRAWS, start, draw, tenant, user, count)
            ]
        if "attempt" in kinds:
            start = max(0, attempt - count)
            rows = _core(store, ATTEMPTS, start, attempt, tenant, user, count)
            items += [_attempt(r, masker) for r in rows]
    items.sort(key=lambda i: i["ts"] or "")
    return items[-count:] if count else [], encode(positions, draw, attempt)


def clock_frame(state) -> dict:
    """Return the frame of a clock move."""
    return {"kind": "clock", "id": "clock", "state": state}


def restore_state(store: Store):
    """Return the last snapshot restore as stored (domain/snapshots.py): a change of it tells a
    feed that the journal it reads from was replaced."""
    return settings.get(store, "last_restore")


def clock_state(store: Store):
    """Return the virtual clock's shared state as stored (a move shows as a change of it)."""
    return settings.get(store, "virtual_clock")
