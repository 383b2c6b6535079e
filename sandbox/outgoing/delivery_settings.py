"""A tenant's delivery settings: signing, the retry schedule, timeouts, end of day, GPG key.

Stored as JSON on the tenant (tenants.delivery); what is not set takes the default. The
schedule's defaults end within 30 minutes: tries at 0 s, +60 s, +300 s.
"""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..store import loads

DEFAULTS = {
    "tries": 3,
    "baseSeconds": 60.0,
    "factor": 5.0,
    "jitter": 0.1,
    "maxSeconds": 1800.0,
    "connectTimeout": 5.0,
    "readTimeout": 10.0,
    "standardWebhooks": False,
    "endOfDay": "18:00",
    "gpgPublicKey": None,
    "gpgFingerprint": None,
    "disabled": {},
}
# name -> (type, low, high): what PATCH accepts.
LIMITS = {
    "tries": (int, 1, 10),
    "baseSeconds": (float, 0.0, 86400.0),
    "factor": (float, 1.0, 100.0),
    "jitter": (float, 0.0, 0.5),
    "maxSeconds": (float, 0.0, 7 * 86400.0),
    "connectTimeout": (float, 0.1, 60.0),
    "readTimeout": (float, 0.1, 300.0),
}
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def of(tenant: dict) -> dict:
    """Return the tenant's delivery settings, defaults filled in."""
    return from_stored(loads(tenant.get("delivery"), {}) or {})


def from_stored(stored: dict) -> dict:
    """Return delivery settings as a tenant's `delivery` column holds them, defaults filled in."""
    return {**DEFAULTS, **{k: v for k, v in stored.items() if k in DEFAULTS}}


def zone(tenant: dict) -> ZoneInfo:
    """Return the tenant's timezone (UTC when unknown)."""
    try:
        return ZoneInfo(tenant.get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo("UTC")


def check(patch: dict) -> tuple[dict, list[str]]:
    """Return (the settings a PATCH changes, its problems); unknown keys are problems."""
    out, problems = {}, []
    for key, value in patch.items():
        if key in LIMITS:
            kind, low, high = LIMITS[key]
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            ok = ok and (kind is float or float(value).is_integer()) and low <= value <= high
            if not ok:
                problems.append(f"{key} must be a number from {low:g} to {high:g}")
            else:
                out[key] = kind(value)
        elif key == "standardWebhooks":
            if not isinstance(value, bool):
                problems.append("standardWebhooks must be true or false")
            out[key] = value
        elif key == "endOfDay":
            if not isinstance(value, str) or not _HHMM.fullmatch(value):
                problems.append("endOfDay must be a local time HH:MM, e.g. 18:00")
            out[key] = value
        else:
            problems.append(f"unknown delivery setting {key!r}")
    return out, problems
