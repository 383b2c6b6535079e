"""`tenants` commands: create, list, show, rotate the writeKey, change settings, viewer tokens."""

from datetime import UTC, datetime
from pathlib import Path

import click

from .common import answer, echo_json, quote_ref, through_sandbox

tenants_group = click.Group("tenants", help="Create, list and show tenants (CustomerGlu clients).")


@tenants_group.command("create")
@click.argument("name")
@click.option(
    "--region",
    type=click.Choice(("in", "us", "me")),
    default="in",
    show_default=True,
    help="CustomerGlu region the partner uses.",
)
@click.option("--timezone", default="UTC", show_default=True, help="IANA timezone.")
@click.option("--reward-webhook", default=None, help="URL that receives reward webhooks.")
@click.option("--nudge-webhook", default=None, help="URL that receives nudge webhooks.")
@click.option("--empty", is_flag=True, help="Start with no campaigns (default: the demo set).")
@through_sandbox
def tenants_create(sb, name, region, timezone, reward_webhook, nudge_webhook, empty, as_json):
    """Create a tenant with fresh secrets; print its id and writeKey."""
    body = {"name": name, "region": region, "timezone": timezone, "empty": empty}
    for key, value in (("rewardWebhookUrl", reward_webhook), ("nudgeWebhookUrl", nudge_webhook)):
        if value:
            body[key] = value
    answer(sb.call("POST", "/tenants", json=body).json(), as_json, _print_created)


def _print_created(t: dict) -> None:
    click.echo(f"Created tenant {t['name']}")
    click.echo(f"  id        {t['id']}")
    click.echo(f"  writeKey  {t['writeKey']}")
    click.echo("  secrets   see `tenants show --reveal " + t["id"] + "`")


@tenants_group.command("list")
@through_sandbox
def tenants_list(sb, as_json):
    """List tenants: id, name, region, writeKey."""
    answer(sb.get("/tenants")["tenants"], as_json, _print_tenants)


def _print_tenants(rows: list[dict]) -> None:
    for t in rows:
        click.echo(f"{t['id']}  {t['region']}  {t['name']:<24}  writeKey={t['writeKey']}")


@tenants_group.command("show")
@click.argument("ref")
@click.option("--reveal", is_flag=True, help="Print the JWT and webhook secrets in full.")
@through_sandbox
def tenants_show(sb, ref, reveal, as_json):
    """Show one tenant (by id, name or writeKey); secrets masked unless --reveal."""
    echo_json(sb.get(f"/tenants/{quote_ref(ref)}", reveal="true" if reveal else None))


@tenants_group.command("rotate-key")
@click.argument("ref")
@through_sandbox
def tenants_rotate_key(sb, ref, as_json):
    """Give a tenant a new writeKey; the old one answers 401 writekey_revoked from now on."""
    t = sb.call("POST", f"/tenants/{quote_ref(ref)}/rotate-key").json()
    answer(t, as_json, f"New writeKey of {t['name']}: {t['writeKey']}")


@tenants_group.command("set")
@click.argument("ref")
@click.option("--reward-webhook", help="URL of reward webhooks ('' clears it).")
@click.option("--nudge-webhook", help="URL of nudge webhooks ('' clears it).")
@click.option("--timezone", help="IANA timezone (the end-of-day retry runs in it).")
@click.option("--tries", type=int, help="Tries in all, the first at once.")
@click.option("--base-seconds", type=float, help="Wait after the first failed try.")
@click.option("--factor", type=float, help="Each wait is this many times the one before.")
@click.option("--jitter", type=float, help="Share of each wait drawn at random (0-0.5).")
@click.option("--end-of-day", help="Local time of the end-of-day retry, HH:MM.")
@click.option("--standard-webhooks/--no-standard-webhooks", default=None)
@click.option("--gpg-key", type=click.Path(exists=True, dir_okay=False), help="Armored key file.")
@through_sandbox
def tenants_set(sb, ref, as_json, **opts):
    """Change a tenant's webhook URLs, timezone, retry schedule, signing or GPG key."""
    body, delivery = {}, {}
    for opt, field in (
        ("reward_webhook", "rewardWebhookUrl"),
        ("nudge_webhook", "nudgeWebhookUrl"),
    ):
        if opts[opt] is not None:
            body[field] = opts[opt] or None
    if opts["timezone"]:
        body["timezone"] = opts["timezone"]
    names = {"tries": "tries", "base_seconds": "baseSeconds", "factor": "factor"}
    names.update(jitter="jitter", end_of_day="endOfDay", standard_webhooks="standardWebhooks")
    for opt, field in names.items():
        if opts[opt] is not None:
            delivery[field] = opts[opt]
    if delivery:
        body["delivery"] = delivery
    if opts["gpg_key"]:
        body["gpgPublicKey"] = Path(opts["gpg_key"]).read_text()
    shown = sb.call("PATCH", f"/tenants/{quote_ref(ref)}", json=body).json()
    for warning in shown.get("warnings") or []:
        click.echo(f"warning: {warning}", err=True)
    echo_json(shown)


@tenants_group.command("viewer-token")
@click.argument("ref")
@click.option(
    "--ttl", default=30.0, show_default=True, help="Days the token opens the tenant's traffic."
)
@click.option("--note", help="What it is for (shown in `viewer-tokens`).")
@through_sandbox
def tenants_viewer_token(sb, ref, ttl, note, as_json):
    """Print a token that opens the inspector and the admin API's reads for one tenant only.

    It expires after --ttl days and can be revoked (`tenants viewer-tokens REF --revoke ID`);
    any process of this sandbox accepts it, whatever admin token it was started with.
    """
    body = {"ttlDays": ttl, **({"note": note} if note else {})}
    made = sb.call("POST", f"/tenants/{quote_ref(ref)}/viewer-tokens", json=body).json()
    if as_json:
        echo_json(made)
        return
    click.echo(made["token"])
    click.echo(
        f"id {made['tokenId']}, expires in {ttl:g} days; inspector: {made['inspector']}", err=True
    )


@tenants_group.command("viewer-tokens")
@click.argument("ref")
@click.option("--revoke", "revoke_id", help="Revoke this token id (it answers 401 from now on).")
@through_sandbox
def tenants_viewer_tokens(sb, ref, revoke_id, as_json):
    """List a tenant's viewer tokens (ids, expiry, last use; never the tokens), or revoke one."""
    rows = sb.get(f"/tenants/{quote_ref(ref)}/viewer-tokens")["viewerTokens"]
    if revoke_id:
        if revoke_id not in {v["tokenId"] for v in rows}:
            raise click.ClickException(f"{ref} has no viewer token {revoke_id!r}")
        done = sb.call("DELETE", f"/viewer-tokens/{revoke_id}").json()
        said = "revoked" if done["revoked"] else "was revoked already"
        answer(done, as_json, f"{revoke_id}: {said}")
        return
    if as_json:
        echo_json({"viewerTokens": rows})
        return
    now = datetime.now(UTC).timestamp()
    for v in rows:
        state = "revoked" if v["revokedAt"] else ("expired" if v["expiresAt"] < now else "live")
        click.echo(
            f"{v['tokenId']}  {state:<8} expires {_when(v['expiresAt'])}  "
            f"last used {_when(v.get('lastUsedAt'))}  {v.get('note') or ''}"
        )


def _when(epoch) -> str:
    if epoch is None:
        return "never"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")


COMMANDS = (tenants_group,)
