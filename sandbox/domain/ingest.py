"""One event in, one outcome out: the checks of its shape, its stored row, the plays it grants
and the nudges it triggers, as writes and words the request path applies in one commit."""

from dataclasses import dataclass, field

from ..store import Write
from . import events
from .nudges import triggers
from .rewards import rules


@dataclass
class Outcome:
    """What ingesting one event has to say: its id, what is wrong with it, what to note in the
    journal, the writes to commit with the answer, and the sheet campaigns' verdicts."""

    uid: str
    problems: list[str] = field(default_factory=list)
    notes: dict = field(default_factory=dict)
    writes: list[Write] = field(default_factory=list)
    rewards: str | None = None  # one "<campaign>: play granted|no play (why)" per campaign


def event(store, tenant: dict, body, source: str, request_id: str, now: float, now_iso: str):
    """Return the Outcome of one event sent to `source` (server or sdk) for `tenant`."""
    out = Outcome(events.new_uid(), events.problems_of(body, source))
    if not isinstance(body, dict):
        return out
    out.notes = events.journal_fields(body)
    row = events.row_for(tenant["id"], body, source, out.problems, request_id, now_iso, out.uid)
    out.writes.append(events.store_event(row))
    granted = _grants(store, tenant, body, out, request_id, now_iso)
    made = triggers.event_nudges(
        store,
        tenant["id"],
        body.get("user_id"),
        body.get("event_name"),
        body.get("event_properties"),
        granted,
        request_id,
        now,
        now_iso,
    )
    if made is not None:
        out.writes.append(made)
    return out


def _grants(store, tenant: dict, body: dict, out: Outcome, request_id: str, now: str) -> list:
    """Grant the plays of the sheet campaigns the event meets; return their campaign ids."""
    campaigns = rules.sheet_campaigns(store, tenant["id"])
    if not campaigns:
        return []
    user_id = body.get("user_id")
    in_segment = rules.segment_test(store, tenant["id"], user_id)
    verdicts = rules.evaluate(
        campaigns, body.get("event_name"), body.get("event_properties"), now, in_segment
    )
    granted = []
    for v in verdicts:
        if v["granted"] and isinstance(user_id, str) and user_id:
            out.writes.append(
                rules.grant(tenant["id"], v["campaignId"], user_id, out.uid, now, request_id)
            )
            granted.append(v["campaignId"])
    out.rewards = rules.header(verdicts)
    return granted
