"""Inspector sessions: the cookie holds a random session id; the session row holds the token.

A cookie that held the token itself would hand the token to anything that reads cookies
(a browser profile, a proxy log). Only a hash of the id is stored, so the table gives
nobody a cookie to replay. This module owns the `inspector_sessions` table.
"""

import hashlib
import secrets

from ..store import CoreWrite, Store

SESSION_SECONDS = 7 * 86400


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def create(token: str, now: float) -> tuple[str, CoreWrite]:
    """Return (a new session id for the cookie, the write that keeps it); expired ones go."""
    session_id = "ses_" + secrets.token_urlsafe(24)

    def run(conn):
        conn.execute("DELETE FROM inspector_sessions WHERE expires_at < ?", (now,))
        conn.execute(
            "INSERT INTO inspector_sessions VALUES (?, ?, ?, ?)",
            (_hash(session_id), token, now, now + SESSION_SECONDS),
        )

    return session_id, CoreWrite(run)


def token_of(store: Store, session_id: str, now: float) -> str | None:
    """Return the token a live session holds, or None (unknown, expired, malformed)."""
    if not session_id.startswith("ses_") or len(session_id) > 100:
        return None
    row = store.one(
        "SELECT token FROM inspector_sessions WHERE session_hash = ? AND expires_at >= ?",
        (_hash(session_id), now),
    )
    return row["token"] if row else None
