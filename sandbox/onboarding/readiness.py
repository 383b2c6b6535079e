"""The readiness report: the checklist, the conformance kit's last run, the failed deliveries and
the open problems of a tenant, as JSON, Markdown or an HTML page."""

from ..outgoing import delivery_settings, outbox_rows
from ..store import Store
from . import checklist, runs


def build(store: Store, tenant: dict, now: float, at: str) -> dict:
    """Return the report's content."""
    steps = checklist.of(store, tenant, delivery_settings.zone(tenant), now)
    run = runs.latest(store, tenant["id"])
    failed = outbox_rows.dead_letters(store, tenant["id"])
    # Refusals by reason, from the marks kept as they happened (never a journal scan).
    refusals = sorted(
        (
            (mark["count"], key.split(":", 1)[1], mark["last"])
            for key, mark in store.marks(tenant["id"]).items()
            if key.startswith("refused:")
        ),
        reverse=True,
    )[:20]
    problems = [f"{n} request(s) refused: {reason} (last {last})" for n, reason, last in refusals]
    problems += [f"dead letter {d['delivery_id']} ({d['kind']}): {d['last_error']}" for d in failed]
    if run is not None:
        problems += [
            f"conformance: {r['case']} failed ({r['note'] or 'expected ' + r['expected']})"
            for r in run["results"]
            if not r["passed"]
        ]
    return {
        "tenant": tenant["name"],
        "tenantId": tenant["id"],
        "generatedAt": at,
        "ready": steps["ready"],
        "checklist": steps,
        "conformance": None
        if run is None
        else {k: run[k] for k in ("runId", "at", "url", "passed", "results")},
        "failedDeliveries": failed,
        "openProblems": problems,
    }


def markdown(report: dict) -> str:
    """Return the report as Markdown."""
    c = report["checklist"]
    lines = [
        f"# Readiness report: {report['tenant']}",
        "",
        f"Generated {report['generatedAt']}. **{'Ready' if report['ready'] else 'Not ready yet'}**"
        f"; {c['businessDays'] or 0} business day(s) since the first request "
        f"(target {c['targetBusinessDays']}).",
        "",
    ]
    for step in c["steps"]:
        lines.append(f"## Step {step['step']}: {step['name']} {'(done)' if step['done'] else ''}")
        lines.append("")
        lines.append("| item | done | first seen | last seen | next |")
        lines.append("|---|---|---|---|---|")
        for i in step["items"]:
            lines.append(
                f"| {i['what']} | {'yes' if i['done'] else 'no'} | {i['firstSeen'] or ''} | "
                f"{i['lastSeen'] or ''} | {(i['next'] or '').replace('|', '/')} |"
            )
        lines.append("")
    kit = report["conformance"]
    lines.append("## Receiver conformance kit")
    lines.append("")
    if kit is None:
        lines.append("Not run yet: POST /_sandbox/tenants/<ref>/conformance.")
    else:
        lines.append(
            f"Run {kit['runId']} at {kit['at']} against {kit['url']}: "
            f"{'passed' if kit['passed'] else 'FAILED'}."
        )
        lines.append("")
        lines.append("| case | expected | passed | note |")
        lines.append("|---|---|---|---|")
        for r in kit["results"]:
            lines.append(
                f"| {r['case']} | {r['expected']} | {'yes' if r['passed'] else 'no'} | "
                f"{r['note'] or ''} |"
            )
    lines += ["", "## Open problems", ""]
    lines += [f"- {p}" for p in report["openProblems"]] or ["None."]
    return "\n".join(lines) + "\n"
