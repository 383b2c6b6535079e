"""`client-checks` commands: grade how the partner's client reacts to 429s, 5xx and 401s."""

from pathlib import Path

import click

from .common import answer, quote_ref, through_sandbox

client_checks_group = click.Group(
    "client-checks",
    help="The client kit: fault the event routes, grade the client's retries from the journal.",
)


def _print(graded: dict) -> None:
    click.echo(f"run {graded['runId']}: {graded['requests']} request(s) since it started")
    for r in graded["results"]:
        click.echo(f"  {r['result']:<9} {r['check']:<18} {r['title']}")
        for note in r["notes"]:
            click.echo(f"            {note}")
    click.echo("passed" if graded["passed"] else "FAILED")


@client_checks_group.command("start")
@click.argument("tenant")
@through_sandbox
def client_checks_start(sb, tenant, as_json):
    """Start a run on TENANT: its event routes answer 503, 429, 502 and more for a while; then
    run your client's normal flow and read the grading with `client-checks show TENANT`."""
    graded = sb.call("POST", f"/tenants/{quote_ref(tenant)}/client-checks").json()
    said = f"started {graded['runId']}: send events now, then `client-checks show {tenant}`"
    answer(graded, as_json, said)


@client_checks_group.command("show")
@click.argument("tenant")
@click.option("--run", "run_id", help="A run's id (default: the tenant's latest run).")
@click.option("--junit", "junit_file", type=click.Path(dir_okay=False), help="Write JUnit XML.")
@through_sandbox
def client_checks_show(sb, tenant, run_id, junit_file, as_json):
    """Grade TENANT's latest run (or --run RUN_ID) now; exit 1 if a check failed."""
    if run_id is None:
        latest = sb.get(f"/tenants/{quote_ref(tenant)}/client-checks")["latest"]
        if latest is None:
            raise click.ClickException(
                f"no client kit run on {tenant} yet: `client-checks start {tenant}` first"
            )
        run_id = latest["runId"]
    graded = sb.get(f"/client-checks/{quote_ref(run_id)}")
    if junit_file:
        xml = sb.call("GET", f"/client-checks/{quote_ref(run_id)}", params={"format": "junit"})
        Path(junit_file).write_bytes(xml.body)
    answer(graded, as_json, _print)
    if not graded["passed"]:
        raise SystemExit(1)


COMMANDS = (client_checks_group,)
