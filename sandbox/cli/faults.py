"""`faults` commands: a tenant's fault plan on the emulated API (show, set from a file, clear)."""

import json
from pathlib import Path

import click

from .common import answer, echo_json, quote_ref, through_sandbox

faults_group = click.Group(
    "faults", help="Faults on the emulated API (429, 5xx, latency, resets) for a tenant."
)


WHEN = ("probability", "skip", "count", "from", "until")


def _print(plan: dict, as_json: bool = False) -> None:
    if as_json:
        echo_json(plan)
        return
    for rule in plan["rules"]:
        when = [f"{k}={rule[k]}" for k in WHEN if k in rule]
        if "rateLimit" in rule:
            when.append(
                f"{rule['rateLimit']['requests']}/{rule['rateLimit'].get('perSeconds', 1)}s"
            )
        what = [f"{k}={rule[k]}" for k in ("status", "retryAfter", "latencyMs") if k in rule]
        what += [k for k in ("reset", "truncate") if rule.get(k)]
        click.echo(
            f"{rule['id']:<16} {rule.get('method', '*'):<6} {rule.get('route', '*'):<24} "
            f"{' '.join(what):<28} {' '.join(when) or 'always'}  applied {rule['applied']}x"
        )


@faults_group.command("show")
@click.argument("tenant")
@through_sandbox
def faults_show(sb, tenant, as_json):
    """Print TENANT's fault plan and how often each rule applied."""
    _print(sb.get(f"/tenants/{quote_ref(tenant)}/faults"), as_json)


@faults_group.command("set")
@click.argument("tenant")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False))
@through_sandbox
def faults_set(sb, tenant, plan_file, as_json):
    """Install the plan in PLAN_FILE (JSON: {"seed", "rules": [...]}) for TENANT."""
    try:
        plan = json.loads(Path(plan_file).read_text())
    except ValueError as exc:
        raise click.ClickException(f"{plan_file} is not JSON: {exc}") from None
    _print(sb.call("PUT", f"/tenants/{quote_ref(tenant)}/faults", json=plan).json(), as_json)


@faults_group.command("clear")
@click.argument("tenant")
@through_sandbox
def faults_clear(sb, tenant, as_json):
    """Remove TENANT's fault plan."""
    done = sb.call("DELETE", f"/tenants/{quote_ref(tenant)}/faults").json()
    answer(done, as_json, "removed" if done["removed"] else "there was no plan")


COMMANDS = (faults_group,)
