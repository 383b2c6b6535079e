"""What every admin route module shares: who may see what (the caller's tenant scope), the tenant
and entry lookups that answer the surface's 404, query checks, and this process's engine."""

import os

from flask import current_app, g, request

from ..domain import tenants
from ..errors import ApiError
from ..http.current import runtime
from ..journal import filters as journal_filters
from ..journal import search as journal
from ..numbers import whole
from ..outgoing import delivery_settings
from ..outgoing.engine import Engine


def scope() -> str | None:
    """Return the tenant a viewer is limited to (None for the admin: every tenant)."""
    principal = g.get("principal")
    return principal.tenant_id if principal is not None else None


def in_scope(tenant_id: str | None) -> bool:
    """Return True if the caller may see rows of this tenant."""
    limit = scope()
    return limit is None or tenant_id == limit


def tenant_or_404(ref: str) -> dict:
    """Return the tenant with this id, name or writeKey, or raise the admin surface's 404.

    A viewer asking for another tenant gets the same 404 (no tenant's existence leaks).
    """
    t = tenants.get_tenant(runtime().store, ref)
    if t is None or not in_scope(t["id"]):
        raise ApiError(
            404,
            f"No tenant {ref!r}",
            "tenant_not_found",
            "List tenants with GET /_sandbox/tenants.",
        )
    return t


def not_found(what: str, ref: str, reason: str, hint: str) -> ApiError:
    """Return the admin surface's 404 for a missing (or out-of-scope) row."""
    return ApiError(404, f"No {what} {ref!r}", reason, hint)


def raw_entry_or_404(request_id: str) -> dict:
    """Return a journal entry as stored (bytes as they arrived), or raise the 404."""
    entry = journal.raw_entry(runtime().store, request_id)
    if entry is None or not in_scope(entry["tenant_id"]):
        raise not_found(
            "journal entry",
            request_id,
            "journal_entry_not_found",
            "Search with GET /_sandbox/journal.",
        )
    return entry


def invalid_sheet(errors: list[dict]) -> ApiError:
    """Return the 422 of a sheet with errors (reward or nudge sheet): nothing was imported."""
    return ApiError(
        422,
        f"The sheet has {len(errors)} error(s); nothing was imported",
        "invalid_sheet",
        "Fix each row and column named in errors[] and send the sheet again.",
        errors=errors,
    )


def checked_filters(args):
    """Return the journal filters of a query; a viewer's are limited to its tenant."""

    limit = scope()

    def tenant_id(ref: str) -> str | None:
        # A viewer is told the same for another tenant's name or key as for an unknown one:
        # the answer must not say which tenants exist.
        found = tenants.get_tenant(runtime().store, ref)
        if found is None or (limit is not None and found["id"] != limit):
            return None
        return found["id"]

    try:
        filters = journal_filters.parse(args, tenant_id)
    except journal_filters.BadFilter as exc:
        raise ApiError(exc.status, str(exc), exc.reason) from exc
    if limit is not None:
        asked = filters.exact.get("tenant_id")
        # Another tenant's filter finds nothing, as if it had no traffic.
        filters.exact["tenant_id"] = limit if asked in (None, limit) else "\x00none"
    return filters


def whole_number(key: str, default: int, low: int, high: int, hint: str | None = None) -> int:
    """Return a query's whole number in [low, high], or raise a 400 that names the range."""
    value = whole(request.args.get(key, str(default)), high)
    if value is None or value < low:
        raise ApiError(
            400, f"{key} must be a whole number from {low} to {high:,}", f"bad_{key}", hint
        )
    return value


def asked_format(*allowed: str) -> str:
    """Return ?format= (the first of `allowed` when absent), or raise the 400 that lists them."""
    fmt = request.args.get("format") or allowed[0]
    if fmt not in allowed:
        said = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
        raise ApiError(400, f"format must be {said}", "bad_format")
    return fmt


def gpg_key_or_409(tenant: dict) -> str:
    """Return the tenant's GPG public key, or raise the 409 that says how to set one."""
    key = delivery_settings.of(tenant)["gpgPublicKey"]
    if not key:
        raise ApiError(
            409,
            f"{tenant['name']} has no GPG key",
            "no_gpg_key",
            'PATCH /_sandbox/tenants/<ref> {"gpgPublicKey": "..."} first.',
        )
    return key


def reveal() -> bool:
    """Credentials in clear: asked for (?reveal=true), and only the admin may ask."""
    raw = request.args.get("reveal", "").lower()
    if raw not in ("", "true", "false"):
        raise ApiError(400, "reveal must be true or false", "bad_reveal")
    asked = raw == "true"
    if asked and scope() is not None:
        raise ApiError(403, "A tenant viewer never sees credentials in clear", "viewer_not_allowed")
    return asked


def engine() -> Engine:
    """Return this process's engine (made after the fork: a session and pool of its own)."""
    found = current_app.extensions.get("sandbox.engine")
    if found is None or found.pid != os.getpid():
        rt = runtime()
        found = Engine(rt.store, rt.clock, rt.config["SEED"])
        current_app.extensions["sandbox.engine"] = found
    return found


def need_test_mode(what: str, otherwise: str) -> None:
    """Refuse (409 not_test_mode) what only a sandbox in test mode does on demand."""
    if not runtime().clock.virtual:
        raise ApiError(
            409,
            f"{what} needs test mode",
            "not_test_mode",
            f"Start the sandbox with SANDBOX_TEST_MODE=1, or {otherwise}.",
        )
