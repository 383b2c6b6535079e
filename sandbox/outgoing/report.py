"""The failure report: what is still failing after the end-of-day retry, as JSON and CSV.

Encrypted to the tenant's GPG key when one is set; otherwise kept in clear and every
view says so.
"""

import csv
import io
import json
import secrets

from ..masking import csv_cell
from ..store import CoreWrite, Store, loads
from . import gpg

FIELDS = ("deliveryId", "kind", "rewardId", "userId", "url", "attempts", "lastError", "createdAt")


def rows_of(deliveries: list[dict], urls: dict) -> list[dict]:
    """Return the report's rows for failed delivery rows (urls: kind -> the URL tried)."""
    return [
        {
            "deliveryId": d["delivery_id"],
            "kind": d["kind"],
            "rewardId": d["reward_id"],
            "userId": d["user_id"],
            "url": d["url"] or urls.get(d["kind"]),
            "attempts": d["attempts"],
            "lastError": d["last_error"],
            "createdAt": d["created_at"],
        }
        for d in deliveries
    ]


def as_csv(rows: list[dict]) -> str:
    """Return the rows as CSV with a header."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS)
    writer.writeheader()
    # A user id or an error text may start with "=": a spreadsheet would run it (OWASP).
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


def build(tenant: dict, key: str | None, rows: list[dict], local_date: str, now: str):
    """Return (report id, the write storing it); encrypted to `key` when there is one."""
    report_id = "rpt_" + secrets.token_hex(8)
    body = {"reportId": report_id, "tenant": tenant["name"], "date": local_date, "rows": rows}
    text_json, text_csv = json.dumps(body, indent=2), as_csv(rows)
    recipient = None
    if key:
        recipient = gpg.fingerprint(key)
        text_json, text_csv = gpg.encrypt(key, text_json), gpg.encrypt(key, text_csv)

    def run(conn):
        conn.execute(
            "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report_id,
                tenant["id"],
                now,
                local_date,
                len(rows),
                recipient is not None,
                recipient,
                text_json,
                text_csv,
            ),
        )

    return report_id, CoreWrite(run)


def view(r: dict) -> dict:
    """Return a report's listing entry: how many rows, whether and to whom it is encrypted."""
    return {
        "reportId": r["report_id"],
        "tenantId": r["tenant_id"],
        "createdAt": r["created_at"],
        "date": r["local_date"],
        "rows": r["rows"],
        "encrypted": bool(r["encrypted"]),
        "recipient": r["recipient"],
        "note": None
        if r["encrypted"]
        else "not encrypted: the tenant has no GPG key (PATCH /_sandbox/tenants/<ref> "
        '{"gpgPublicKey": "-----BEGIN PGP PUBLIC KEY BLOCK-----..."})',
    }


def parsed(r: dict) -> list | None:
    """Return a clear report's rows (None when encrypted)."""
    return None if r["encrypted"] else loads(r["json"], {}).get("rows")


def newest(store: Store, tenant_id: str | None = None, limit: int = 500) -> list[dict]:
    """Return the reports (of one tenant), newest first."""
    where, params = ("tenant_id = ?", (tenant_id,)) if tenant_id else ("1", ())
    return store.all(
        f"SELECT * FROM reports WHERE {where} ORDER BY created_at DESC LIMIT ?", (*params, limit)
    )


def get(store: Store, report_id: str) -> dict | None:
    """Return one report as stored, or None."""
    return store.one("SELECT * FROM reports WHERE report_id = ?", (report_id,))
