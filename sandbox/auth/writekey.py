"""The writeKey chain: present in the right place, clean, known, and of the token's tenant."""

from ..domain import tenants
from ..masking import mask
from ..store import Store
from . import tokens
from .checks import Chain
from .region import check_region
from .sent import Sent

# Where a writeKey may travel, by place name: (label for messages, getter).
HEADER, QUERY, BODY, PATH = "header", "query", "body", "path"
QUERY_NAMES = ("x-api-key", "writeKey", "writekey", "apiKey", "api_key")
PLACE_LABELS = {
    HEADER: "the x-api-key header",
    QUERY: "the x-api-key query parameter",
    BODY: 'the JSON body field "writeKey"',
    PATH: "the URL path",
    "authorization": "the Authorization header",
}
QUOTES = "\"'`"
MIN_DIAGNOSED = 16  # characters a key must have before it is called truncated or mistyped


def _key_at(sent: Sent, place: str, body, path_key: str | None):
    """Return the value sent at one place (None if absent)."""
    if place == HEADER:
        return sent.headers.get("x-api-key")
    if place == QUERY:
        args = sent.args
        return next((args[n] for n in QUERY_NAMES if n in args), None)
    if place == BODY:
        if body is None:
            # Only to say "you sent it in the body": the view parses the body itself.
            body = sent.json()
        value = body.get("writeKey") if isinstance(body, dict) else None
        return value if isinstance(value, str) else None
    if place == PATH:
        return path_key
    auth = sent.headers.get("Authorization", "")
    value = auth.split(" ", 1)[1] if " " in auth else auth
    # A JWT in Authorization is the user token (iOS sends it everywhere), not a misplaced key.
    return value if value and not tokens.looks_like_jwt(value.strip()) else None


# Header names a key is sent under by mistake (lower case, without "-" and "_").
_WRONG_HEADER_NAMES = {"writekey", "apikey", "xwritekey", "xapikey", "key", "xkey"}


def _found_places(sent: Sent, body, path_key: str | None) -> dict:
    """Return every place a writeKey-like value was sent: {label: value} (the slow path)."""
    found = {}
    for place in (HEADER, QUERY, BODY, PATH, "authorization"):
        value = _key_at(sent, place, body, path_key)
        if value is not None:
            found[PLACE_LABELS[place]] = value
    for name, value in sent.headers.items():
        squashed = name.lower().replace("-", "").replace("_", "")
        if squashed in _WRONG_HEADER_NAMES and name.lower() != "x-api-key" and value:
            found[f"a header named {name!r}"] = value
    return found


