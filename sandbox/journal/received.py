""" "Did you receive it?": per event, received (when, valid or not, duplicates), refused (each
refusal with its exact reason, hint and journal link) or not seen (with the nearest candidates).

Read from the journal entries themselves, which carry the tenant, user, event id and name
of refused requests too, with how far each is to be trusted (http/attribution.py). Every
query goes through an index (event id, user, tenant) and a limit; a question by event name
or time alone looks through the newest RECENT_WINDOW entries of each journal file.
"""

import json

from ..store import Store, loads
from .filters import Filters

RECENT_WINDOW = 50_000
LIMIT = 100  # entries one answer reads; past it, `more` names the cursor of the rest
_COLUMNS = (
    "id, request_id, ts, ts_epoch, tenant_id, user_id, event_id, event_name, route, status, "
    "auth_result, auth_reason, flags, problems, attribution, response_body"
)
EVENT_ROUTES = ("events.server_event", "events.sdk_analytics", "events.diagnostics")


def _entries(store: Store, where: list[str], params: list, before: int | None) -> list[dict]:
    """Return the newest entries matching `where` over every journal file (LIMIT + 1 at most)."""
    shards = store.shards()
    if not shards:
        return []
    clauses = list(where) + (["id < ?"] if before else [])
    values = list(params) + ([before] if before else [])
    sql = " UNION ALL ".join(
        f"SELECT * FROM (SELECT {_COLUMNS} FROM {s}.journal WHERE {' AND '.join(clauses) or '1'} "
        f"ORDER BY id DESC LIMIT {RECENT_WINDOW})"
        for s in shards
    )
    return store.journal_all(f"{sql} ORDER BY id DESC LIMIT {LIMIT + 1}", values * len(shards))


def _conditions(filters: Filters, tenant_id: str | None, **only) -> tuple[list, list]:
    where, params = [], []
    asked = {
        "tenant_id": tenant_id,
        "event_id": filters.exact.get("event_id"),
        "user_id": filters.exact.get("user_id"),
        "event_name": filters.event_name,
    }
    for column, value in {**asked, **only}.items():
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for clause, value in (("ts_epoch >= ?", filters.since), ("ts_epoch <= ?", filters.until)):
        if value is not None:
            where.append(clause)
            params.append(value)
    return where, params


def _refusal(row: dict, link) -> dict:
    said = {}
    body = row["response_body"]
    if body:
        try:
            said = json.loads(body.decode(errors="replace") if isinstance(body, bytes) else body)
        except ValueError:
            said = {}
    return {
        "requestId": row["request_id"],
        "at": row["ts"],
        "status": row["status"],
        "reason": row["auth_reason"] or (said.get("reason") if isinstance(said, dict) else None),
        "hint": said.get("hint") if isinstance(said, dict) else None,
        "userId": row["user_id"],
        "attribution": row["attribution"],
        "journal": link(row["request_id"]),
    }


def _accepted(row: dict) -> bool:
    return row["auth_result"] != "fail" and row["status"] is not None and row["status"] < 400


def _event(event_id: str | None, rows: list[dict], link) -> dict:
    """Return one event's answer from its entries (newest first)."""
    accepted = [r for r in rows if _accepted(r)]
    refused = [_refusal(r, link) for r in rows if not _accepted(r)]
    first = rows[-1]
    out = {
        "eventId": event_id,
        "userId": first["user_id"],
        "eventName": next((r["event_name"] for r in rows if r["event_name"]), None),
        "tenantId": first["tenant_id"],
    }
    if accepted:
        kept = accepted[-1]  # the first copy is the one stored
        flags = loads(kept["flags"], []) or []
        out.update(
            case="received",
            receivedAt=kept["ts"],
            valid="invalid" not in flags,
            problems=loads(kept["problems"], []) or [],
            duplicates=sum("duplicate" in (loads(r["flags"], []) or []) for r in accepted),
            journal=link(kept["request_id"]),
            refused=refused,  # refusals before the copy that got through
        )
    else:
        out.update(case="refused", refused=refused)
    return out


