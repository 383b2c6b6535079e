"""Commands of outgoing requests: deliveries, trigger, reports, and `tenants set`."""

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ..domain import tenants as tenants_mod
from . import common

deliveries_group = AppGroup(
    "deliveries", help="Outgoing requests: list, show, resend, retry the failed ones."
)
reports_group = AppGroup("reports", help="Failure reports of the end-of-day retries.")


def _engine():
    from ..outgoing.engine import Engine

    ext = current_app.extensions
    return Engine(ext["sandbox.store"], ext["sandbox.clock"], current_app.config["SEED"])


def _line(d: dict) -> str:
    who = d["userId"] or "-"
    return (
        f"{d['deliveryId']}  {d['kind']:<15} {d['status']:<9} tries {d['attempts']}  "
        f"user {who}  {d['decision'] or ''}"
    )


@deliveries_group.command("list")
@click.option("--tenant", help="Tenant id, name or writeKey.")
@click.option("--status", help="queued, retrying, delivered, failed, disabled or held.")
@click.option("--kind", help="reward_webhook, nudge_webhook or coupon_request.")
@click.option("--user", help="User id.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@with_appcontext
def deliveries_list(tenant, status, kind, user, limit, as_json):
    """List deliveries, newest first (--status failed: the dead letters)."""
    from ..outgoing import views

    where = {}
    if tenant:
        where["tenant_id"] = common.tenant(tenant)["id"]
    for col, value in (("status", status), ("kind", kind), ("user_id", user)):
        if value:
            where[col] = value
    found, total = views.search(common.store(), where, max(1, min(limit, 500)))
    found = common.masked(found)
    if as_json:
        click.echo(json.dumps({"deliveries": found, "total": total}, indent=2))
        return
    for d in found:
        click.echo(_line(d))
    click.echo(f"{len(found)} of {total}")


@deliveries_group.command("show")
@click.argument("delivery_id")
@with_appcontext
def deliveries_show(delivery_id):
    """Show a delivery with every attempt (JSON)."""
    from ..outgoing import views

    found = views.get(common.store(), delivery_id)
    if found is None:
        raise click.ClickException(f"no delivery {delivery_id!r}")
    click.echo(json.dumps(common.masked(found), indent=2))


@deliveries_group.command("resend")
@click.argument("delivery_id")
@click.option("--url", default=None, help="Send this one attempt to another URL.")
@with_appcontext
def deliveries_resend(delivery_id, url):
    """Send a delivery now (a new attempt of the same delivery id)."""
    from ..outgoing import configure, views

    if views.row(common.store(), delivery_id) is None:
        raise click.ClickException(f"no delivery {delivery_id!r}")
    problem = configure.url_problem(url)
    if problem:
        raise click.ClickException(f"--url {problem}")
    attempt = _engine().send_now(delivery_id, url=url)
    click.echo(attempt["decision"] if attempt else "being sent right now by the delivery loop")


@deliveries_group.command("retry-failed")
@click.option("--tenant", help="Only this tenant's.")
@with_appcontext
def deliveries_retry_failed(tenant):
    """Try every failed request once more, now."""
    sql, params = "SELECT * FROM outbox WHERE status = 'failed'", ()
    if tenant:
        sql, params = sql + " AND tenant_id = ?", (common.tenant(tenant)["id"],)
    engine = _engine()
    rows = common.store().all(sql + " ORDER BY id", params)
    for row in rows:
        attempt = engine.send_now(row["delivery_id"])
        click.echo(f"{row['delivery_id']}  {attempt['decision'] if attempt else 'in flight'}")
    click.echo(f"retried {len(rows)}")


@click.command("trigger")
@click.argument("kind", type=click.Choice(["reward", "nudge"]))
@click.argument("tenant")
@click.option("--user", "user_id", required=True, help="The user the delivery is about.")
@with_appcontext
def trigger_command(kind, tenant, user_id):
    """Fire a signed reward or nudge webhook with a realistic payload, without playing."""
    from ..outgoing import trigger

    t = common.tenant(tenant)
    clock = current_app.extensions["sandbox.clock"]
    delivery_id = common.store().write(trigger.fire(t, kind, user_id, clock.isoformat()))
    attempt = _engine().send_now(delivery_id, trigger="schedule")
    said = attempt["decision"] if attempt else "sent by the running sandbox's delivery loop"
    click.echo(f"{delivery_id}  {said}")


@reports_group.command("list")
@click.option("--tenant", help="Only this tenant's.")
@with_appcontext
def reports_list(tenant):
    """List the failure reports, newest first."""
    from ..outgoing import report

    sql, params = "SELECT * FROM reports", ()
    if tenant:
        sql, params = sql + " WHERE tenant_id = ?", (common.tenant(tenant)["id"],)
    for r in common.store().all(sql + " ORDER BY created_at DESC LIMIT 500", params):
        v = report.view(r)
        to = f"encrypted to {v['recipient']}" if v["encrypted"] else "NOT encrypted (no GPG key)"
        click.echo(f"{v['reportId']}  {v['date']}  {v['rows']} row(s)  {to}")


@reports_group.command("get")
@click.argument("report_id")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@with_appcontext
def reports_get(report_id, fmt, output):
    """Print or save a report as stored (a PGP message when encrypted)."""
    row = common.store().one("SELECT * FROM reports WHERE report_id = ?", (report_id,))
    if row is None:
        raise click.ClickException(f"no report {report_id!r}")
    if output:
        Path(output).write_text(row[fmt])
        click.echo(f"wrote {output}")
    else:
        click.echo(row[fmt])


@click.command("set")
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
@with_appcontext
def tenants_set(ref, **opts):
    """Change a tenant's webhook URLs, timezone, retry schedule, signing or GPG key."""
    from ..outgoing import configure
    from ..outgoing.configure import settings_view

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
    t = common.tenant(ref)
    changes, problems = configure.check(body)
    if problems:
        raise click.ClickException("; ".join(problems))
    clock = current_app.extensions["sandbox.clock"]
    common.store().write(configure.apply(t["id"], changes, clock.isoformat()))
    shown = settings_view(tenants_mod.get_tenant(common.store(), t["id"]))
    click.echo(json.dumps(shown, indent=2))


nudges_group = AppGroup("nudges", help="Nudge definitions: import a sheet, list them.")


@nudges_group.command("import")
@click.argument("tenant")
@click.argument("sheet_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the sheet; change nothing.")
@with_appcontext
def nudges_import(tenant, sheet_file, dry_run):
    """Import (or only check) a tenant's nudge definitions from a .csv or .xlsx sheet."""
    from ..domain.nudges import definitions
    from . import refuse_sheet, sheet_kind

    t = common.tenant(tenant)
    found, errors = definitions.check(Path(sheet_file).read_bytes(), sheet_kind(sheet_file))
    if errors:
        refuse_sheet(errors)
    if not dry_run:
        clock = current_app.extensions["sandbox.clock"]
        common.store().write(definitions.store_write(t["id"], found, clock.isoformat()))
    verb = "checked" if dry_run else "imported"
    click.echo(f"{verb} {len(found)} nudge(s) for {t['name']}")
    for d in found:
        click.echo(f"  {d['definition_id']:<24} {d['trigger']:<17} {';'.join(d['channels'])}")


@nudges_group.command("list")
@click.argument("tenant")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def nudges_list(tenant, as_json):
    """List a tenant's nudge definitions."""
    from ..domain.nudges import definitions

    found = [
        definitions.view(d)
        for d in definitions.of_tenant(common.store(), common.tenant(tenant)["id"])
    ]
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for d in found:
        when = d["triggerEvent"] or d["campaignId"] or "any campaign"
        click.echo(
            f"{d['nudgeId']:<24} {d['trigger']:<17} {when:<20} {','.join(d['channels']):<18} "
            f"delay {d['delaySeconds']:g} s  {d['content']['title']}"
        )


COMMANDS = (deliveries_group, reports_group, trigger_command, nudges_group)
