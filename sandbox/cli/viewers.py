"""Tenant viewer tokens from the command line: make one (with an expiry), list them, revoke one."""

import json
import time
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from ..config import public_url
from ..domain import viewer_tokens
from ..server import discovery
from . import common


@click.command("viewer-token")
@click.argument("ref")
@click.option(
    "--ttl", default=30.0, show_default=True, help="Days the token opens the tenant's traffic."
)
@click.option("--note", help="What it is for (shown in `viewer-tokens`).")
@click.option("--json", "as_json", is_flag=True, help="The token, its id and expiry as JSON.")
@with_appcontext
def tenants_viewer_token(ref, ttl, note, as_json):
    """Print a token that opens the inspector and the admin API's reads for one tenant only.

    It expires after --ttl days and can be revoked (`tenants viewer-tokens REF --revoke ID`);
    any process of this sandbox accepts it, whatever admin token it was started with.
    """
    if not 0 < ttl <= viewer_tokens.MAX_TTL_DAYS:
        raise click.ClickException(
            f"--ttl must be above 0 and at most {viewer_tokens.MAX_TTL_DAYS:g}"
        )
    t = common.tenant(ref)
    made, write = viewer_tokens.issue(common.store(), t["id"], time.time(), ttl, note)
    common.store().write(write)
    inspector = f"{_server_url()}/_sandbox/inspector?token={made['token']}"
    if as_json:
        click.echo(json.dumps({**made, "inspector": inspector}))
        return
    click.echo(made["token"])
    click.echo(f"id {made['tokenId']}, expires in {ttl:g} days; inspector: {inspector}", err=True)


@click.command("viewer-tokens")
@click.argument("ref")
@click.option("--revoke", "revoke_id", help="Revoke this token id (it answers 401 from now on).")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@with_appcontext
def tenants_viewer_tokens(ref, revoke_id, as_json):
    """List a tenant's viewer tokens (ids, expiry, last use; never the tokens), or revoke one."""
    t = common.tenant(ref)
    if revoke_id:
        listed = {v["tokenId"] for v in viewer_tokens.listed(common.store(), t["id"])}
        if revoke_id not in listed:
            raise click.ClickException(f"{t['name']} has no viewer token {revoke_id!r}")
        revoked = common.store().write(viewer_tokens.revoke(revoke_id, time.time()))
        click.echo(
            json.dumps({"tokenId": revoke_id, "revoked": revoked})
            if as_json
            else f"{revoke_id}: {'revoked' if revoked else 'was revoked already'}"
        )
        return
    rows = viewer_tokens.listed(common.store(), t["id"])
    if as_json:
        click.echo(json.dumps({"viewerTokens": rows}))
        return
    for v in rows:
        state = (
            "revoked" if v["revokedAt"] else ("expired" if v["expiresAt"] < time.time() else "live")
        )
        click.echo(
            f"{v['tokenId']}  {state:<8} expires {_when(v['expiresAt'])}  "
            f"last used {_when(v['lastUsedAt'])}  {v['note'] or ''}"
        )


def _when(epoch) -> str:
    if epoch is None:
        return "never"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")


def _server_url() -> str:
    """Return the URL the running server announced for this data dir, else the configured one."""
    found = discovery.read(current_app.config["DATA_DIR"])
    return found["url"] if found else public_url(current_app.config)


COMMANDS = (tenants_viewer_token, tenants_viewer_tokens)
