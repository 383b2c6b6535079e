"""What followed from a request, step by step, and "did you receive it?" answered from the store."""

from ..journal.filters import Filters
from ..masking import Masker
from ..store import Store, loads


def _rules(entry: dict) -> list[dict]:
    headers = loads(entry.get("response_headers"), {}) or {}
    said = next((v for k, v in headers.items() if k.lower() == "x-sandbox-rewards"), "")
    steps = []
    for part in filter(None, (p.strip() for p in said.split("; "))):
        campaign, _, verdict = part.partition(": ")
        steps.append(
            {
                "step": "rule",
                "campaignId": campaign,
                "granted": verdict.startswith("play granted"),
                "reason": verdict,
            }
        )
    return steps


def of(store: Store, entry: dict) -> dict:
    """Return the request and every step it caused: event, rules, grants, draws, rewards,
    outgoing attempts, dead letter, end-of-day retry."""
    steps = [
        {
            "step": "request",
            "at": entry["ts"],
            "method": entry["method"],
            "path": entry["path"],
            "status": entry["status"],
            "auth": entry["auth_result"],
            "reason": entry["auth_reason"],
        }
    ]
    event = store.journal_one(
        "SELECT uid, event_id, event_name, user_id, valid FROM events WHERE request_id = ?",
        (entry["request_id"],),
    )
    if event:
        steps.append({"step": "event", **event})
    steps += _rules(entry)
    grants = (
        store.journal_all(
            "SELECT reward_user_id, campaign_id, granted_at FROM reward_users WHERE event_uid = ?",
            (event["uid"],),
        )
        if event
        else []
    )
    steps += _nudge_steps(store, entry["request_id"])
    for grant in grants:
        steps.append({"step": "grant", **grant})
        draw = store.one(
            "SELECT seq, roll, thresholds, variant, outcome, reward_id, code, at FROM draws "
            "WHERE reward_user_id = ?",
            (grant["reward_user_id"],),
        )
        if draw is None:
            continue
        draw["thresholds"] = loads(draw["thresholds"], [])
        steps.append({"step": "draw", **draw})
        if draw["reward_id"]:
            steps += _reward_steps(store, draw["reward_id"])
    return {"requestId": entry["request_id"], "steps": steps}


def _nudge_steps(store: Store, cause: str) -> list[dict]:
    """Return the nudges a request or a reward caused, with their states and times."""
    return [
        {"step": "nudge", **n}
        for n in store.all(
            "SELECT nudge_id, trigger, state, channel_states, created_at, due_at, released_at, "
            "delivered_at, acked_at, expired_at FROM nudge_log WHERE cause = ? ORDER BY rowid",
            (cause,),
        )
    ]


def _reward_steps(store: Store, reward_id: str) -> list[dict]:
    steps = []
    reward = store.one(
        "SELECT reward_id, name, code, status, created_at FROM rewards WHERE reward_id = ?",
        (reward_id,),
    )
    if reward:
        steps.append({"step": "reward", **reward})
        steps += _nudge_steps(store, reward_id)
    for d in store.all(
        "SELECT delivery_id, kind, status, decision FROM outbox WHERE reward_id = ? ORDER BY id",
        (reward_id,),
    ):
        steps.append({"step": "delivery", **d})
        for a in store.all(
            "SELECT n, trigger, at, url, response_status, error_class, decision, next_at FROM "
            "attempts WHERE delivery_id = ? ORDER BY id",
            (d["delivery_id"],),
        ):
            kind = "end_of_day_retry" if a["trigger"] == "end_of_day" else "attempt"
            steps.append({"step": kind, "deliveryId": d["delivery_id"], **a})
        if d["status"] == "failed":
            steps.append({"step": "dead_letter", "deliveryId": d["delivery_id"]})
    return steps


# The newest entries of each journal file a question without an indexed filter (an event
# name, a time window alone) looks through: its cost never grows with the journal.
RECENT_WINDOW = 50_000
# Refusals are matched by no index (the tenant of a refused request is often unknown): the
# answer names those among the newest entries of each file.
REFUSED_WINDOW = 10_000


def _window(shard: str, where: list[str]) -> str:
    """Return a subquery of a journal file's newest matching entries (by index where it can)."""
    clause = " AND ".join(where) or "1"
    return f"(SELECT * FROM {shard}.journal WHERE {clause} ORDER BY id DESC LIMIT {RECENT_WINDOW})"


def received(store: Store, filters: Filters, masker: Masker) -> dict:
    """Answer whether events matching the filters arrived, with the records (newest first).

    Each journal file is asked through its indexes (event id, user, tenant) or, failing
    those, through its newest RECENT_WINDOW entries; an event's row is in the same file
    as its request's entry, found by its unique (tenant, event id).
    """
    where, params = [], []
    for column in ("event_id", "user_id", "tenant_id"):
        if column in filters.exact:
            where.append(f"{column} = ?")
            params.append(filters.exact[column])
    if filters.since is not None:
        where.append("ts_epoch >= ?")
        params.append(filters.since)
    if filters.until is not None:
        where.append("ts_epoch <= ?")
        params.append(filters.until)
    shards = store.shards()
    if not shards:
        return masker.json(
            {"received": False, "answer": "no: no event matches", "events": [], "refused": []}
        )
    named = " AND e.event_name = ?" if filters.event_name else ""
    parts, all_params = [], []
    for shard in shards:
        parts.append(
            "SELECT e.event_id, e.event_name, e.user_id, e.valid, e.problems, j.request_id, "
            f"j.ts, j.status, j.id AS seq FROM {_window(shard, where)} j JOIN {shard}.events e "
            "ON e.tenant_id = j.tenant_id AND e.event_id = j.event_id "
            f"AND e.request_id = j.request_id WHERE 1{named}"
        )
        all_params += params + ([filters.event_name] if filters.event_name else [])
    found = store.journal_all(
        " UNION ALL ".join(parts) + " ORDER BY seq DESC LIMIT 100", all_params
    )
    refused_where = ["auth_result = 'fail'"]
    refused_params: list = []
    if "tenant_id" in filters.exact:
        refused_where.insert(0, "tenant_id = ?")
        refused_params.append(filters.exact["tenant_id"])
    for cond, value in (("ts_epoch >= ?", filters.since), ("ts_epoch <= ?", filters.until)):
        if value is not None:
            refused_where.append(cond)
            refused_params.append(value)
    refused = store.journal_all(
        " UNION ALL ".join(
            "SELECT request_id, ts, path, status, auth_reason, id AS seq FROM "
            f"(SELECT * FROM {shard}.journal ORDER BY id DESC LIMIT {REFUSED_WINDOW}) "
            f"WHERE {' AND '.join(refused_where)}"
            for shard in shards
        )
        + " ORDER BY seq DESC LIMIT 20",
        refused_params * len(shards),
    )
    for row in (*found, *refused):
        row.pop("seq", None)
    for row in found:
        row["problems"] = loads(row["problems"], [])
    if found:
        many = "+" if len(found) == 100 else ""
        answer = f"yes: {len(found)}{many} event(s), the last at {found[0]['ts']}"
    else:
        answer = "no: no event matches"
        if refused:
            answer += (
                f"; {len(refused)} request(s) were refused in that window, the last "
                f"{refused[0]['status']} {refused[0]['auth_reason']}"
            )
    return masker.json(
        {"received": bool(found), "answer": answer, "events": found, "refused": refused}
    )
