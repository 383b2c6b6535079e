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
        tail = f" {item['reason']}" if item.get("reason") else ""
        coloured = click.style(str(status), fg=colour)
        who = item["user"] or "-"
        return f"{when} {tag} {coloured} {what}  user={who}{tail}  [{item['id']}]"
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
    from ..inspector import feed
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
