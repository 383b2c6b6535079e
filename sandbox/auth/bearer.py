"""The bearer chain: the header and the JWT (bearer_token.py), then client, region, signature,
time and user."""

from datetime import UTC, datetime

from ..domain import tenants, users
from ..masking import mask
from ..store import Store
from . import tokens
from .bearer_token import REGISTER_HINT, check_header, check_jwt
from .checks import Chain
from .region import check_region
from .sent import Sent

# Clock skew tolerated on iat/nbf: a phone a little ahead of the server is normal.
LEEWAY_SECONDS = 60


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def check_signature(store: Store, chain: Chain, token: str, tenant: dict) -> None:
    if tokens.signature_valid(token, tenant["jwt_secret"]):
        chain.passed("signature", f"HS256 with {tenant['name']}'s signing secret", "valid")
        return
    expected = f"HS256 with {tenant['name']}'s signing secret"
    for other in tenants.list_tenants(store):
        if other["id"] != tenant["id"] and tokens.signature_valid(token, other["jwt_secret"]):
            chain.fail(
                "signature",
                "token_signed_by_other_client",
                f"the token claims client {tenant['name']} but is signed with "
                f"{other['name']}'s secret",
                "Use the token this tenant issued at "
                "registration; do not copy tokens between tenants.",
                expected,
                f"signed with {other['name']}'s secret",
            )
    if tokens.signature_valid(token, tenant["write_key"]):
        chain.fail(
            "signature",
            "token_signed_with_writekey",
            "the token is signed with the writeKey instead of the client's secret",
            "Do not mint tokens yourself: use the token from the registration response.",
            expected,
            "signed with the writeKey",
        )
    chain.fail(
        "signature",
        "token_bad_signature",
        "the token's signature does not verify",
        "The token was altered or minted elsewhere; register again for a fresh one.",
        expected,
        f"signature {mask(token.rsplit('.', 1)[-1])}",
    )


def check_client(store: Store, chain: Chain, claims: dict, hint: str) -> dict:
    """Check that the token's `client` claim names a tenant of this sandbox; return the tenant."""
    tenant = tenants.by_id(store, str(claims["client"]))
    if tenant is None:
        chain.fail(
            "client_known",
            "token_unknown_client",
            f"the token's client {claims['client']} is not a tenant of this sandbox",
            hint,
            "a tenant id of this sandbox",
            str(claims["client"]),
        )
    chain.passed("client_known", "a tenant id of this sandbox", tenant["name"])
    chain.tenant_id = tenant["id"]
    return tenant


def check_time(chain: Chain, claims: dict, now: float) -> None:
    exp = claims["exp"]
    if not isinstance(exp, int | float):
        chain.fail(
            "not_expired",
            "token_claims_missing",
            "the exp claim is not a number",
            REGISTER_HINT,
            "exp as seconds since the epoch",
            repr(exp),
        )
    if now >= exp:
        chain.fail(
            "not_expired",
            "token_expired",
            f"the token expired at {_iso(exp)}; server time is {_iso(now)} "
            f"({int(now - exp)} s ago)",
            "Register again for a fresh token (the SDKs do this on a 401).",
            f"exp after server time {_iso(now)}",
            f"exp {_iso(exp)} ({int(exp)}), {int(now - exp)} s in the past",
        )
    chain.passed("not_expired", f"exp after {_iso(now)}", f"exp {_iso(exp)}")
    for claim in ("nbf", "iat"):
        value = claims.get(claim)
        if isinstance(value, int | float) and value > now + LEEWAY_SECONDS:
            chain.fail(
                "not_before",
                "token_not_yet_valid",
                f"the token's {claim} {_iso(value)} is {int(value - now)} s ahead of "
                f"server time {_iso(now)}",
                "Check the clock of the machine that minted the token.",
                f"{claim} at or before {_iso(now + LEEWAY_SECONDS)} "
                f"(skew allowed: {LEEWAY_SECONDS} s)",
                f"{claim} {_iso(value)}",
            )
    chain.passed("not_before", "iat/nbf not in the future", "ok")


def require_bearer(store: Store, sent: Sent, now: float) -> tuple[dict, dict, dict, Chain]:
    """Run the bearer checks over what was sent; return (tenant, user, claims, chain) or raise."""
    chain = Chain("bearer")
    headers = sent.headers
    token = check_header(store, chain, headers)
    claims = check_jwt(store, chain, token)
    tenant = check_client(
        store,
        chain,
        claims,
        "The token comes from another sandbox or from CustomerGlu itself; register "
        "against this sandbox.",
    )
    check_region(chain, tenant, headers.get("Host"))
    check_signature(store, chain, token, tenant)
    check_time(chain, claims, now)

    key = headers.get("x-api-key")
    key_tenant = tenants.by_write_key(store, key) if key else None
    if key_tenant is not None and key_tenant["id"] != tenant["id"]:
        chain.fail(
            "token_tenant",
            "tenant_mismatch",
            f"the user token is {tenant['name']}'s but the writeKey is {key_tenant['name']}'s",
            "Send one tenant's writeKey and token together.",
            f"x-api-key of {tenant['name']}",
            f"x-api-key of {key_tenant['name']}",
        )

    user = users.get_user(store, tenant["id"], str(claims["userId"]))
    if user is None:
        chain.fail(
            "user_exists",
            "user_not_found",
            f"user {claims['userId']!r} is not registered with {tenant['name']} "
            "(was the sandbox data reset?)",
            REGISTER_HINT,
            "a registered user",
            str(claims["userId"]),
        )
    chain.passed("user_exists", "a registered user", str(claims["userId"]))
    return tenant, user, claims, chain


def check_event_user(chain: Chain, tenant: dict, event_user_id, headers) -> None:
    """Fail if a valid user token came with an event about another user."""
    claims = tokens.claims_signed_by(tokens.sent_token(headers), tenant["jwt_secret"])
    if claims is None:
        chain.skipped("event_user", "no valid user token sent with the event")
        return
    allowed = {str(claims.get("userId")), str(claims.get("anonymousId"))}
    if event_user_id is not None and str(event_user_id) not in allowed:
        chain.fail(
            "event_user",
            "event_user_mismatch",
            f"the event is about user {event_user_id!r} but the token was issued for user "
            f"{claims.get('userId')!r}",
            "Send events with the user_id the token was issued for, or drop the token.",
            f"user_id {claims.get('userId')!r}",
            f"user_id {event_user_id!r}",
        )
    chain.passed("event_user", f"user_id {claims.get('userId')!r}", f"user_id {event_user_id!r}")
