"""Which events grant a play of a sheet campaign, and why an event did not: the rules, explained."""

from datetime import datetime

from ...ids import new_id
from ...store import Store, Target, Write, loads, marks
from .. import events as events_table
from .. import segments
from . import conditions, draws, odds, sheet_rows


def sheet_campaigns(store: Store, tenant_id: str) -> list[dict]:
    """Return the tenant's sheet campaigns with parsed conditions (kept a second per process)."""

    def load():
        rows = sheet_rows.triggers(store, tenant_id)
        for r in rows:
            r["clauses"] = conditions.parse(r["condition"])
            # Parsed once here, not per event: ingest evaluates every campaign per event.
            r["starts"] = _at(r["start_at"]) if r["start_at"] else None
            r["ends"] = _at(r["end_at"]) if r["end_at"] else None
        return rows

    return store.cached(("sheet_campaigns", tenant_id), load)


def _at(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=datetime.now().astimezone().tzinfo)


def verdict(
    campaign: dict, event_name: str, props: dict, now: str, in_segment=None
) -> tuple[bool, str]:
    """Return (grants a play, why) for one campaign and one event at `now` (the sandbox clock).

    `in_segment(campaign_id)` says whether the event's user is in the campaign's segment;
    asked only of a campaign whose audience is "segment".
    """
    trigger = campaign["trigger_event"] or ""
    if not trigger:
        return False, "the campaign has no Trigger Event"
    if event_name != trigger:
        return False, f"event name {event_name!r} is not the trigger {trigger!r}"
    starts, ends = campaign.get("starts"), campaign.get("ends")
    if starts is None and campaign["start_at"]:
        starts = _at(campaign["start_at"])
    if ends is None and campaign["end_at"]:
        ends = _at(campaign["end_at"])
    if starts is not None or ends is not None:
        clock = _at(now)
        if starts is not None and clock < starts:
            return False, f"campaign not started: starts {campaign['start_at']}, clock {now}"
        if ends is not None and clock > ends:
            return False, f"campaign ended: ended {campaign['end_at']}, clock {now}"
    holds, why = conditions.evaluate(campaign["clauses"], props)
    if not holds:
        return False, why
    if campaign.get("audience") == "segment" and not (
        in_segment is not None and in_segment(campaign["campaign_id"])
    ):
        return False, (
            "user outside the segment: the campaign's audience is its segment; add them with "
            f"POST /segment/{campaign['campaign_id']}/user/add"
        )
    return True, f"{event_name!r} met the trigger, {why}"


def evaluate(campaigns: list[dict], event_name, props, now: str, in_segment=None) -> list[dict]:
    """Return one verdict per campaign (sheet_campaigns' rows) for this event."""
    name = event_name if isinstance(event_name, str) else ""
    props = props if isinstance(props, dict) else {}
    out = []
    for campaign in campaigns:
        granted, why = verdict(campaign, name, props, now, in_segment)
        out.append({"campaignId": campaign["campaign_id"], "granted": granted, "reason": why})
    return out


class Grant(Write):
    """A play granted: a reward-user row in the journal shard and the tenant's grant mark.

    A batch's grants go in two statements. A grant reads nothing, so it commutes with the
    other requests' writes in a batch (store/writes.run_all).
    """

    __slots__ = ("row", "request_id")
    target = Target.SHARD
    commutes = True

    def __init__(self, row: tuple, request_id: str | None):
        self.row, self.request_id = row, request_id

    def run(self, conn):
        """Grant this play alone (the writer's retry of a failed batch)."""
        return Grant.run_many(conn, [self])[0]

    @classmethod
    def run_many(cls, conn, writes: list["Grant"]) -> list[None]:
        """Insert the batch's grants at once (a stable id granted again changes nothing)."""
        conn.executemany(
            "INSERT OR IGNORE INTO reward_users VALUES (?, ?, ?, ?, 'unplayed', ?, ?)",
            [w.row for w in writes],
        )
        tally = marks.Tally()
        for w in writes:
            tally.add(w.row[1], "grant", w.row[5], w.request_id)
        tally.write(conn, marks.JOURNAL_TABLE)
        return [None] * len(writes)


def grant(
    tenant_id: str,
    campaign_id: str,
    user_id: str,
    event_uid: str,
    now: str,
    request_id: str | None = None,
    reward_user_id: str | None = None,
) -> Grant:
    """Return the write that grants the user a play (a reward-user entry, in the shard).

    In the worker's journal shard with the event that granted it: an event that grants a
    play takes no lock another worker waits on. A given `reward_user_id` (a catalog game's
    stable link) is granted once: again, it changes nothing.
    """
    # From ids.new_id, not os.urandom: a system call per grant gave the GIL to the writer
    # thread mid-request. Guessing one gains nothing: a play is its own user's (game.py, 403).
    reward_user_id = reward_user_id or new_id("ru")
    row = (reward_user_id, tenant_id, campaign_id, user_id, event_uid, now)
    return Grant(row, request_id)


