"""Commands of outgoing requests: deliveries (list, show, resend, retry), trigger, reports."""

import click

from .common import answer, echo_json, emit, quote_ref, through_sandbox

deliveries_group = click.Group(
    "deliveries", help="Outgoing requests: list, show, resend, retry the failed ones."
)
reports_group = click.Group("reports", help="Failure reports of the end-of-day retries.")


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
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@through_sandbox
def deliveries_list(sb, tenant, status, kind, user, limit, as_json):
    """List deliveries, newest first (--status failed: the dead letters)."""
    found = sb.get(
        "/deliveries", tenant=tenant, status=status, kind=kind, user=user, limit=str(limit)
    )
    answer(found, as_json, _print_deliveries)


def _print_deliveries(found: dict) -> None:
    for d in found["deliveries"]:
        click.echo(_line(d))
    click.echo(f"{len(found['deliveries'])} of {found['total']}")


@deliveries_group.command("show")
@click.argument("delivery_id")
@through_sandbox
def deliveries_show(sb, delivery_id, as_json):
    """Show a delivery with every attempt (JSON)."""
    echo_json(sb.get(f"/deliveries/{quote_ref(delivery_id)}"))


@deliveries_group.command("resend")
@click.argument("delivery_id")
@click.option("--to", "to_url", default=None, help="Send this one attempt to another URL.")
@through_sandbox
def deliveries_resend(sb, delivery_id, to_url, as_json):
    """Send a delivery now (a new attempt of the same delivery id)."""
    body = {"url": to_url} if to_url else {}
    d = sb.call("POST", f"/deliveries/{quote_ref(delivery_id)}/resend", json=body).json()
    answer(d, as_json, d["decision"] or d["status"])


@deliveries_group.command("retry-failed")
@click.option("--tenant", help="Only this tenant's.")
@through_sandbox
def deliveries_retry_failed(sb, tenant, as_json):
    """Try every failed request once more, now."""
    done = sb.call(
        "POST", "/deliveries/failed/retry", params={"tenant": tenant} if tenant else None
    )
    answer(done.json(), as_json, _print_retried)


def _print_retried(done: dict) -> None:
    for r in done["results"]:
        click.echo(f"{r['deliveryId']}  {r['decision']}")
    click.echo(f"retried {done['retried']}")


@click.command("trigger")
@click.argument("kind", type=click.Choice(["reward", "nudge"]))
@click.argument("tenant")
@click.option("--user", "user_id", required=True, help="The user the delivery is about.")
@through_sandbox
def trigger_command(sb, kind, tenant, user_id, as_json):
    """Fire a signed reward or nudge webhook with a realistic payload, without playing."""
    d = sb.call(
        "POST", f"/tenants/{quote_ref(tenant)}/trigger", json={"kind": kind, "userId": user_id}
    ).json()
    answer(d, as_json, f"{d['deliveryId']}  {d['decision'] or d['status']}")


@reports_group.command("list")
@click.option("--tenant", help="Only this tenant's.")
@through_sandbox
def reports_list(sb, tenant, as_json):
    """List the failure reports, newest first."""
    answer(sb.get("/reports", tenant=tenant)["reports"], as_json, _print_reports)


def _print_reports(found: list[dict]) -> None:
    for v in found:
        to = f"encrypted to {v['recipient']}" if v["encrypted"] else "NOT encrypted (no GPG key)"
        click.echo(f"{v['reportId']}  {v['date']}  {v['rows']} row(s)  {to}")


@reports_group.command("get")
@click.argument("report_id")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@through_sandbox
def reports_get(sb, report_id, fmt, output, as_json):
    """Print or save a report as stored (a PGP message when encrypted)."""
    text = sb.call("GET", f"/reports/{quote_ref(report_id)}", params={"format": fmt}).text
    emit(text, output)


COMMANDS = (deliveries_group, reports_group, trigger_command)
