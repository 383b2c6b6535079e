"""Helpers shared by the emulated API views: the current call, auth shortcuts, base URL."""

from .. import auth
from ..http.body import json_body, json_type, parse_json
from ..http.current import base_url, call
from ..http.path import Call

__all__ = ["base_url", "bearer_auth", "call", "json_body", "json_type", "ok", "parse_json"]
__all__ += ["write_key_auth"]


def write_key_auth(
    c: Call, places: tuple[str, ...], body: dict | None = None, path_key: str | None = None
) -> dict:
    """Run the writeKey chain for this call; return the tenant (its verdict goes on the call)."""
    rt = c.rt
    tenant, c.chain = auth.require_write_key(
        rt.store, c.sent, places, body, path_key, rt.admin_token
    )
    c.note(tenant_id=tenant["id"])
    return tenant


def bearer_auth(c: Call) -> tuple[dict, dict, dict]:
    """Run the bearer chain for this call; return (tenant, user, claims)."""
    tenant, user, claims, c.chain = auth.require_bearer(c.rt.store, c.sent, c.rt.clock.time())
    c.note(tenant_id=tenant["id"], user_id=user["userId"])
    return tenant, user, claims


def ok(data=None, **extra) -> dict:
    """Return the success envelope the SDKs decode: {"success": true, "data": ...}."""
    body = {"success": True}
    if data is not None:
        body["data"] = data
    body.update(extra)
    return body
