"""Nudge definitions: the partner's nudge sheet (.csv or .xlsx), checked row by row, stored.

One row per nudge. Errors name the row, the column and the fix, every one at once, and a
sheet with any error changes nothing (as the reward sheet).
"""

from ...store import CachedWrite, Store, dumps, loads
from ..rewards import cells, conditions
from ..rewards.sheet import SheetErrors, SheetUnreadable, read_rows

COLUMNS = {
    "nudgeid": "Nudge ID",
    "trigger": "Trigger",
    "triggerevent": "Trigger Event",
    "triggercondition": "Trigger Condition",
    "campaignid": "Campaign ID",
    "hoursbeforeexpiry": "Hours Before Expiry",
    "audience": "Audience",
    "audiencevalue": "Audience Value",
    "title": "Title",
    "body": "Body",
    "image": "Image",
    "clickaction": "Click Action",
    "pagetype": "Page Type",
    "buttontext": "Button Text",
    "channel": "Channel",
    "delayseconds": "Delay Seconds",
    "expiryseconds": "Expiry Seconds",
}
TRIGGERS = ("event", "campaign_granted", "reward_won", "reward_expiring")
AUDIENCES = ("all", "segment", "users")
CHANNELS = ("inapp", "webhook", "push")
# Spec section 8: the page types the SDK opens a nudge in.
PAGE_TYPES = (
    "full-default",
    "middle-default",
    "bottom-default",
    "bottom-slider",
    "middle-popup",
    "bottom-popup",
)
REQUIRED = ("nudgeid", "trigger", "title")


def _seconds(text: str, row: int, column: str, errors: SheetErrors) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 366 * 86400:
        errors.add(row, column, f"{text!r} is not a number of seconds", "Write e.g. 3600.")
        return None
    return value


def _check_row(number: int, r: dict, errors: SheetErrors) -> dict:
    trigger = r.get("trigger", "").lower()
    if trigger not in TRIGGERS:
        errors.add(
            number,
            "trigger",
            f"unknown trigger {r.get('trigger')!r}",
            f"Use one of: {', '.join(TRIGGERS)}.",
        )
    if trigger == "event" and not r.get("triggerevent"):
        errors.add(
            number,
            "triggerevent",
            "an event trigger needs the event's name",
            "Write the event_name that sends this nudge, e.g. completePurchase.",
        )
    cells.condition(number, r.get("triggercondition", ""), errors)
    hours = None
    if trigger == "reward_expiring":
        hours = _seconds(r.get("hoursbeforeexpiry", ""), number, "hoursbeforeexpiry", errors)
        if hours is None:
            errors.add(
                number,
                "hoursbeforeexpiry",
                "a reward_expiring nudge needs the hours",
                "Write how many hours before the reward expires, e.g. 24.",
            )
    audience = (r.get("audience") or "all").lower()
    value = r.get("audiencevalue", "")
    if audience not in AUDIENCES:
        errors.add(
            number,
            "audience",
            f"unknown audience {r.get('audience')!r}",
            "Use all, segment (Audience Value: the campaign id of the segment) or users "
            "(Audience Value: user ids separated by ;).",
        )
    elif audience != "all" and not value:
        errors.add(
            number,
            "audiencevalue",
            f"the {audience} audience needs a value",
            "A campaign id for segment, user ids separated by ; for users.",
        )
    channels = [c.strip().lower() for c in (r.get("channel") or "inapp").split(";") if c.strip()]
    wrong = [c for c in channels if c not in CHANNELS]
    if wrong or not channels:
        errors.add(
            number,
            "channel",
            f"unknown channel(s) {', '.join(wrong) or '(none)'}",
            f"Use one or more of {', '.join(CHANNELS)}, separated by ;.",
        )
    page = r.get("pagetype") or "middle-popup"
    if page not in PAGE_TYPES:
        errors.add(
            number,
            "pagetype",
            f"unknown page type {page!r}",
            f"Use one of: {', '.join(PAGE_TYPES)}.",
        )
    click = r.get("clickaction", "")
    if click and click.split(":", 1)[0].lower() in ("javascript", "data", "vbscript", "file"):
        errors.add(
            number,
            "clickaction",
            "a script URL is not a click action",
            "Use an https:// link or your app's deep link (myapp://...).",
        )
    return {
        "definition_id": r.get("nudgeid", ""),
        "trigger": trigger,
        "trigger_event": r.get("triggerevent") or None,
        "condition": r.get("triggercondition", ""),
        "campaign_id": r.get("campaignid") or None,
        "hours_before": hours,
        "audience": audience,
        "audience_value": value or None,
        "content": {
            "title": r.get("title", ""),
            "body": r.get("body", ""),
            "image": r.get("image", ""),
            "clickAction": click,
            "pageType": page,
            "button": r.get("buttontext", ""),
        },
        "channels": channels,
        "delay_seconds": _seconds(r.get("delayseconds", ""), number, "delayseconds", errors) or 0.0,
        "expiry_seconds": _seconds(r.get("expiryseconds", ""), number, "expiryseconds", errors),
    }


