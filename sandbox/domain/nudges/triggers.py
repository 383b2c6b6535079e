"""What makes a nudge: an event (ingest), a campaign granted (the rules), a reward won or about to
expire (a play). Each runs in its cause's transaction."""

from ...store import CoreWrite
from . import definitions, life


def reward_nudges(
    conn, r: dict, won_at: float, now: str, won: bool = True, expiring: bool = True
) -> None:
    """Make the nudges of a reward won (`won`), and schedule those of its expiry (`expiring`)."""
    kinds = (("reward_won",) if won else ()) + (("reward_expiring",) if expiring else ())
    if not kinds:
        return
    for d in definitions.of_kinds_in(conn, r["tenant_id"], kinds):
        if d["campaign_id"] and d["campaign_id"] != r["campaign_id"]:
            continue
        if d["trigger"] == "reward_won":
            life.create(
                conn, r["tenant_id"], r["user_id"], d, "reward_won", r["reward_id"], won_at, now
            )
        elif r["expiry"] not in (None, -1) and d["hours_before"] is not None:
            due = r["expiry"] - d["hours_before"] * 3600
            life.create(
                conn,
                r["tenant_id"],
                r["user_id"],
                d,
                "reward_expiring",
                r["reward_id"],
                won_at,
                now,
                due_at=max(due, won_at),
            )


def event_nudges(store, tenant_id, user_id, event_name, props, granted, cause, now, now_iso):
    """Return the write making the nudges of an event and of the campaigns it granted, or None.

    Asked of every event: definitions are kept a second per process, and an event that
    meets none queues no write (ingest stays shard-only).
    """
    if not isinstance(user_id, str) or not user_id:
        return None
    defs = definitions.of_tenant(store, tenant_id)
    if not defs:
        return None
    found = [("event", d) for d in life.matching(defs, "event", event_name=event_name, props=props)]
    for campaign_id in granted:
        found += [
            ("campaign_granted", d)
            for d in life.matching(defs, "campaign_granted", campaign_id=campaign_id)
        ]
    if not found:
        return None

    def run(conn):
        return [
            life.create(conn, tenant_id, user_id, d, trigger, cause, now, now_iso)
            for trigger, d in found
        ]

    return CoreWrite(run)
