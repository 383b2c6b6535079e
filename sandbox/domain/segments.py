"""Campaign segments: which users a segment-only campaign is shown to."""

from ..store import CoreWrite, Store


def add(tenant_id: str, campaign_id: str, user_id: str, now: str):
    """Return the write that adds a user to a campaign's segment."""
    return CoreWrite(
        lambda conn: conn.execute(
            "INSERT OR IGNORE INTO segments VALUES (?, ?, ?, ?)",
            (tenant_id, campaign_id, user_id, now),
        )
    )


def remove(tenant_id: str, campaign_id: str, user_id: str):
    """Return the write that removes a user from a campaign's segment."""
    return CoreWrite(
        lambda conn: conn.execute(
            "DELETE FROM segments WHERE tenant_id = ? AND campaign_id = ? AND user_id = ?",
            (tenant_id, campaign_id, user_id),
        )
    )


def contains(store: Store, tenant_id: str, campaign_id: str, user_id: str) -> bool:
    """Return True if the user is in the campaign's segment."""
    return (
        store.one(
            "SELECT 1 AS x FROM segments WHERE tenant_id = ? AND campaign_id = ? AND user_id = ?",
            (tenant_id, campaign_id, user_id),
        )
        is not None
    )


def contains_in(conn, tenant_id: str, campaign_id: str, user_id: str) -> bool:
    """Return True if the user is in the campaign's segment, read inside a write."""
    row = conn.execute(
        "SELECT 1 FROM segments WHERE tenant_id = ? AND campaign_id = ? AND user_id = ?",
        (tenant_id, campaign_id, user_id),
    ).fetchone()
    return row is not None


def memberships(store: Store, tenant_id: str, user_id: str) -> set[str]:
    """Return the campaign ids whose segment holds the user."""
    rows = store.all(
        "SELECT campaign_id FROM segments WHERE tenant_id = ? AND user_id = ?", (tenant_id, user_id)
    )
    return {r["campaign_id"] for r in rows}
