"""A journal entry as a cURL command, and for a rejected request the corrected one: the same
request with the fix its explanation names (the header renamed, the key trimmed or replaced,
the scheme word added, a fresh token), so that it answers 200."""

import base64
import difflib
import json
import shlex
from urllib.parse import parse_qsl

from ..auth import tokens
from ..domain import tenants, users
from ..masking import Masker
from ..store import Store

SKIPPED = ("host", "content-length", "connection", "transfer-encoding", "accept-encoding")
KEY_HEADER = "x-api-key"
# Header names careless clients use for the writeKey.
KEY_LOOKALIKES = (
    "x-api-key",
    "api-key",
    "apikey",
    "x-apikey",
    "x-api_key",
    "x-write-key",
    "writekey",
)


def command(entry: dict, base_url: str, masker: Masker | None) -> str:
    """Return the cURL command of an entry; credentials masked unless `masker` is None."""
    url = base_url.rstrip("/") + (masker.path(entry["path"]) if masker else entry["path"])
    query = entry["query"] or ""
    if query:
        url += "?" + (masker.query(query) if masker else query)
    parts = ["curl", "-X", entry["method"], shlex.quote(url)]
    for name, value in entry["headers"].items():
        if name.lower() in SKIPPED:
            continue
        shown = masker.header(name, value) if masker else value
        parts += ["-H", shlex.quote(f"{name}: {shown}")]
    body = entry["body"]
    if body:
        try:
            text = body.decode()
        except UnicodeDecodeError:
            text = None
        if text is not None and (masker is None or not masker.finds(text)):
            parts += ["--data-binary", shlex.quote(text)]
        elif text is not None:
            parts += ["--data-binary", shlex.quote(masker.text(text))]
        else:  # bytes that are not text: exactly these bytes, through base64
            encoded = base64.b64encode(body).decode()
            return f"printf %s {shlex.quote(encoded)} | base64 -d | " + " ".join(
                parts + ["--data-binary", "@-"]
            )
    return " ".join(parts)


def _key_tenant(store: Store, sent: str) -> dict | None:
    """Return the tenant a damaged writeKey most likely belongs to (trimmed, unquoted, revoked,
    or the closest key)."""
    cleaned = sent.strip().strip("\"'`").strip()
    found = tenants.by_write_key(store, cleaned)
    if found:
        return found
    retired = tenants.retired_key(store, cleaned)
    if retired:
        return tenants.by_id(store, retired["tenant_id"])
    keys = {t["write_key"]: t for t in tenants.list_tenants(store)}
    close = difflib.get_close_matches(cleaned, list(keys), n=1, cutoff=0.6)
    return keys[close[0]] if close else None


def corrected(entry: dict, store: Store, now: float) -> tuple[dict | None, str]:
    """Return (the entry with its fix applied, what was fixed) or (None, why there is no fix)."""
    reason = entry["auth_reason"] or ""
    if entry["auth_result"] != "fail":
        return None, "the request passed its checks: nothing to correct"
    headers = dict(entry["headers"])
    lower = {k.lower(): k for k in headers}
    if reason.startswith("writekey_"):
        sent_name = next((lower[n] for n in KEY_LOOKALIKES if n in lower), None)
        sent = headers.pop(sent_name) if sent_name else ""
        query_key = _query_key(entry["query"] or "")
        tenant = tenants.by_id(store, entry["tenant_id"]) if entry["tenant_id"] else None
        tenant = tenant or _key_tenant(store, sent or query_key or _body_key(entry))
        if tenant is None and len(tenants.list_tenants(store)) == 1:
            tenant = tenants.list_tenants(store)[0]
        if tenant is None:
            return None, f"{reason}: the key matches no tenant closely enough to guess which"
        headers[KEY_HEADER] = tenant["write_key"]
        fix = f"{reason}: sent {tenant['name']}'s writeKey as the {KEY_HEADER} header"
        if sent_name and sent_name.lower() != KEY_HEADER:
            fix += f" (the {sent_name} header renamed)"
        return {**entry, "headers": headers}, fix
    if reason.startswith(("bearer_", "token_")) or reason in ("user_not_found", "tenant_mismatch"):
        claims = tokens.unverified_claims(tokens.sent_token(headers) or _bare(headers)) or {}
        tenant = tenants.by_id(store, str(claims.get("client") or entry["tenant_id"] or ""))
        user_id = claims.get("userId") or entry["user_id"]
        user = users.get_user(store, tenant["id"], str(user_id)) if tenant and user_id else None
        if user is None:
            return None, f"{reason}: register the user first; there is no token to give"
        for name in ("authorization", "x-glu-auth"):
            if name in lower:
                headers.pop(lower[name])
        headers["Authorization"] = f"Bearer {tokens.issue(tenant, user, now)}"
        if reason == "tenant_mismatch" and KEY_HEADER in lower:
            headers[lower[KEY_HEADER]] = tenant["write_key"]
        return {**entry, "headers": headers}, (
            f"{reason}: sent 'Authorization: Bearer <a fresh token of {user['userId']}>' "
            "(what registering again gives)"
        )
    return None, f"no automatic fix for {reason or 'this failure'}; its hint says what to change"


def _bare(headers: dict) -> str:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    parts = value.strip().strip("\"'").split()
    return parts[-1].strip("\"'") if parts else ""


def _query_key(query: str) -> str:
    for k, v in parse_qsl(query):
        if k.lower() in ("x-api-key", "writekey", "apikey"):
            return v
    return ""


def _body_key(entry: dict) -> str:
    try:
        body = json.loads(entry["body"] or b"{}")
    except (ValueError, RecursionError):
        return ""
    value = body.get("writeKey") if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""
