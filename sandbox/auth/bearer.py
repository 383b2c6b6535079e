"""The bearer chain: header, scheme, JWT shape, HS256, claims, client, signature, time, user."""

from datetime import UTC, datetime

from ..domain import tenants, users
from ..masking import mask
from ..store import Store
from . import tokens
from .checks import Chain
from .region import check_region
from .sent import Sent

REQUIRED_CLAIMS = ("userId", "client", "exp")
# Clock skew tolerated on iat/nbf: a phone a little ahead of the server is normal.
LEEWAY_SECONDS = 60
# The part of a damaged token that is wrong -> its reason code and hint (else token_malformed).
SHAPE_REASONS = {"quoting": "token_quoted", "scheme": "bearer_doubled"}
SHAPE_HINTS = {
    "quoting": "Send the token without quotes: 'Authorization: Bearer eyJ...'.",
    "scheme": "Send the scheme word once: 'Authorization: Bearer <token>'.",
    "signature": "Copy the whole token: its signature was cut (a length limit, a line break?).",
}
REGISTER_HINT = (
    "Register first (POST /user/v1/user/sdk?token=true) and send "
    "'Authorization: Bearer <data.token>'."
)


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
    auth = headers.get("Authorization")
    source = "Authorization"
    if not auth and headers.get("X-GLU-AUTH"):
        auth, source = headers["X-GLU-AUTH"], "X-GLU-AUTH"
    if not auth or not auth.strip():
        got, message, hint = "nothing", "no Authorization header", REGISTER_HINT
        key = headers.get("x-api-key") or ""
        if key:
            got = "only an x-api-key header"
            if tokens.looks_like_jwt(key.strip()):
                got = "a user token (JWT) in the x-api-key header"
                message = "no Authorization header; the x-api-key header holds a user token"
                hint = "Send the token as 'Authorization: Bearer <token>', not as x-api-key."
                claimed = tokens.unverified_claims(key.strip()) or {}
                if tenants.by_id(store, str(claimed.get("client"))):
                    chain.tenant_id = str(claimed.get("client"))
            elif (owner := tenants.by_write_key(store, key.strip())) is not None:
                # Plainly the tenant's own key, in the place of the user's token: the
                # refusal counts for that tenant (onboarding, "did you receive it?").
                chain.tenant_id = owner["id"]
                got = f"{owner['name']}'s writeKey in the x-api-key header"
                message = (
                    "no Authorization header; your writeKey was sent where the user's token goes"
                )
                hint = (
                    "This route reads the user's token: register the user (POST "
                    "/user/v1/user/sdk?token=true) and send 'Authorization: Bearer <data.token>'."
                )
        chain.fail(
            "authorization_present",
            "bearer_missing",
            message,
            hint,
            "Authorization: Bearer <token>",
            got,
        )
    chain.passed("authorization_present", "Authorization: Bearer <token>", f"{source} header")

    scheme, _, token = auth.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer":
        # A scheme is a short word; anything else (a token or key sent bare) is masked.
        shown = scheme if scheme.isalpha() and len(scheme) <= 16 else mask(scheme)
        if tokens.looks_like_jwt(auth.strip()):
            chain.fail(
                "scheme",
                "bearer_prefix_missing",
                "the token was sent without the 'Bearer ' prefix",
                "Send 'Authorization: Bearer <token>'.",
                "Bearer <token>",
                f"{mask(auth.strip())} (no scheme)",
            )
        chain.fail(
            "scheme",
            "bearer_wrong_scheme",
            f"the scheme is {shown!r}, not Bearer",
            "Send 'Authorization: Bearer <token>'.",
            "Bearer",
            shown,
        )
    chain.passed("scheme", "Bearer", scheme)

    if tenants.by_write_key(store, token):
        chain.fail(
            "jwt_format",
            "bearer_is_writekey",
            "the writeKey was sent as the bearer token",
            REGISTER_HINT,
            "a JWT from the registration response",
            mask(token),
        )
    problem = tokens.shape_problem(token) if token else ("token", "no token after 'Bearer'")
    if problem is not None:
        part, what = problem
        chain.fail(
            "jwt_format",
            SHAPE_REASONS.get(part, "token_malformed"),
            f"the bearer token is not a JWT as sent: {what}",
            SHAPE_HINTS.get(part, REGISTER_HINT),
            "header.payload.signature: three base64url segments, a JSON header and payload",
            f"{part}: {mask(token)}",
        )
    header, claims = tokens.split_header(token), tokens.unverified_claims(token)
    chain.passed("jwt_format", "header.payload.signature", "a JWT")

    alg = header.get("alg")
    if alg != tokens.ALGORITHM:
        chain.fail(
            "algorithm",
            "token_alg_not_allowed",
            f"the token's algorithm is {alg!r}; only HS256 is accepted",
            "Use the token from the registration response; never 'none' or RS*/ES*.",
            "alg HS256",
            f"alg {alg!r}",
        )
    chain.passed("algorithm", "alg HS256", alg)

    missing = [c for c in REQUIRED_CLAIMS if claims.get(c) in (None, "")]
    if missing:
        chain.fail(
            "claims",
            "token_claims_missing",
            f"the token lacks the claim(s) {', '.join(missing)}",
            REGISTER_HINT,
            ", ".join(REQUIRED_CLAIMS),
            f"claims present: {', '.join(sorted(claims))}",
        )
    chain.passed("claims", ", ".join(REQUIRED_CLAIMS), "present")
    if claims.get("typ") == tokens.PAGE:
        chain.fail(
            "token_kind",
            "token_is_page_token",
            "this is a page token (from a wallet, game or nudge URL): it opens the "
            "sandbox's pages for an hour, not the API",
            REGISTER_HINT,
            "the user token from the registration response",
            f"a page token {mask(token)}",
        )
    chain.passed("token_kind", "a user token", "a user token")

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
