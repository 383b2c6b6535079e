"""Tenant viewer tokens: an id, an expiry and a revocation each; signed with the data dir's key.

A viewer token opens one tenant's traffic on the admin surface (the inspector, the journal,
exports). It is `vwr_<id>.<mac>`: the id names its row here (tenant, expiry, revoked), the
mac is an HMAC of the id under a key kept in `<data dir>/viewer_key` (mode 600), so any
process of the sandbox (the server, the CLI) makes tokens the others accept, whatever admin
token each was started with. This module owns the `viewer_tokens` table.
"""

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from ..store import CoreWrite, Store

PREFIX = "vwr_"
KEY_FILE = "viewer_key"
DEFAULT_TTL_DAYS = 30.0
MAX_TTL_DAYS = 366.0
_USE_EVERY = 60.0  # seconds between two records of a token's last use


class ViewerTokenError(ValueError):
    """A viewer token is malformed, unknown, expired or revoked; `reason` says which."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@functools.lru_cache(maxsize=16)
def _key(data_dir: str) -> bytes:
    """Return the data dir's viewer key, made on first use (owner-only); read once a process."""
    path = Path(data_dir) / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as fh:  # a second process that lost the race reads this one
        fh.write(secrets.token_hex(32))
    return path.read_bytes().strip()


def _mac(key: bytes, token_id: str) -> str:
    return hmac.new(key, f"viewer:{token_id}".encode(), hashlib.sha256).hexdigest()[:32]


def issue(
    store: Store,
    tenant_id: str,
    now: float,
    ttl_days: float = DEFAULT_TTL_DAYS,
    note: str | None = None,
) -> tuple[dict, CoreWrite]:
    """Return ({tokenId, token, expiresAt}, the write that keeps its row)."""
    token_id = "vt_" + secrets.token_hex(6)
    token = f"{PREFIX}{token_id}.{_mac(_key(store.data_dir), token_id)}"
    expires = now + ttl_days * 86400

    def run(conn):
        conn.execute(
            "INSERT INTO viewer_tokens (token_id, tenant_id, created_at, expires_at, note) "
            "VALUES (?, ?, ?, ?, ?)",
            (token_id, tenant_id, now, expires, note),
        )

    return {"tokenId": token_id, "token": token, "expiresAt": expires}, CoreWrite(run)


def verify(store: Store, token: str, now: float) -> tuple[str, str]:
    """Return (tenant id, token id) of a live viewer token, or raise ViewerTokenError."""
    body = token[len(PREFIX) :] if token.startswith(PREFIX) else ""
    token_id, _, mac = body.partition(".")
    if not token_id.startswith("vt_") or len(token) > 200:
        raise ViewerTokenError(
            "viewer_token_invalid",
            "This is not a viewer token of this sandbox (or one of an older format): make a "
            "new one with `python -m sandbox tenants viewer-token <ref>`.",
        )
    if not hmac.compare_digest(_mac(_key(store.data_dir), token_id).encode(), mac.encode()):
        raise ViewerTokenError("viewer_token_invalid", "The viewer token's signature is wrong.")
    row = store.one("SELECT * FROM viewer_tokens WHERE token_id = ?", (token_id,))
    if row is None:
        raise ViewerTokenError("viewer_token_invalid", f"No viewer token {token_id} here.")
    if row["revoked_at"] is not None:
        raise ViewerTokenError("viewer_token_revoked", f"The viewer token {token_id} was revoked.")
    if row["expires_at"] < now:
        raise ViewerTokenError(
            "viewer_token_expired",
            f"The viewer token {token_id} expired; make a new one (--ttl sets its lifetime).",
        )
    if row["last_used_at"] is None or now - row["last_used_at"] > _USE_EVERY:
        store.write(_used(token_id, now))  # its last use, about once a minute
    return row["tenant_id"], token_id


def _used(token_id: str, now: float) -> CoreWrite:
    return CoreWrite(
        lambda conn: conn.execute(
            "UPDATE viewer_tokens SET last_used_at = ? WHERE token_id = ?", (now, token_id)
        )
    )


def listed(store: Store, tenant_id: str) -> list[dict]:
    """Return a tenant's viewer tokens (never the tokens themselves), newest first."""
    rows = store.all(
        "SELECT * FROM viewer_tokens WHERE tenant_id = ? ORDER BY created_at DESC LIMIT 500",
        (tenant_id,),
    )
    return [
        {
            "tokenId": r["token_id"],
            "tenantId": r["tenant_id"],
            "createdAt": r["created_at"],
            "expiresAt": r["expires_at"],
            "revokedAt": r["revoked_at"],
            "lastUsedAt": r["last_used_at"],
            "note": r["note"],
            "uses": _count(store, r["token_id"]),
            "recentUses": recent_uses(store, r["token_id"], 5),
        }
        for r in rows
    ]


KEPT_USES = 1000  # per token: the record of its uses is bounded like everything else


def use(token_id: str, at: float, method: str, path: str, status: int) -> CoreWrite:
    """Return the write recording one request made with a viewer token (by its id)."""

    def run(conn):
        conn.execute(
            "INSERT INTO viewer_token_uses (token_id, at, method, path, status) "
            "VALUES (?, ?, ?, ?, ?)",
            (token_id, at, method, path[:500], status),
        )
        conn.execute(
            "DELETE FROM viewer_token_uses WHERE token_id = ? AND id <= (SELECT id FROM "
            "viewer_token_uses WHERE token_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (token_id, token_id, KEPT_USES),
        )

    return CoreWrite(run)


def recent_uses(store: Store, token_id: str, limit: int = 20) -> list[dict]:
    """Return a token's latest uses, newest first (what was asked, when, and the answer)."""
    return store.all(
        "SELECT at, method, path, status FROM viewer_token_uses WHERE token_id = ? "
        "ORDER BY id DESC LIMIT ?",
        (token_id, limit),
    )


def _count(store: Store, token_id: str) -> int:
    row = store.one("SELECT count(*) AS n FROM viewer_token_uses WHERE token_id = ?", (token_id,))
    return row["n"]


def exists(store: Store, token_id: str) -> bool:
    """Return whether a viewer token of this id was ever made here."""
    return store.one("SELECT 1 AS x FROM viewer_tokens WHERE token_id = ?", (token_id,)) is not None


def revoke(token_id: str, now: float) -> CoreWrite:
    """Return the write that revokes a token; its result: whether a live token was revoked."""

    def run(conn):
        return (
            conn.execute(
                "UPDATE viewer_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                (now, token_id),
            ).rowcount
            > 0
        )

    return CoreWrite(run)
