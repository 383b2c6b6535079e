"""Attribution: whose request this evidently is (tenant, user, event), and how far to trust it.

Read only from what the request itself says, never guessed across tenants:
- `verified`: its credential passed (the tenant, and the user of a valid token or of the
  event the tenant's valid key sent);
- `claimed`: read from a credential that failed (an expired or mis-signed token's claims,
  a writeKey the checks diagnosed as a near miss of one tenant's) or from the body of a
  refused request (`user_id`, `userId`, `event_id`, `event_name`);
- `unknown`: nothing says.
Support's "did dave's event arrive?" needs the refused requests found by user and event.
"""

import re

from ..auth import tokens
from ..domain import tenants

# What a refused body is read for: the fields events and registrations carry.
_BODY_FIELDS = {"user": ("user_id", "userId"), "event": ("event_id",), "name": ("event_name",)}
_READ_BODY_MAX = 65_536  # a refused body larger than this is not parsed for a claim


def _text(value) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool):
        text = str(value).strip()[:200]
        try:
            text.encode("utf-8")  # a lone surrogate is no character: the store cannot keep it
        except UnicodeEncodeError:
            return None
        return text or None
    return None


# In a body that is not JSON (a missing brace, a trailing comma), a field still reads plainly.
_PLAIN_FIELD = re.compile(rb'"(user_id|userId|event_id|event_name)"\s*:\s*"([^"\\]{1,200})"')


def _from_body(call) -> dict:
    if len(call.body) > _READ_BODY_MAX:
        return {}
    data = call.sent.json()  # any content type: a text/plain event still says whose it is
    if data is None:
        data = {
            m.group(1).decode(): m.group(2).decode("utf-8", "replace")
            for m in _PLAIN_FIELD.finditer(call.body)
        }
    if not isinstance(data, dict):
        return {}
    found = {}
    for field, names in _BODY_FIELDS.items():
        for name in names:
            value = _text(data.get(name))
            if value:
                found[field] = value
                break
    return found


def attribute(call) -> None:
    """Fill the entry's tenant, user, event id and name where the request says them, and
    `attribution`: how far each is to be trusted ("tenant:verified user:claimed ...")."""
    entry = call.entry
    passed = entry.get("auth_result") != "fail"
    trust = "verified" if passed else "claimed"
    said: dict[str, str] = {}
    if entry.get("tenant_id"):
        said["tenant"] = trust
    if entry.get("user_id"):
        said["user"] = trust
    if entry.get("event_id"):
        said["event"] = trust
    if not passed or entry.get("status", 200) >= 400:
        _claims(call, entry, said)
    entry["attribution"] = " ".join(f"{k}:{v}" for k, v in said.items()) or None


def _claims(call, entry: dict, said: dict) -> None:
    """Add what a refused request claims: its token's claims, then its body's fields."""
    # Straight from the environ: this runs on every refusal (an explained 401's own cost).
    environ = call.environ
    auth = environ.get("HTTP_AUTHORIZATION") or environ.get("HTTP_X_GLU_AUTH") or ""
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    if not token and "token=" in environ.get("QUERY_STRING", ""):
        token = call.sent.args.get("token", "")
    claims = tokens.unverified_claims(token) if token else None
    if claims:
        client = _text(claims.get("client"))
        if not entry.get("tenant_id") and client and tenants.by_id(call.rt.store, client):
            entry["tenant_id"], said["tenant"] = client, "claimed"
        user = _text(claims.get("userId"))
        if not entry.get("user_id") and user:
            entry["user_id"], said["user"] = user, "claimed"
    body = _from_body(call) if call.body else {}
    for field, column, key in (
        ("user", "user_id", "user"),
        ("event", "event_id", "event"),
        ("name", "event_name", None),
    ):
        if not entry.get(column) and body.get(field):
            entry[column] = body[field]
            if key:
                said[key] = "claimed"
