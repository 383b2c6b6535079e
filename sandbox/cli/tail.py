"""`tail` (the inspector's feed in the terminal, one coloured line per entry) and `received`
("did it arrive?"), both read from the running sandbox, or the data dir when none runs."""

import json
import time
from urllib.parse import urlencode

import click

from .client import Sandbox
from .common import answer, through_sandbox

COLOURS = {"request": "cyan", "draw": "magenta", "attempt": "yellow", "clock": "blue"}


def _line(item: dict) -> str:
    kind = item["kind"]
    when = (item.get("ts") or "").replace("T", " ").replace("Z", "")
    tag = click.style(f"{kind:<7}", fg=COLOURS.get(kind))
    if kind == "request":
        status = item["status"] or 0
        colour = (
            "green"
            if status < 400
            else ("red" if status >= 500 or item["auth"] == "fail" else "yellow")
        )
        what = f"{item['method']} {item['path']}"
        named = " ".join(x for x in (item.get("eventName"), item.get("event")) if x)
        tail = f" {item['reason']}" if item.get("reason") else ""
        flags = f" [{','.join(item['flags'])}]" if item.get("flags") else ""
        coloured = click.style(str(status), fg=colour)
        who = item["user"] or "-"
        if item["user"] and "user:claimed" in (item.get("attribution") or ""):
            who += " (claimed)"
        event = f"  event={named}" if named else ""
        return f"{when} {tag} {coloured} {what}{event}  user={who}{tail}{flags}  [{item['id']}]"
    if kind == "draw":
        return (
            f"{when} {tag} {item['campaign']} #{item['seq']} roll {item['roll']:.3f} -> "
            f"{item['variant'] or 'no reward'}  user={item['user']}"
        )
    if kind == "attempt":
        result = item["status"] or item["errorClass"]
        return (
            f"{when} {tag} {item['deliveryKind']} try {item['n']} -> {result}  {item['decision']}"
        )
    return f"{when} {tag} {json.dumps(item.get('state'))}"


@click.command("received")
@click.option("--event-id", help="The event id asked about.")
@click.option("--user", help="The user id.")
@click.option("--event-name", help="The event name.")
@click.option("--tenant", help="Tenant id, name or writeKey (default: every tenant).")
@click.option("--since", help="ISO 8601 time or epoch seconds.")
@click.option("--until", help="ISO 8601 time or epoch seconds.")
@click.option("--before", help="Older entries than this (the `more` an answer printed).")
@through_sandbox
def received_command(sb, event_id, user, event_name, tenant, since, until, before, as_json):
    """Did it arrive? Per event: received, refused (each reason and link) or not seen."""
    asked = {"event_id": event_id, "user": user, "event_name": event_name, "tenant": tenant}
    asked.update(since=since, until=until, before=before)
    answer(sb.get("/received", **asked), as_json, _print_received)


def _print_received(said: dict) -> None:
    click.echo(said["answer"])
    for e in said["events"]:
        head = " ".join(x for x in (e.get("eventName"), e.get("eventId")) if x) or "(no event id)"
        click.echo(f"  {head}  user={e.get('userId') or '-'}: {e['case']}")
        if e["case"] == "received":
            valid = "valid" if e["valid"] else "invalid: " + "; ".join(e["problems"])
            click.echo(f"    received at {e['receivedAt']} ({valid})  {e['journal']}")
        for r in e.get("refused", []):
            click.echo(f"    {r['status']} {r['reason']} at {r['at']}: {r['hint'] or ''}")
            click.echo(f"      {r['journal']}")
    for kind, found in (said.get("candidates") or {}).items():
        for c in found:
            click.echo(f"  nearest ({kind}): {json.dumps(c)}")
    if said.get("more"):
        click.echo(f"  more: older ones with --before {said['more']['before']}")


@click.command("tail")
@click.option("--tenant", help="Tenant id, name or writeKey.")
@click.option("--user", help="User id.")
@click.option("--status", help="A status (401) or class (4xx).")
@click.option("--flag", help="Only requests with this flag (fault, duplicate, invalid, ...).")
@click.option(
    "--kind",
    "kinds",
    default="request,draw,attempt",
    show_default=True,
    help="Comma-separated: request, draw, attempt, clock.",
)
@click.option("--cursor", help="Resume right after this cursor (printed when tail stops).")
@click.option("--backfill", default=20, show_default=True, help="Entries to show first.")
@click.option("--once", is_flag=True, help="Print what is there and stop (no following).")
@through_sandbox
def tail_command(sb, tenant, user, status, flag, kinds, cursor, backfill, as_json, once):
    """Stream requests, draws and outgoing attempts as they are recorded (as `stripe logs tail`).

    --json prints one JSON object per line, each with the cursor to resume after it."""
    asked = (("tenant", tenant), ("user", user), ("status", status), ("flag", flag))
    query = {k: v for k, v in asked if v}
    state = {"cursor": cursor}

    def show(items, at):
        state["cursor"] = at
        for item in items:
            click.echo(json.dumps({**item, "cursor": at}) if as_json else _line(item))

    try:
        if sb.remote:
            _follow_socket(sb, query, kinds, cursor, backfill, once, show)
        else:
            _follow_store(sb, query, kinds, cursor, backfill, once, show)
    except KeyboardInterrupt:
        pass
    finally:
        if not as_json and state["cursor"]:
            click.echo(f"resume with: python -m sandbox tail --cursor {state['cursor']}", err=True)


def _follow_socket(sb: Sandbox, query, kinds, cursor, backfill, once, show) -> None:
    """Follow the server's feed socket (/_sandbox/feed): the inspector's own protocol."""
    from simple_websocket import ConnectionClosed

    from .client import websocket

    sb.get("/journal", limit="1", **query)  # a bad filter or token: the explained 4xx first
    args = {
        **query,
        "kinds": kinds,
        "backfill": str(backfill),
        **({"cursor": cursor} if cursor else {}),
    }
    url = sb.url.replace("http", "ws", 1) + "/_sandbox/feed?" + urlencode(args)
    ws = websocket(url, {"X-Sandbox-Admin-Token": sb.token})
    try:
        while True:
            frame = json.loads(ws.receive())
            if frame["type"] == "batch":
                show(frame["items"], frame["cursor"])
            elif frame["type"] == "caught_up" and once:
                return
            elif frame["type"] == "behind":
                raise click.ClickException(frame.get("message") or "the feed fell behind")
    except ConnectionClosed:
        return
    finally:
        ws.close()


def _follow_store(sb: Sandbox, query, kinds, cursor, backfill, once, show) -> None:
    """Follow the record in this process (no server runs): the same read model the socket uses."""
    from ..domain import tenants as tenants_mod
    from ..journal import feed
    from ..journal import filters as journal_filters

    rt = sb.app.extensions["sandbox.runtime"]
    store, masker = rt.store, rt.masker()

    def resolve(ref):
        found = tenants_mod.get_tenant(store, ref)
        return found["id"] if found else None

    try:
        filters = journal_filters.parse(query, resolve)
        wanted = tuple(k.strip() for k in kinds.split(",") if k.strip())
        if cursor:
            feed.decode(cursor)
        else:
            items, cursor = feed.backfill(store, backfill, filters, wanted, masker)
            show(items, cursor)
    except (journal_filters.BadFilter, feed.BadCursor) as exc:
        raise click.ClickException(str(exc)) from exc
    while True:
        found, cursor, more = feed.read(store, cursor, filters, wanted, masker)
        show(found, cursor)
        if once and not more:
            return
        if not more:
            time.sleep(0.2)
