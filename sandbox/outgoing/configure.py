"""Changing a tenant's delivery configuration: webhook URLs, timezone, schedule, signing, GPG key.

Setting a webhook URL again re-enables an endpoint a 410 disabled, and sends what was
held for want of it.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..domain import outbox, tenants
from ..store import CachedWrite
from . import delivery_settings, gpg, outbox_rows, schedule

URL_FIELDS = {"rewardWebhookUrl": "reward_webhook", "nudgeWebhookUrl": "nudge_webhook"}
FIELDS = (*URL_FIELDS, "timezone", "delivery", "gpgPublicKey")


def url_problem(value) -> str | None:
    """Return what is wrong with a target URL (None: an http(s) URL, or null)."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 2000:
        return "must be an http(s) URL of at most 2,000 characters, or null"
    if not value.lower().startswith(("http://", "https://")) or " " in value:
        return f"{value[:80]!r} is not an http(s) URL"
    return None


def check(body: dict) -> tuple[dict, list[str]]:
    """Return (the changes a PATCH asks for, its problems); every problem at once."""
    changes, problems = {}, []
    for key in body:
        if key not in FIELDS:
            problems.append(f"unknown field {key!r} (known: {', '.join(FIELDS)})")
    for key in URL_FIELDS:
        if key in body:
            problem = url_problem(body[key])
            if problem:
                problems.append(f"{key} {problem}")
            changes[key] = body[key]
    if "timezone" in body:
        try:
            ZoneInfo(str(body["timezone"]))
            changes["timezone"] = str(body["timezone"])
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long
            problems.append(f"timezone {str(body['timezone'])[:60]!r} is not an IANA zone")
    if "delivery" in body:
        if not isinstance(body["delivery"], dict):
            problems.append("delivery must be an object of settings")
        else:
            found, wrong = delivery_settings.check(body["delivery"])
            changes["delivery"], problems = found, problems + wrong
    if "gpgPublicKey" in body:
        key = body["gpgPublicKey"]
        if key is not None and (not isinstance(key, str) or len(key) > 100_000):
            problems.append("gpgPublicKey must be an armored public key (text) or null")
        elif key is not None:
            try:
                changes["gpgFingerprint"] = gpg.fingerprint(key)
            except gpg.GpgError as exc:
                problems.append(f"gpgPublicKey: {exc}")
        changes["gpgPublicKey"] = key
    return changes, problems


def apply(tenant_id: str, changes: dict, now: str) -> CachedWrite:
    """Return the write that applies checked changes, re-enables and releases held requests."""

    def run(conn):
        stored = tenants.stored_delivery(conn, tenant_id)
        stored.update(changes.get("delivery", {}))
        if "gpgPublicKey" in changes:
            stored["gpgPublicKey"] = changes["gpgPublicKey"]
            stored["gpgFingerprint"] = changes.get("gpgFingerprint")
        disabled = stored.get("disabled") or {}
        for field, kind in URL_FIELDS.items():
            if field not in changes:
                continue
            tenants.update(conn, tenant_id, **{outbox.URL_COLUMNS[kind]: changes[field]})
            disabled.pop(kind, None)
            if changes[field]:
                outbox_rows.release_held(conn, tenant_id, kind, f"released: {field} set", now)
        stored["disabled"] = disabled
        if "timezone" in changes:
            tenants.update(conn, tenant_id, timezone=changes["timezone"])
        tenants.update(conn, tenant_id, delivery=stored)

    return CachedWrite(run)


def view(tenant: dict) -> dict:
    """Return a tenant's delivery configuration for display (the GPG key by fingerprint)."""
    s = delivery_settings.of(tenant)
    shown = {k: v for k, v in s.items() if k != "gpgPublicKey"}
    return {
        **shown,
        "schedule": schedule.describe(s),
        "reportsEncrypted": bool(s["gpgPublicKey"]),
    }


def settings_view(tenant: dict) -> dict:
    """Return a tenant with its delivery configuration (secrets masked)."""
    return {**tenants.public_view(tenant), "delivery": view(tenant)}
