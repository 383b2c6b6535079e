"""`python -m sandbox tail`: the inspector's feed in the terminal, one coloured line per entry."""

import json
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from ..domain import tenants as tenants_mod

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
@click.option("--json", "as_json", is_flag=True, help="The answer as JSON.")
@with_appcontext
def received_command(event_id, user, event_name, tenant, since, until, before, as_json):
    """Did it arrive? Per event: received, refused (each reason and link) or not seen."""
    from ..config import public_url
    from ..journal import filters as journal_filters
    from ..journal import received as received_model

    store = current_app.extensions["sandbox.store"]
    masker = current_app.extensions["sandbox.runtime"].masker()
    asked = {"event_id": event_id, "user": user, "event_name": event_name, "tenant": tenant}
    asked.update(since=since, until=until, before=before)

    def resolve(ref):
        found = tenants_mod.get_tenant(store, ref)
        return found["id"] if found else None

    try:
        filters = journal_filters.parse({k: v for k, v in asked.items() if v}, resolve)
    except journal_filters.BadFilter as exc:
        raise click.ClickException(str(exc)) from exc
    base = public_url(current_app.config)
    answer = masker.json(
        received_model.received(
            store,
            filters,
            filters.exact.get("tenant_id"),
            lambda rid: f"{base}/_sandbox/journal/{rid}",
        )
    )
    if as_json:
        click.echo(json.dumps(answer, indent=1))
        return
    click.echo(answer["answer"])
    for e in answer["events"]:
        head = " ".join(x for x in (e.get("eventName"), e.get("eventId")) if x) or "(no event id)"
        click.echo(f"  {head}  user={e.get('userId') or '-'}: {e['case']}")
        if e["case"] == "received":
            valid = "valid" if e["valid"] else "invalid: " + "; ".join(e["problems"])
            click.echo(f"    received at {e['receivedAt']} ({valid})  {e['journal']}")
        for r in e.get("refused", []):
            click.echo(f"    {r['status']} {r['reason']} at {r['at']}: {r['hint'] or ''}")
            click.echo(f"      {r['journal']}")
    for kind, found in (answer.get("candidates") or {}).items():
        for c in found:
            click.echo(f"  nearest ({kind}): {json.dumps(c)}")
    if answer.get("more"):
        click.echo(f"  more: older ones with --before {answer['more']['before']}")


@click.command("tail")
@click.option("--tenant", help="Tenant id, name or writeKey.")
@click.option("--user", help="User id.")
@click.option("--status", help="A status (401) or class (4xx).")
@click.option(
    "--kind",
    "kinds",
    default="request,draw,attempt",
    show_default=True,
    help="Comma-separated: request, draw, attempt.",
)
@click.option("--cursor", help="Resume right after this cursor (printed when tail stops).")
@click.option("--backfill", default=20, show_default=True, help="Entries to show first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--once", is_flag=True, help="Print what is there and stop (no following).")
@with_appcontext
def tail_command(tenant, user, status, kinds, cursor, backfill, as_json, once):
    """Stream requests, draws and outgoing attempts as they are recorded (as `stripe logs tail`)."""
    from ..journal import feed
    from ..journal import filters as journal_filters

    store = current_app.extensions["sandbox.store"]
    masker = current_app.extensions["sandbox.runtime"].masker()
    args = {k: v for k, v in (("tenant", tenant), ("user", user), ("status", status)) if v}

    def resolve(ref):
        found = tenants_mod.get_tenant(store, ref)
        return found["id"] if found else None

    def checked():
        try:
            return journal_filters.parse(args, resolve)
        except journal_filters.BadFilter as exc:
            raise click.ClickException(str(exc)) from exc

    wanted = tuple(k.strip() for k in kinds.split(",") if k.strip())
    if cursor:
        try:
            feed.decode(cursor)
        except feed.BadCursor as exc:
            raise click.ClickException(str(exc)) from exc
        items = []
    else:
        items, cursor = feed.backfill(store, backfill, checked(), wanted, masker)

    def show(found):
        for item in found:
            click.echo(json.dumps({**item, "cursor": cursor}) if as_json else _line(item))

    show(items)
    try:
        while True:
            found, cursor, more = feed.read(store, cursor, checked(), wanted, masker)
            show(found)
            if once and not more:
                break
            if not more:
                time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        if not as_json:
            click.echo(f"resume with: python -m sandbox tail --cursor {cursor}", err=True)
