"""Commands of onboarding: the conformance kit (JUnit for a partner's CI), the readiness report,
and secrets exchanged under GPG (never printed in clear without --show)."""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import common

secrets_group = AppGroup("secrets", help="Exchange a tenant's secrets under GPG, never in clear.")


@click.command("conformance")
@click.argument("tenant")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), help="Write JUnit XML.")
@click.option("--url", help="Test this URL instead of the tenant's reward webhook URL.")
@with_appcontext
def conformance_command(tenant, junit_path, url):
    """Run the receiver conformance kit; exit 1 if the receiver fails a case."""
    from ..onboarding import conformance

    t = common.tenant(tenant)
    target = url or t.get("reward_webhook_url")
    if not target:
        raise click.ClickException(
            f"{t['name']} has no reward webhook URL: `tenants set {t['name']!r} "
            "--reward-webhook URL`, or pass --url"
        )
    clock = current_app.extensions["sandbox.clock"]
    results = conformance.run(t, target, clock.time())
    _run_id, write = conformance.store_run(t["id"], target, results, clock.isoformat())
    common.store().write(write)
    for r in results:
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
        Path(junit_path).write_text(conformance.junit(t["name"], results))
        click.echo(f"wrote {junit_path}")
    if not all(r["passed"] for r in results):
        sys.exit(1)


@click.command("readiness")
@click.argument("tenant")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "html"]), default="md")
@click.option(
    "--encrypt-to",
    type=click.Path(exists=True, dir_okay=False),
    help="Encrypt the report to this armored public key.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@with_appcontext
def readiness_command(tenant, fmt, encrypt_to, output):
    """Print or save the tenant's readiness report."""
    from ..onboarding import readiness
    from ..outgoing import gpg

    t = common.tenant(tenant)
    clock = current_app.extensions["sandbox.clock"]
    report = readiness.build(common.store(), t, clock.time(), clock.isoformat())
    if fmt == "md":
        text = readiness.markdown(report)
    elif fmt == "json":
        text = json.dumps(report, indent=1, default=str)
    else:
        text = current_app.jinja_env.get_template("inspector/readiness.html").render(r=report)
    if encrypt_to:
        text = gpg.encrypt(Path(encrypt_to).read_text(), text)
    if output:
        Path(output).write_text(text)
        click.echo(f"wrote {output}")
    else:
        click.echo(text)


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
@with_appcontext
def secrets_export(tenant, key_file, output):
    """Export the writeKey and webhook secrets encrypted to the partner's key."""
    from ..outgoing import gpg, signing

    t = common.tenant(tenant)
    payload = {
        "tenant": t["name"],
        "tenantId": t["id"],
        "writeKey": t["write_key"],
        "webhookSecret": t["webhook_secret"],
        "standardWebhooksSecret": signing.standard_secret(t["webhook_secret"]),
    }
    try:
        text = gpg.encrypt(Path(key_file).read_text(), json.dumps(payload, indent=1))
    except gpg.GpgError as exc:
        raise click.ClickException(str(exc)) from exc
    if output:
        Path(output).write_text(text)
        click.echo(f"wrote {output} (encrypted to {gpg.fingerprint(Path(key_file).read_text())})")
    else:
        click.echo(text)


@secrets_group.command("import")
@click.argument("tenant")
@click.argument("message_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--show", is_flag=True, help="Print the decrypted secret in clear.")
@with_appcontext
def secrets_import(tenant, message_file, show):
    """Set the tenant's webhook secret from a message encrypted to the sandbox's key.

    The message is JSON {"webhookSecret": "..."}, or the secret alone.
    """
    from ..domain import tenants
    from ..masking import mask
    from ..outgoing import gpg

    t = common.tenant(tenant)
    try:
        text = gpg.decrypt_own(common.store().data_dir, Path(message_file).read_bytes()).strip()
    except gpg.GpgError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        secret = json.loads(text).get("webhookSecret")
    except (ValueError, AttributeError):
        secret = text
    if (
        not isinstance(secret, str)
        or not 16 <= len(secret) <= 200
        or any(c.isspace() for c in secret)
    ):
        raise click.ClickException("the message holds no webhook secret of 16-200 characters")
    common.store().write(tenants.set_webhook_secret(t["id"], secret))
    shown = secret if show else mask(secret)
    click.echo(f"{t['name']}'s webhook secret is now {shown}")


@secrets_group.command("public-key")
@with_appcontext
def secrets_public_key():
    """Print the sandbox's own public key (made on first use): encrypt secrets to it."""
    from ..outgoing import gpg

    fingerprint, armored = gpg.own_public_key(common.store().data_dir)
    click.echo(armored)
    click.echo(f"fingerprint {fingerprint}", err=True)


COMMANDS = (conformance_command, readiness_command, secrets_group)
