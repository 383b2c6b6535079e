"""Commands of onboarding: the conformance kit (JUnit for a partner's CI), the readiness report,
and secrets exchanged under GPG (never printed in clear)."""

import sys
from pathlib import Path

import click

from .common import answer, echo_json, emit, quote_ref, through_sandbox

secrets_group = click.Group(
    "secrets", help="Exchange a tenant's secrets under GPG, never in clear."
)


@click.command("conformance")
@click.argument("tenant")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), help="Write JUnit XML.")
@click.option("--receiver", help="Test this URL instead of the tenant's reward webhook URL.")
@through_sandbox
def conformance_command(sb, tenant, junit_path, receiver, as_json):
    """Run the receiver conformance kit; exit 1 if the receiver fails a case."""
    path = f"/tenants/{quote_ref(tenant)}/conformance"
    body = {"url": receiver} if receiver else {}
    run = sb.call("POST", path, json=body).json()
    if as_json:
        echo_json(run)
    else:
        for r in run["results"]:
            skipped = (r["note"] or "").startswith("skipped")
            mark = (
                click.style("skip", fg="yellow")
                if skipped
                else click.style("pass", fg="green")
                if r["passed"]
                else click.style("FAIL", fg="red")
            )
            click.echo(f"{mark}  {r['case']:<22} expected {r['expected']}  {r['note'] or ''}")
    if junit_path:
        # The kept run as JUnit: the same results, no second run against the receiver.
        xml = sb.call("GET", f"/conformance/{run['runId']}", params={"format": "junit"}).text
        Path(junit_path).write_text(xml)
        click.echo(f"wrote {junit_path}", err=as_json)
    if not run["passed"]:
        sys.exit(1)


@click.command("onboarding")
@click.argument("tenant")
@through_sandbox
def onboarding_command(sb, tenant, as_json):
    """Print the onboarding checklist: the four steps, each lit by the tenant's real traffic."""
    answer(sb.get(f"/tenants/{quote_ref(tenant)}/onboarding"), as_json, _print_checklist)


def _print_checklist(found: dict) -> None:
    for step in found["steps"]:
        mark = click.style("done", fg="green") if step["done"] else click.style("todo", fg="yellow")
        click.echo(f"{mark}  {step['step']}. {step['name']}")
        for item in step.get("items") or []:
            if item["done"]:
                click.echo(f"      [x] {item['what']} (last {item['lastSeen']})")
            else:
                click.echo(f"      [ ] {item['what']}: {item['next']}")
    click.echo("ready" if found["ready"] else "not ready yet")


@click.command("readiness")
@click.argument("tenant")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "html"]), default="md")
@click.option(
    "--encrypt", is_flag=True, help="Encrypt the report to the tenant's GPG key (tenants set)."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@through_sandbox
def readiness_command(sb, tenant, fmt, encrypt, output, as_json):
    """Print or save the tenant's readiness report (--json: the JSON report)."""
    params = {"format": "json" if as_json else fmt, **({"encrypt": "true"} if encrypt else {})}
    text = sb.call("GET", f"/tenants/{quote_ref(tenant)}/readiness", params=params).text
    emit(text, output)


@secrets_group.command("export")
@click.argument("tenant")
@click.option(
    "--to",
    "key_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The partner's armored public key.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@through_sandbox
def secrets_export(sb, tenant, key_file, output, as_json):
    """Export the writeKey and webhook secrets encrypted to the partner's key."""
    text = sb.call(
        "POST",
        f"/tenants/{quote_ref(tenant)}/secrets/export",
        data=Path(key_file).read_bytes(),
        headers={"Content-Type": "text/plain"},
    ).text
    emit(text, output, f" (encrypted to the key in {key_file})")


@secrets_group.command("import")
@click.argument("tenant")
@click.argument("message_file", type=click.Path(exists=True, dir_okay=False))
@through_sandbox
def secrets_import(sb, tenant, message_file, as_json):
    """Set the tenant's webhook secret from a message encrypted to the sandbox's key.

    The message is JSON {"webhookSecret": "..."}, or the secret alone.
    """
    done = sb.call(
        "POST",
        f"/tenants/{quote_ref(tenant)}/secrets/import",
        data=Path(message_file).read_bytes(),
        headers={"Content-Type": "application/octet-stream"},
    ).json()
    if as_json:
        echo_json(done)
        return
    click.echo(f"{done['tenant']}'s webhook secret is now {done['webhookSecret']}")


@secrets_group.command("public-key")
@through_sandbox
def secrets_public_key(sb, as_json):
    """Print the sandbox's own public key (made on first use): encrypt secrets to it."""
    answer = sb.call("GET", "/gpg/public-key")
    fingerprint = answer.headers.get("X-GPG-Fingerprint", "")
    if as_json:
        echo_json({"fingerprint": fingerprint, "publicKey": answer.text})
        return
    click.echo(answer.text)
    click.echo(f"fingerprint {fingerprint}", err=True)


COMMANDS = (onboarding_command, conformance_command, readiness_command, secrets_group)
