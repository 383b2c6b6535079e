"""The page chain: who opens a game, program, wallet or nudge page, from its URL's query.

The SDK opens the URLs the API handed out (`?token=` a page token, or a user token as
the real service's URLs carry); the web docs' direct links carry `?writekey=&userId=`,
and the SDK's nudge-by-id link `?writeKey=&userId=`. Each failure is explained as the
API's 401s are.
"""

from ..domain import tenants, users
from ..masking import mask
from ..store import Store
from . import tokens
from .bearer import check_client, check_signature, check_time
from .checks import Chain

PAGE_HINT = (
    "Open the URL the API handed out (a campaign's url or the wallet's defaultUrl from "
    "GET /reward/v1.1/user); page tokens last an hour, so load campaigns again for a fresh one."
)


def require_page(store: Store, args, now: float) -> tuple[dict, dict, Chain]:
    """Run the page checks over a page URL's query; return (tenant, user, chain) or raise."""
    chain = Chain("page")
    token = (args.get("token") or "").strip()
    if token:
        tenant, user_id = _by_token(store, chain, token, now)
    else:
        tenant, user_id = _by_write_key(store, chain, args)
    user = users.get_user(store, tenant["id"], user_id)
    if user is None:
        chain.fail(
            "user_exists",
            "user_not_found",
            f"user {user_id!r} is not registered with {tenant['name']}",
            "Register the user first (POST /user/v1/user/sdk?token=true).",
            "a registered user",
            user_id,
        )
    chain.passed("user_exists", "a registered user", user_id)
    return tenant, user, chain


def _by_token(store: Store, chain: Chain, token: str, now: float) -> tuple[dict, str]:
    chain.passed("credentials_present", "token, or writekey and userId", "token")
    problem = tokens.shape_problem(token)
    if problem is not None:
        part, what = problem
        chain.fail(
            "jwt_format",
            "token_malformed",
            f"the page's token is not a JWT as sent: {what}",
            PAGE_HINT + " Copy the whole URL: a cut token fails here.",
            "header.payload.signature",
            f"{part}: {mask(token)}",
        )
    header, claims = tokens.split_header(token), tokens.unverified_claims(token)
    if header.get("alg") != tokens.ALGORITHM:
        chain.fail(
            "algorithm",
            "token_alg_not_allowed",
            f"the token's algorithm is {header.get('alg')!r}; only HS256 is accepted",
            PAGE_HINT,
            "alg HS256",
            f"alg {header.get('alg')!r}",
        )
    chain.passed("jwt_format", "an HS256 JWT", "a JWT")
    missing = [c for c in ("userId", "client", "exp") if claims.get(c) in (None, "")]
    if missing:
        chain.fail(
            "claims",
            "token_claims_missing",
            f"the token lacks the claim(s) {', '.join(missing)}",
            PAGE_HINT,
            "userId, client, exp",
            f"claims present: {', '.join(sorted(claims))}",
        )
    kind = "a page token" if claims.get("typ") == tokens.PAGE else "a user token"
    chain.passed("claims", "userId, client, exp", kind)
    tenant = check_client(store, chain, claims, PAGE_HINT)
    check_signature(store, chain, token, tenant)
    check_time(chain, claims, now)
    return tenant, str(claims["userId"])


def _by_write_key(store: Store, chain: Chain, args) -> tuple[dict, str]:
    key = (args.get("writekey") or args.get("writeKey") or "").strip()
    user_id = (args.get("userId") or "").strip()
    if not key or not user_id:
        sent = [k for k in ("writekey", "userId") if args.get(k) or args.get(k.replace("k", "K"))]
        chain.fail(
            "credentials_present",
            "page_credentials_missing",
            "the page URL carries no token, nor a writekey and a userId",
            PAGE_HINT,
            "?token=<page token>, or ?writekey=<writeKey>&userId=<user>",
            f"query keys: {', '.join(sent) or 'none of them'}",
        )
    chain.passed("credentials_present", "token, or writekey and userId", "writekey and userId")
    tenant = tenants.by_write_key(store, key)
    if tenant is None:
        chain.fail(
            "writekey_known",
            "writekey_unknown",
            "the writekey in the URL is no tenant's writeKey",
            "Copy the writeKey from the sandbox banner or `python -m sandbox tenants list`.",
            "a tenant's writeKey",
            mask(key),
        )
    chain.passed("writekey_known", "a tenant's writeKey", tenant["name"])
    return tenant, user_id
