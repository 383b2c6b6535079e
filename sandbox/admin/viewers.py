"""Tenant viewer tokens on the admin surface: make one, list a tenant's, revoke one (admin only)."""

import time

from ..domain import viewer_tokens
from ..errors import ApiError
from ..http.body import request_json_body
from ..http.current import runtime
from ..openapi.declare import declare_admin, param
from . import bp
from .common import tenant_or_404

REF = [param("ref", "path", True)]


@bp.post("/tenants/<ref>/viewer-tokens")
@declare_admin(
    "Make a viewer token: one tenant's traffic, read-only, for ttlDays (30 by default)",
    "ViewerToken",
    errors=(400, 401, 404),
    body="ViewerTokenAsk",
    body_required=False,
    example={"ttlDays": 7, "note": "for the partner's QA"},
    params=REF,
)
def make_viewer_token(ref):
    """Return a new viewer token of the tenant (shown once: the sandbox keeps only its id)."""
    tenant = tenant_or_404(ref)
    body = request_json_body(types={"ttlDays": "number", "note": "string"})
    ttl = body.get("ttlDays", viewer_tokens.DEFAULT_TTL_DAYS)
    if not 0 < ttl <= viewer_tokens.MAX_TTL_DAYS:
        raise ApiError(
            400,
            f"ttlDays must be above 0 and at most {viewer_tokens.MAX_TTL_DAYS:g}",
            "bad_ttl",
            "Ask for a shorter lifetime; make a new token when it expires.",
        )
    note = body.get("note")
    if note is not None and len(note) > 200:
        raise ApiError(400, "note must be at most 200 characters", "bad_note")
    made, write = viewer_tokens.issue(
        runtime().store, tenant["id"], time.time(), float(ttl), note or None
    )
    runtime().store.write(write)
    base = runtime().public_url()
    return {**made, "inspector": f"{base}/_sandbox/inspector?token={made['token']}"}


@bp.get("/tenants/<ref>/viewer-tokens")
@declare_admin(
    "A tenant's viewer tokens (ids, expiry, revocation; never the tokens)",
    "ViewerTokens",
    errors=(401, 404),
    params=REF,
)
def list_viewer_tokens(ref):
    """List the tenant's viewer tokens, newest first."""
    listed = viewer_tokens.listed(runtime().store, tenant_or_404(ref)["id"])
    masker = runtime().masker()
    for token in listed:  # a path may carry a secret (an entry point's writeKey)
        for use in token["recentUses"]:
            use["path"] = masker.path(use["path"])
    return {"viewerTokens": listed}


@bp.delete("/viewer-tokens/<token_id>")
@declare_admin(
    "Revoke a viewer token: it answers 401 viewer_token_revoked from now on",
    "Revoked",
    errors=(401, 404),
    params=[param("token_id", "path", True)],
    expect=(200, 404),
)
def revoke_viewer_token(token_id):
    """Revoke one viewer token by its id."""
    if not viewer_tokens.exists(runtime().store, token_id):
        raise ApiError(
            404,
            f"No viewer token {token_id!r}",
            "viewer_token_not_found",
            "List them with GET /_sandbox/tenants/<ref>/viewer-tokens.",
        )
    revoked = runtime().store.write(viewer_tokens.revoke(token_id, time.time()))
    return {"tokenId": token_id, "revoked": bool(revoked)}
