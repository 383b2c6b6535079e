"""Command line: `python -m sandbox ...` or `flask --app app ...` (same commands)."""

import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from ..domain import tenants as tenants_mod
from . import common

tenants_group = AppGroup("tenants", help="Create, list and show tenants (CustomerGlu clients).")
campaigns_group = AppGroup(
    "campaigns", help="Import reward campaigns from an input sheet; list them."
)


@click.command("init")
@with_appcontext
def init_command():
    """Create the data dir, migrate the store, seed the demo tenant; print what is there."""
    from ..server import banner

    click.echo(f"Store ready: schema version {current_app.config['SCHEMA_VERSION']}.")
    click.echo(banner(current_app, "not started: run `python -m sandbox serve`"))


@click.command("serve")
@with_appcontext
def serve_command():
    """Start the production server (gunicorn, gevent workers; werkzeug threaded on Windows)."""
    from ..server import serve

    serve(current_app._get_current_object())


@tenants_group.command("create")
@click.argument("name")
@click.option(
    "--region",
    type=click.Choice(tenants_mod.REGIONS),
    default="in",
    show_default=True,
    help="CustomerGlu region the partner uses.",
)
@click.option("--timezone", default="UTC", show_default=True, help="IANA timezone.")
@click.option("--reward-webhook", default=None, help="URL that receives reward webhooks.")
@click.option("--nudge-webhook", default=None, help="URL that receives nudge webhooks.")
@click.option("--empty", is_flag=True, help="Start with no campaigns (default: the demo set).")
@with_appcontext
def tenants_create(name, region, timezone, reward_webhook, nudge_webhook, empty):
    """Create a tenant with fresh secrets; print its id and writeKey."""
    from pathlib import Path

    data = None if empty else Path(current_app.config["FIXTURES_DIR"]) / "demo"
    try:
        t, write = tenants_mod.create_tenant(
            common.store(),
            common.now(),
            name,
            region,
            timezone,
            reward_webhook_url=reward_webhook,
            nudge_webhook_url=nudge_webhook,
            data_dir=data,
        )
        common.store().write(write)
    except tenants_mod.TenantError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created tenant {t['name']}")
    click.echo(f"  id        {t['id']}")
    click.echo(f"  writeKey  {t['write_key']}")
    click.echo("  secrets   see `tenants show --reveal " + t["id"] + "`")


@tenants_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def tenants_list(as_json):
    """List tenants: id, name, region, writeKey."""

    rows = [tenants_mod.public_view(t) for t in tenants_mod.list_tenants(common.store())]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for t in rows:
        click.echo(f"{t['id']}  {t['region']}  {t['name']:<24}  writeKey={t['writeKey']}")


@tenants_group.command("show")
@click.argument("ref")
@click.option("--reveal", is_flag=True, help="Print the JWT and webhook secrets in full.")
@with_appcontext
def tenants_show(ref, reveal):
    """Show one tenant (by id, name or writeKey); secrets masked unless --reveal."""

    t = tenants_mod.get_tenant(common.store(), ref)
    if t is None:
        raise click.ClickException(f"no tenant {ref!r}; see `tenants list`")
    click.echo(json.dumps(tenants_mod.public_view(t, reveal), indent=2))


@tenants_group.command("rotate-key")
@click.argument("ref")
@with_appcontext
def tenants_rotate_key(ref):
    """Give a tenant a new writeKey; the old one answers 401 writekey_revoked from now on."""
    t = tenants_mod.get_tenant(common.store(), ref)
    if t is None:
        raise click.ClickException(f"no tenant {ref!r}; see `tenants list`")
    new_key, write = tenants_mod.rotate_write_key(t["id"], common.now())
    common.store().write(write)
    click.echo(f"New writeKey of {t['name']}: {new_key}")


@campaigns_group.command("import")
@click.argument("tenant")
@click.argument("sheet_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the sheet; change nothing.")
@with_appcontext
def campaigns_import(tenant, sheet_file, dry_run):
    """Import the campaigns of an input sheet (.csv or .xlsx) for TENANT."""
    from pathlib import Path

    from ..domain.rewards import importer

    t = common.tenant(tenant)
    data = Path(sheet_file).read_bytes()
    kind = sheet_kind(sheet_file)
    pools = Path(current_app.config["FIXTURES_DIR"]) / "pools"
    found, errors = importer.check(common.store(), t["id"], data, kind, pools)
    if errors:
        refuse_sheet(errors)
    if not dry_run:
        common.store().write(importer.import_campaigns(t["id"], found, common.now()))
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {len(found)} campaign(s) for {t['name']}")
    _print_campaigns(importer.view(found))


def refuse_sheet(errors: list[dict]) -> None:
    """Print each error of a sheet (row, column, fix) and stop: nothing was imported."""
    for e in errors:
        where = f"row {e['row']}, {e['column']}" if e["row"] else "sheet"
        click.echo(f"{where}: {e['message']}. {e['hint']}", err=True)
    raise click.ClickException(f"{len(errors)} error(s); nothing imported")


def sheet_kind(name: str) -> str:
    """Return the content type of a sheet file by its name."""
    from ..domain.rewards.sheet import XLSX

    return XLSX if str(name).lower().endswith(".xlsx") else "text/csv"


def _print_campaigns(campaigns: list[dict]) -> None:
    for c in campaigns:
        click.echo(f"\n{c['campaignId']}  {c['name']}  ({c['type']})")
        for v in c["variants"]:
            stock = "" if v["couponsLeft"] is None else f"  {v['couponsLeft']} coupon(s) left"
            click.echo(f"  {v['chance']:>8.3f} %  {v['name']}  [{v['rewardType']}]{stock}")
        click.echo(f"  {c['noRewardChance']:>8.3f} %  no reward")


@campaigns_group.command("list")
@click.argument("tenant")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def campaigns_list(tenant, as_json):
    """List TENANT's sheet campaigns: odds, coupon stock, wins so far."""
    from ..domain.rewards import odds

    found = odds.summary(common.store(), common.tenant(tenant)["id"])
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    if not found:
        click.echo("no sheet campaigns; import one with `campaigns import`")
    _print_campaigns(found)


def _commands() -> tuple:
    from . import onboarding, outgoing, tail, viewers

    tenants_group.add_command(outgoing.tenants_set)
    for command in viewers.COMMANDS:
        tenants_group.add_command(command)
    commands = (
        init_command,
        serve_command,
        tenants_group,
        campaigns_group,
        tail.tail_command,
        tail.received_command,
    )
    return (*commands, *outgoing.COMMANDS, *onboarding.COMMANDS)


def init_app(app: Flask) -> None:
    """Attach the commands to `flask --app app`."""
    for command in _commands():
        app.cli.add_command(command)


def _make_app():
    from .. import create_app

    return create_app()


def main() -> None:
    """Run the command line (`python -m sandbox`)."""
    cli = FlaskGroup(
        create_app=_make_app,
        add_default_commands=True,
        add_version_option=False,
        load_dotenv=False,
        help="CustomerGlu integration sandbox.",
    )
    for command in _commands():
        cli.add_command(command)
    cli.main(prog_name="python -m sandbox")