def check(data: bytes, content_type: str) -> tuple[list[dict], list[dict]]:
    """Return (definitions, errors) of a nudge sheet; errors empty means it may be imported."""
    try:
        rows = read_rows(data, content_type, COLUMNS)
    except SheetUnreadable as exc:
        return [], [
            {
                "row": None,
                "column": None,
                "message": f"unreadable sheet: {exc}",
                "hint": "Send a UTF-8 .csv or an .xlsx workbook with a header row.",
            }
        ]
    errors = SheetErrors(COLUMNS)
    if errors.lacks(rows[0][1]["__header__"], REQUIRED):
        return [], errors
    found, seen = [], {}
    for number, r in rows[1:]:
        if not r.get("nudgeid"):
            errors.add(number, "nudgeid", "empty Nudge ID", "Give every nudge an id.")
            continue
        if r["nudgeid"] in seen:
            errors.add(
                number,
                "nudgeid",
                f"Nudge ID {r['nudgeid']!r} is also on row {seen[r['nudgeid']]}",
                "Give every nudge an id of its own.",
            )
        seen[r["nudgeid"]] = number
        if not r.get("title"):
            errors.add(number, "title", "empty Title", "Write what the user reads first.")
        found.append(_check_row(number, r, errors))
    return found, errors


def store_write(tenant_id: str, definitions: list[dict], now: str) -> CachedWrite:
    """Return the write that replaces these definitions (by id) in one go."""

    def run(conn):
        for d in definitions:
            conn.execute(
                "INSERT OR REPLACE INTO nudge_definitions VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    tenant_id,
                    d["definition_id"],
                    d["trigger"],
                    d["trigger_event"],
                    d["condition"],
                    d["campaign_id"],
                    d["hours_before"],
                    d["audience"],
                    d["audience_value"],
                    dumps(d["content"]),
                    ";".join(d["channels"]),
                    d["delay_seconds"],
                    d["expiry_seconds"],
                    now,
                ),
            )
        return len(definitions)

    return CachedWrite(run)


def of_tenant(store: Store, tenant_id: str) -> list[dict]:
    """Return the tenant's definitions, parsed (kept a second per process: ingest asks)."""

    def load():
        rows = store.all(
            "SELECT * FROM nudge_definitions WHERE tenant_id = ? ORDER BY definition_id",
            (tenant_id,),
        )
        for r in rows:
            r["content"] = loads(r["content"], {})
            r["channels"] = r["channels"].split(";")
            r["clauses"] = conditions.parse(r["condition"] or "")
        return rows

    return store.cached(("nudge_definitions", tenant_id), load)


def of_kinds_in(conn, tenant_id: str, kinds: tuple) -> list[dict]:
    """Return the tenant's definitions of these trigger kinds, read on the transaction."""
    cur = conn.execute(
        f"SELECT * FROM nudge_definitions WHERE tenant_id = ? AND trigger IN "
        f"({','.join('?' * len(kinds))})",
        (tenant_id, *kinds),
    )
    names = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        d = dict(zip(names, row, strict=True))
        d["content"] = loads(d["content"], {})
        d["channels"] = d["channels"].split(";")
        out.append(d)
    return out


def view(d: dict) -> dict:
    """Return a definition as the admin API and the CLI show it."""
    return {
        "nudgeId": d["definition_id"],
        "trigger": d["trigger"],
        "triggerEvent": d["trigger_event"],
        "triggerCondition": d["condition"],
        "campaignId": d["campaign_id"],
        "hoursBeforeExpiry": d["hours_before"],
        "audience": d["audience"],
        "audienceValue": d["audience_value"],
        "content": d["content"],
        "channels": d["channels"],
        "delaySeconds": d["delay_seconds"],
        "expirySeconds": d["expiry_seconds"],
    }
