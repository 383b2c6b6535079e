"""`campaigns` commands: import the partner's input sheet (or only check it), list the odds."""

import functools
from pathlib import Path

import click

from .common import answer, echo_json, quote_ref, refuse_sheet, sheet_kind, through_sandbox

campaigns_group = click.Group(
    "campaigns", help="Import reward campaigns from an input sheet; list them."
)


def print_campaigns(campaigns: list[dict]) -> None:
    """Print each campaign with its variants' chances and coupon stock."""
    for c in campaigns:
        click.echo(f"\n{c['campaignId']}  {c['name']}  ({c['type']})")
        for v in c["variants"]:
            stock = "" if v["couponsLeft"] is None else f"  {v['couponsLeft']} coupon(s) left"
            click.echo(f"  {v['chance']:>8.3f} %  {v['name']}  [{v['rewardType']}]{stock}")
        click.echo(f"  {c['noRewardChance']:>8.3f} %  no reward")


def send_sheet(sb, path: str, sheet_file: str, dry_run: bool) -> dict:
    """Send a sheet to an import route; print its errors and stop if it has any."""
    answer = sb.raw(
        "POST",
        path,
        params={"dryRun": "true"} if dry_run else None,
        data=Path(sheet_file).read_bytes(),
        headers={"Content-Type": sheet_kind(sheet_file)},
    )
    if answer.status == 422:
        refuse_sheet(answer.json().get("errors") or [])
    if answer.status >= 400:
        from .client import explained

        raise click.ClickException(explained(answer))
    return answer.json()


def sheet_import(group: click.Group, resource: str):
    """Declare a group's `import TENANT SHEET_FILE [--dry-run]` command: it sends the sheet to
    /tenants/<ref>/<resource>/import and hands the answer to the decorated `show(done, tenant,
    dry_run)`, unless --json prints it whole."""

    def declare(show):
        @functools.wraps(show)
        def command(sb, tenant, sheet_file, dry_run, as_json):
            route = f"/tenants/{quote_ref(tenant)}/{resource}/import"
            done = send_sheet(sb, route, sheet_file, dry_run)
            if as_json:
                echo_json(done)
            else:
                show(done, tenant, dry_run)

        command = through_sandbox(command)
        command = click.option("--dry-run", is_flag=True, help="Check the sheet; change nothing.")(
            command
        )
        command = click.argument("sheet_file", type=click.Path(exists=True, dir_okay=False))(
            command
        )
        return group.command("import")(click.argument("tenant")(command))

    return declare


@sheet_import(campaigns_group, "campaigns")
def campaigns_import(done, tenant, dry_run):
    """Import the campaigns of an input sheet (.csv or .xlsx) for TENANT."""
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {len(done['campaigns'])} campaign(s) for {tenant}")
    print_campaigns(done["campaigns"])


@campaigns_group.command("list")
@click.argument("tenant")
@through_sandbox
def campaigns_list(sb, tenant, as_json):
    """List TENANT's sheet campaigns: odds, coupon stock, wins so far."""
    answer(sb.get(f"/tenants/{quote_ref(tenant)}/campaigns")["campaigns"], as_json, _print_listing)


def _print_listing(found: list[dict]) -> None:
    if not found:
        click.echo("no sheet campaigns; import one with `campaigns import`")
    print_campaigns(found)


COMMANDS = (campaigns_group,)
