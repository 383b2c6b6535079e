"""What the Authorization header holds, the first half of the bearer chain: a header at all,
the Bearer scheme, then a JWT of the right shape, algorithm, claims and kind (bearer.py goes
on with the client, region, signature, time and user)."""

from ..domain import tenants
from ..masking import mask
from ..store import Store
from . import tokens
from .checks import Chain

REQUIRED_CLAIMS = ("userId", "client", "exp")
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


def check_header(store: Store, chain: Chain, headers) -> str:
    """Check the header is there and says Bearer; return the token it carries (or fail,
    saying what was sent instead: nothing, a key, a token in the wrong header)."""
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
    return token


def check_jwt(store: Store, chain: Chain, token: str) -> dict:
    """Check the token is a user JWT (not a writeKey, whole, HS256, its claims, not a page
    token); return its claims, unverified (the signature is checked later)."""
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
    return claims