def received(store: Store, filters: Filters, tenant_id: str | None, link) -> dict:
    """Answer, per event, whether it was received, refused or not seen; `link(request_id)`
    gives an entry's journal URL. Scoped to `tenant_id` (a viewer's, or the one asked)."""
    where, params = _conditions(filters, tenant_id)
    if not filters.exact.get("event_id") and not filters.exact.get("user_id"):
        # By name or time alone: events, not every refusal of the window.
        where.append(f"(route IN ({', '.join('?' * len(EVENT_ROUTES))}) OR event_id IS NOT NULL)")
        params += list(EVENT_ROUTES)
    rows = _entries(store, where, params, filters.before)
    more = len(rows) > LIMIT
    rows = rows[:LIMIT]
    by_event: dict = {}
    for row in rows:
        key = row["event_id"] or f"(no event id: {row['request_id']})"
        by_event.setdefault(key, []).append(row)
    events = [
        _event(None if key.startswith("(no event id") else key, found, link)
        for key, found in by_event.items()
    ]
    answer = {
        "received": any(e["case"] == "received" for e in events),
        "events": events,
        "more": {"before": rows[-1]["id"]} if more and rows else None,
    }
    if not events:
        answer["candidates"] = _candidates(store, filters, tenant_id, link)
    answer["answer"] = _sentence(filters, events, answer.get("candidates"))
    return answer


def _candidates(store: Store, filters: Filters, tenant_id: str | None, link) -> dict:
    """Return what is nearest to an unseen event: its id for other users, the user's other
    events, and refusals claimed for the user."""
    event_id, user = filters.exact.get("event_id"), filters.exact.get("user_id")
    near: dict = {}
    if event_id and user:
        where, params = _conditions(filters, tenant_id, user_id=None)
        near["sameEventOtherUser"] = [
            {"userId": r["user_id"], "at": r["ts"], "journal": link(r["request_id"])}
            for r in _entries(store, where, params, None)[:5]
        ]
    if user:
        where, params = _conditions(filters, tenant_id, event_id=None)
        found = _entries(store, where, params, None)
        near["sameUserOtherEvents"] = [
            {
                "eventId": r["event_id"],
                "eventName": r["event_name"],
                "at": r["ts"],
                "status": r["status"],
                "journal": link(r["request_id"]),
            }
            for r in found
            if r["event_id"] and _accepted(r)
        ][:5]
        near["refusedForUser"] = [_refusal(r, link) for r in found if not _accepted(r)][:5]
    return near


def _sentence(filters: Filters, events: list[dict], near: dict | None) -> str:
    asked = (
        " ".join(
            part
            for part in (
                filters.exact.get("event_id"),
                filters.event_name and f"({filters.event_name})",
                filters.exact.get("user_id") and f"for {filters.exact['user_id']}",
            )
            if part
        )
        or "anything"
    )
    if not events:
        said = f"{asked}: not seen"
        if near and near.get("sameEventOtherUser"):  # the likeliest: another user id sent
            said += f"; the same event id arrived for {near['sameEventOtherUser'][0]['userId']}"
        if near and near.get("refusedForUser"):
            last = near["refusedForUser"][0]
            said += (
                f"; a request claimed for the user was refused: {last['status']} {last['reason']}"
            )
        return said
    got = [e for e in events if e["case"] == "received"]
    refused = [e for e in events if e["case"] == "refused"]
    if len(events) == 1:
        e = events[0]
        if e["case"] == "received":
            valid = "valid" if e["valid"] else "invalid: " + "; ".join(e["problems"])
            return f"{asked}: received at {e['receivedAt']} ({valid})"
        last = e["refused"][0]
        return f"{asked}: refused ({last['status']} {last['reason']}) at {last['at']}"
    return f"{asked}: {len(got)} event(s) received, {len(refused)} refused"
