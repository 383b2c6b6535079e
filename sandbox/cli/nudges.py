"""`nudges` commands: import a tenant's nudge definitions from a sheet, list them."""

import click

from .campaigns import sheet_import
from .common import answer, quote_ref, through_sandbox

nudges_group = click.Group("nudges", help="Nudge definitions: import a sheet, list them.")


@sheet_import(nudges_group, "nudges")
def nudges_import(done, tenant, dry_run):
    """Import (or only check) a tenant's nudge definitions from a .csv or .xlsx sheet."""
    verb = "checked" if dry_run else "imported"
    click.echo(f"{verb} {len(done['nudges'])} nudge(s) for {tenant}")
    for d in done["nudges"]:
        click.echo(f"  {d['nudgeId']:<24} {d['trigger']:<17} {';'.join(d['channels'])}")


@nudges_group.command("list")
@click.argument("tenant")
@through_sandbox
def nudges_list(sb, tenant, as_json):
    """List a tenant's nudge definitions."""
    answer(sb.get(f"/tenants/{quote_ref(tenant)}/nudges/definitions")["nudges"], as_json, _print)


def _print(found: list[dict]) -> None:
    for d in found:
        when = d["triggerEvent"] or d["campaignId"] or "any campaign"
        click.echo(
            f"{d['nudgeId']:<24} {d['trigger']:<17} {when:<20} {','.join(d['channels']):<18} "
            f"delay {d['delaySeconds']:g} s  {d['content']['title']}"
        )


COMMANDS = (nudges_group,)
