"""The conformance kit's kept runs (the conformance_runs table): keep one, read one back, and a
run as JUnit XML for a partner's CI."""

import json
import secrets
from xml.sax.saxutils import escape, quoteattr

from ..masking import mask_url
from ..store import CoreWrite, Store, dumps, loads, marks


def store_run(tenant_id: str, url: str, results: list[dict], at: str) -> tuple[str, CoreWrite]:
    """Return (run id, the write keeping the run with the tenant)."""
    run_id = "cnf_" + secrets.token_hex(8)
    passed = all(r["passed"] for r in results)

    def run(conn):
        conn.execute(
            "INSERT INTO conformance_runs VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, tenant_id, at, url, passed, dumps(results)),
        )
        if passed:
            marks.mark(conn, marks.DOMAIN_TABLE, tenant_id, "kit:passed", at, run_id)

    return run_id, CoreWrite(run)


def junit(tenant_name: str, results: list[dict]) -> str:
    """Return the run as JUnit XML (a partner's CI shows each case)."""
    failures = sum(not r["passed"] for r in results)
    cases = []
    for r in results:
        inner = ""
        if not r["passed"]:
            message = r["note"] or f"expected {r['expected']}"
            detail = escape(json.dumps(r["got"], indent=1))
            inner = f"<failure message={quoteattr(message)}>{detail}</failure>"
        elif r["note"] and r["note"].startswith("skipped"):
            inner = f"<skipped message={quoteattr(r['note'])}/>"
        cases.append(
            f'  <testcase classname="receiver" name={quoteattr(r["case"])}>{inner}</testcase>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<testsuite name={quoteattr('webhook receiver of ' + tenant_name)} "
        f'tests="{len(results)}" failures="{failures}">\n' + "\n".join(cases) + "\n</testsuite>\n"
    )


def get_run(store: Store, run_id: str) -> dict | None:
    """Return a kept run of the kit as the admin API shows it (with its tenant id), or None."""
    return _shown(store.one("SELECT * FROM conformance_runs WHERE run_id = ?", (run_id,)))


def latest(store: Store, tenant_id: str) -> dict | None:
    """Return the tenant's last run of the kit, as get_run shows it, or None."""
    return _shown(
        store.one(
            "SELECT * FROM conformance_runs WHERE tenant_id = ? ORDER BY at DESC LIMIT 1",
            (tenant_id,),
        )
    )


def _shown(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {
        "runId": row["run_id"],
        "tenantId": row["tenant_id"],
        "at": row["at"],
        "url": mask_url(row["url"]),  # as the deliveries show it: no userinfo, no token=
        "passed": bool(row["passed"]),
        "results": loads(row["results"], []),
    }