def header(verdicts: list[dict]) -> str:
    """Return the X-Sandbox-Rewards header: each campaign granted or not, and why."""
    parts = [
        f"{v['campaignId']}: {'play granted' if v['granted'] else 'no play'} ({v['reason']})"
        for v in verdicts
    ]
    return "; ".join(parts)


def segment_test(store: Store, tenant_id: str, user_id) -> callable:
    """Return in_segment(campaign_id) for a user; it reads the segments once, when first asked."""
    found: list[set] = []

    def in_segment(campaign_id: str) -> bool:
        if not found:
            uid = user_id if isinstance(user_id, str) else ""
            found.append(segments.memberships(store, tenant_id, uid))
        return campaign_id in found[0]

    return in_segment


def grants_of(store: Store, tenant_id: str, user_id: str) -> list[dict]:
    """Return a user's granted plays, oldest first (at most 5,000: a wallet page's worth)."""
    return store.journal_all(
        "SELECT reward_user_id, campaign_id, granted_at FROM reward_users WHERE tenant_id = ? "
        "AND user_id = ? ORDER BY granted_at, reward_user_id LIMIT 5000",
        (tenant_id, user_id),
    )


def granted(store: Store, tenant_id: str, reward_user_id: str) -> dict | None:
    """Return one granted play (its campaign, user, causing event and time), or None."""
    return store.journal_one(
        "SELECT reward_user_id, campaign_id, user_id, event_uid, granted_at FROM reward_users "
        "WHERE tenant_id = ? AND reward_user_id = ?",
        (tenant_id, reward_user_id),
    )


def explain(store: Store, tenant_id: str, user_id: str, campaign: dict) -> dict:
    """Say why the user has or has not got a play of the campaign, from their latest events."""
    events = events_table.latest_of_user(store, tenant_id, user_id)
    played = store.journal_all(
        "SELECT reward_user_id, granted_at FROM reward_users WHERE tenant_id = ? AND "
        "user_id = ? AND campaign_id = ? ORDER BY granted_at DESC LIMIT 50",
        (tenant_id, user_id, campaign["campaign_id"]),
    )
    drawn = draws.outcomes_of(store, tenant_id, user_id, campaign["campaign_id"])
    trigger = campaign["trigger_event"]
    in_segment = segment_test(store, tenant_id, user_id)
    looked = [e for e in events if e["event_name"] == trigger][:5] or events[:1]
    verdicts = []
    for e in looked:
        props = loads(e["properties"], {}) or {}
        granted, why = verdict(campaign, e["event_name"] or "", props, e["received_at"], in_segment)
        verdicts.append(
            {
                "eventUid": e["uid"],
                "eventName": e["event_name"],
                "receivedAt": e["received_at"],
                "granted": granted,
                "reason": why,
            }
        )
    stock = store_stock(store, tenant_id, campaign["campaign_id"])
    if played:
        summary = f"{len(played)} play(s) granted, the last at {played[0]['granted_at']}"
    elif not events:
        summary = f"no event from {user_id!r} yet: send {trigger!r} to earn a play"
    elif not any(e["event_name"] == trigger for e in events):
        summary = f"none of the user's last {len(events)} events is {trigger!r}"
    else:
        summary = verdicts[0]["reason"]
    return {
        "userId": user_id,
        "campaignId": campaign["campaign_id"],
        "triggerEvent": trigger,
        "triggerCondition": campaign["condition"],
        "start": campaign["start_at"],
        "end": campaign["end_at"],
        "audience": campaign.get("audience", "all"),
        "granted": bool(played),
        "plays": [
            {
                "rewardUserId": p["reward_user_id"],
                "status": "played" if p["reward_user_id"] in drawn else "unplayed",
                "outcome": drawn.get(p["reward_user_id"]),
                "grantedAt": p["granted_at"],
            }
            for p in played
        ],
        "summary": summary,
        "events": verdicts,
        # What a play could still win: a variant out of codes or at its cap wins nothing.
        "variants": stock,
    }


def store_stock(store: Store, tenant_id: str, campaign_id: str) -> list[dict]:
    """Return each variant of the campaign with whether a play can still win it, and why not."""
    found = odds.summary(store, tenant_id, campaign_id)
    out = []
    for v in found[0]["variants"] if found else []:
        if v["couponsLeft"] == 0:
            why = "no coupon left"
        elif v["cap"] is not None and v["wins"] >= v["cap"]:
            why = f"cap of {v['cap']} winners reached"
        else:
            why = None
        out.append({"name": v["name"], "chance": v["chance"], "winnable": why is None, "why": why})
    return out