def _one_edit_apart(a: str, b: str) -> bool:
    """Return True if a and b differ by exactly one substitution, insertion or deletion."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def _likely_tenant(store: Store, key: str, reason: str) -> str | None:
    """Return the tenant a refused key is evidently meant for (a rotated, cut or mistyped
    key), so that the refusal counts in its onboarding; None for a key of nobody."""
    if reason == "writekey_revoked":
        row = tenants.retired_key(store, key)
        return row["tenant_id"] if row else None
    if reason in ("writekey_truncated", "writekey_typo", "writekey_extra_characters"):
        for t in tenants.list_tenants(store):
            real = t["write_key"]
            if real.startswith(key) or _one_edit_apart(key, real) or real in key:
                return t["id"]
    return None


def _diagnose_unknown(store: Store, key: str, admin_token: str) -> tuple[str, str, str]:
    """Explain an unknown key: (reason, message, hint)."""
    retired = tenants.retired_key(store, key)
    if retired:
        return (
            "writekey_revoked",
            f"this writeKey of {retired['name']} was rotated out at {retired['retired_at']}",
            "Use the tenant's current writeKey (python -m sandbox tenants show).",
        )
    if key == admin_token:
        return (
            "writekey_is_admin_token",
            "the sandbox admin token was sent as the writeKey",
            "The admin token opens /_sandbox only; send the tenant's writeKey instead.",
        )
    if tokens.looks_like_jwt(key):
        return (
            "writekey_is_token",
            "a user token (JWT) was sent as the writeKey",
            "Send the token as 'Authorization: Bearer <token>' and the writeKey as x-api-key.",
        )
    for t in tenants.list_tenants(store):
        if key == t["jwt_secret"]:
            return (
                "writekey_is_jwt_secret",
                f"the JWT signing secret of {t['name']} was sent as the writeKey",
                "Never ship the signing secret; send the writeKey (tenants show).",
            )
        if key == t["webhook_secret"]:
            return (
                "writekey_is_webhook_secret",
                f"the webhook secret of {t['name']} was sent as the writeKey",
                "The webhook secret verifies our webhooks; send the writeKey instead.",
            )
    for t in tenants.list_tenants(store):
        real = t["write_key"]
        # Only a key that already holds most of the real one is diagnosed (and its tenant
        # named): a shorter guess learns nothing, or a key could be found a character at a time.
        if len(key) < max(MIN_DIAGNOSED, 0.75 * len(real)):
            continue
        if real.startswith(key):
            return (
                "writekey_truncated",
                f"the writeKey is cut short: {len(key)} of the {len(real)} characters of "
                f"{t['name']}'s key",
                "Copy the whole writeKey; check for a line break or a length limit.",
            )
        if _one_edit_apart(key, real):
            return (
                "writekey_typo",
                f"the writeKey is one character off {t['name']}'s key",
                "Copy the writeKey again from the dashboard or `tenants show`.",
            )
        if real in key and len(key) <= 2 * len(real):
            before, after = key.index(real), len(key) - key.index(real) - len(real)
            return (
                "writekey_extra_characters",
                f"the writeKey is {t['name']}'s key with {before + after} extra character(s) "
                f"around it ({before} before, {after} after)",
                "Send the key's characters only: check the template or concatenation that "
                "builds the header.",
            )
    return (
        "writekey_unknown",
        "no tenant of this sandbox has this writeKey",
        "Check which sandbox you are calling and copy the writeKey from its banner.",
    )


def require_write_key(
    store: Store,
    sent: Sent,
    places: tuple[str, ...],
    body: dict | None = None,
    path_key: str | None = None,
    admin_token: str = "",
) -> tuple[dict, Chain]:
    """Run the writeKey checks over what was sent; return (tenant, chain) or raise the 401.

    Later checks of the same request (the event's user) go on the returned chain.
    """
    chain = Chain("writekey")
    expected_where = " or ".join(PLACE_LABELS[p] for p in places)
    # Fast path: the key is where this endpoint reads it. Only a miss scans elsewhere.
    where, key = next(
        ((p, v) for p in places if (v := _key_at(sent, p, body, path_key)) is not None),
        (None, None),
    )
    if where is None:
        found = _found_places(sent, body, path_key)
        if found:
            place = next(iter(found))
            owner = tenants.by_write_key(store, found[place].strip())
            if owner is not None:  # plainly this tenant's key: the refusal is about it
                chain.tenant_id = owner["id"]
            chain.fail(
                "key_present",
                "writekey_wrong_place",
                f"the writeKey was sent in {place}, not in {expected_where}",
                f"Move the writeKey to {expected_where}.",
                expected_where,
                f"{place}: {mask(found[place])}",
            )
        chain.fail(
            "key_present",
            "writekey_missing",
            f"no writeKey in {expected_where}",
            f"Send your writeKey in {expected_where}.",
            expected_where,
            "nothing",
        )
    tenant = verify_key(store, chain, key, expected_where, PLACE_LABELS[where], admin_token)
    header_key = sent.headers.get("x-api-key")
    if where == PATH and header_key is not None and header_key != key:
        chain.fail(
            "key_consistent",
            "writekey_mismatch",
            "the writeKey in the path differs from the x-api-key header",
            "Send the same writeKey in the path and the header.",
            mask(key),
            mask(header_key),
        )
    # The key is this tenant's: a later check that fails is still about its traffic.
    chain.tenant_id = tenant["id"]
    check_region(chain, tenant, sent.headers.get("Host"))
    check_token_tenant(store, chain, tenant, sent.headers)
    return tenant, chain


def verify_key(
    store: Store, chain: Chain, key, expected_where: str, where_label: str, admin_token: str
) -> dict:
    """Check a key found at `where_label`: clean and a tenant's; return the tenant or fail."""
    chain.passed("key_present", expected_where, where_label)

    if not isinstance(key, str) or key != key.strip():
        chain.fail(
            "key_clean",
            "writekey_whitespace",
            "the writeKey has whitespace around it",
            "Trim spaces and line breaks from the writeKey.",
            "the bare key",
            f"{len(key) - len(key.lstrip())} leading, "
            f"{len(key) - len(key.rstrip())} trailing whitespace; {mask(key.strip())}",
        )
    if len(key) >= 2 and key[0] in QUOTES and key[-1] == key[0]:
        chain.fail(
            "key_clean",
            "writekey_quoted",
            "the writeKey is wrapped in quotes",
            "Remove the quotes: send the key's characters only.",
            "the bare key",
            f"quoted with {key[0]}; inside: {mask(key[1:-1])}",
        )
    chain.passed("key_clean", "no quotes or whitespace", "clean")

    tenant = tenants.by_write_key(store, key)
    if tenant is None:
        reason, message, hint = _diagnose_unknown(store, key, admin_token)
        chain.tenant_id = _likely_tenant(store, key, reason)
        chain.fail(
            "key_known",
            reason,
            message,
            hint,
            "the writeKey of a tenant of this sandbox",
            mask(key),
        )
    chain.passed(
        "key_known",
        "the writeKey of a tenant of this sandbox",
        f"{tenant['name']} ({tenant['id']})",
    )
    return tenant


def check_token_tenant(store: Store, chain: Chain, tenant: dict, headers) -> None:
    """Fail if a bearer token sent alongside belongs to another tenant than the key."""
    token = tokens.sent_token(headers)
    claims = tokens.unverified_claims(token) if token else None
    if not claims or not claims.get("client"):
        chain.skipped("token_tenant", "no user token sent")
        return
    if claims["client"] != tenant["id"]:
        other = tenants.by_id(store, str(claims["client"]))
        other_name = other["name"] if other else "an unknown client"
        chain.fail(
            "token_tenant",
            "tenant_mismatch",
            f"the writeKey is {tenant['name']}'s but the user token is {other_name}'s",
            "Register the user with this tenant's writeKey, or send the other tenant's writeKey.",
            f"a token with client={tenant['id']}",
            f"client={claims['client']} ({other_name})",
        )
    chain.passed("token_tenant", f"client={tenant['id']}", f"client={claims['client']}")
