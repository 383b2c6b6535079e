"""What followed from a request, step by step, and "did you receive it?" answered from the store."""

import re

from ..masking import mask_url
from ..store import Store, loads

_ONE = r"([^;:]+): ((?:play granted|no play) \(.*?\))"
_VERDICT = re.compile(rf"(?:^|; ){_ONE}(?=; [^;:]+: (?:play granted|no play) \(|$)")


def _rules(entry: dict) -> list[dict]:
    headers = entry.get("response_headers") or {}
    said = next((v for k, v in headers.items() if k.lower() == "x-sandbox-rewards"), "")
    steps = []
    # One "<campaign>: play granted|no play (<reason>)" per campaign; a reason may hold "; ".
    for match in _VERDICT.finditer(said):
        campaign, verdict = match.group(1), match.group(2)
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
    event = _event_of(store, entry)
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
            "WHERE tenant_id = ? AND reward_user_id = ?",
            (entry["tenant_id"], grant["reward_user_id"]),
        )
        if draw is None:
            continue
        draw["thresholds"] = loads(draw["thresholds"], [])
        steps.append({"step": "draw", **draw})
        if draw["reward_id"]:
            steps += _reward_steps(store, draw["reward_id"])
    return {"requestId": entry["request_id"], "steps": steps}


def _event_of(store: Store, entry: dict) -> dict | None:
    """Return the event row this request stored, found by index: by the uid its answer
    named, else (entries from before the answer's uid was kept) by tenant and event id."""
    headers = entry.get("response_headers") or {}
    uid = next((v for k, v in headers.items() if k.lower() == "x-sandbox-event-uid"), None)
    columns = "SELECT uid, event_id, event_name, user_id, valid FROM events WHERE "
    if uid is not None:
        sql, params = columns + "uid = ? AND request_id = ?", (uid, entry["request_id"])
    elif entry.get("tenant_id") and entry.get("event_id") is not None:
        sql = columns + "tenant_id = ? AND event_id = ? AND request_id = ?"
        params = (entry["tenant_id"], entry["event_id"], entry["request_id"])
    else:
        return None
    # A repeat names the first copy, which another request stored: then none of its own.
    return store.journal_one(sql, params)


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
            # As the deliveries show it; the route masks known secrets in all the rest.
            a["url"] = mask_url(a["url"])
            steps.append({"step": kind, "deliveryId": d["delivery_id"], **a})
        if d["status"] == "failed":
            steps.append({"step": "dead_letter", "deliveryId": d["delivery_id"]})
    return steps
