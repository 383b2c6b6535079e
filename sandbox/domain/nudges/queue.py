"""The in-app queue (`nudges`): what each user's /sse stream sends, in row-id order; its owner.

A nudge's life (its cause, channels and state) is `nudge_log`, in life.py; a row here is one
in-app frame, queued when the nudge is released and marked when a stream sends it.
"""

from ...store import Store, dumps, loads


def insert_in(conn, nudge_id: str, tenant_id: str, user_id: str, payload: dict, now: str) -> None:
    """Queue a frame for the user's stream, inside a write."""
    conn.execute(
        "INSERT INTO nudges (nudge_id, tenant_id, user_id, payload, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (nudge_id, tenant_id, user_id, dumps(payload), now),
    )


def exists(store: Store, tenant_id: str, user_id: str, nudge_id: str) -> bool:
    """Return True if the nudge was queued for the user."""
    row = store.one(
        "SELECT 1 AS x FROM nudges WHERE tenant_id = ? AND user_id = ? AND nudge_id = ?",
        (tenant_id, user_id, nudge_id),
    )
    return row is not None


def payload_of(store: Store, tenant_id: str, user_id: str, nudge_id: str) -> dict | None:
    """Return the frame queued for the user under this nudge id, or None."""
    row = store.one(
        "SELECT payload FROM nudges WHERE tenant_id = ? AND user_id = ? AND nudge_id = ?",
        (tenant_id, user_id, nudge_id),
    )
    return loads(row["payload"], None) if row else None


def acknowledge_in(conn, tenant_id: str, user_id: str, nudge_id: str, now: str) -> bool:
    """Mark the user's nudge acknowledged inside a write (its first time kept); False if unknown."""
    return bool(
        conn.execute(
            "UPDATE nudges SET acked_at = COALESCE(acked_at, ?) WHERE tenant_id = ? AND "
            "user_id = ? AND nudge_id = ?",
            (now, tenant_id, user_id, nudge_id),
        ).rowcount
    )


def pending(
    store: Store, tenant_id: str, user_id: str, after_id: int, now: float | None = None
) -> list[dict]:
    """Return the user's frames queued after `after_id`, not acknowledged, not expired at `now`.

    The expiry is the nudge's (nudge_log.expires_at), joined by its unique id.
    """
    return store.all(
        "SELECT n.id, n.nudge_id, n.payload FROM nudges n LEFT JOIN nudge_log l ON "
        "l.nudge_id = n.nudge_id WHERE n.tenant_id = ? AND n.user_id = ? AND n.id > ? AND "
        "n.acked_at IS NULL AND (l.expires_at IS NULL OR ? IS NULL OR l.expires_at > ?) "
        "ORDER BY n.id",
        (tenant_id, user_id, after_id, now, now),
    )


def streamed_in(conn, row_ids: list[int], at: str) -> None:
    """Mark these frames delivered (the first time only), inside a write."""
    conn.executemany(
        "UPDATE nudges SET delivered_at = COALESCE(delivered_at, ?) WHERE id = ?",
        [(at, i) for i in row_ids],
    )


def latest_id(store: Store) -> int:
    """Return the newest frame's row id (0 with none)."""
    row = store.one("SELECT max(id) AS id FROM nudges")
    return (row and row["id"]) or 0


def since(store: Store, after_id: int, limit: int = 1000) -> tuple[int, set]:
    """Return (newest row id seen, the (tenant, user) keys of frames after `after_id`)."""
    rows = store.all(
        "SELECT id, tenant_id, user_id FROM nudges WHERE id > ? ORDER BY id LIMIT ?",
        (after_id, limit),
    )
    if not rows:
        return after_id, set()
    return rows[-1]["id"], {(r["tenant_id"], r["user_id"]) for r in rows}
