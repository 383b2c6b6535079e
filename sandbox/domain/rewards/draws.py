"""The draws table: every draw a play made, kept once, read back by plays, the game pages, the
odds and the rules' explanations. Every statement on it in the domain is here; the record's
read model (journal/) and the marks' rebuild read it besides.

A play writes in the writer's transaction (`conn`); the reads that answer pages and admin
views take the store.
"""

from ...store import Store, dumps, loads

# The draw a granted play had, in as_played()'s column order (a second play answers it again).
_OF_GRANT = (
    "SELECT seq, roll, thresholds, variant, reward_id, code, outcome FROM draws "
    "WHERE tenant_id = ? AND reward_user_id = ?"
)


def next_seq(conn, tenant_id: str, campaign_id: str) -> int:
    """Return the campaign's next draw number (in the play's transaction)."""
    return conn.execute(
        "SELECT coalesce(max(seq), 0) + 1 FROM draws WHERE tenant_id = ? AND campaign_id = ?",
        (tenant_id, campaign_id),
    ).fetchone()[0]


def at_cap(conn, tenant_id: str, campaign_id: str, position: int, cap: int) -> bool:
    """Return True if a variant has won `cap` times (reads at most `cap` index rows)."""
    return (
        conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM draws WHERE tenant_id = ? AND campaign_id = ? "
            "AND position = ? LIMIT ?)",
            (tenant_id, campaign_id, position, cap),
        ).fetchone()[0]
        >= cap
    )


def keep(conn, draw: dict) -> None:
    """Insert a draw (its thresholds as JSON) in the play's transaction."""
    row = {**draw, "thresholds": dumps(draw["thresholds"])}
    cols = ", ".join(row)
    conn.execute(
        f"INSERT INTO draws ({cols}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
    )


def as_played(row) -> dict:
    """Return a kept draw (_OF_GRANT's columns, in order) in a play's answer shape."""
    seq, roll, bounds, variant, reward_id, code, outcome = tuple(row)
    return {
        "seq": seq,
        "roll": round(roll, 6),
        "thresholds": loads(bounds, []),
        "variant": variant,
        "rewardId": reward_id,
        "code": code,
        "outcome": outcome,
        "alreadyPlayed": True,
    }


def of_grant_in(conn, tenant_id: str, reward_user_id: str) -> dict | None:
    """Return the draw a granted play already had (in the play's transaction), or None."""
    row = conn.execute(_OF_GRANT, (tenant_id, reward_user_id)).fetchone()
    return None if row is None else as_played(row)


def of_grant(store: Store, tenant_id: str, reward_user_id: str) -> dict | None:
    """Return the draw a granted play had, as a play answers it, or None."""
    row = store.one(_OF_GRANT, (tenant_id, reward_user_id))
    return None if row is None else as_played(row.values())


def of_user_grants(store: Store, tenant_id: str, user_id: str) -> dict[str, dict]:
    """Return a user's draws of granted plays, by grant (variant, reward, code, outcome)."""
    rows = store.all(
        "SELECT reward_user_id, variant, reward_id, code, outcome FROM draws WHERE "
        "tenant_id = ? AND user_id = ? AND reward_user_id IS NOT NULL",
        (tenant_id, user_id),
    )
    return {r["reward_user_id"]: r for r in rows}


def outcomes_of(store: Store, tenant_id: str, user_id: str, campaign_id: str) -> dict[str, str]:
    """Return the outcome of each granted play a user has drawn in a campaign, by grant."""
    rows = store.all(
        "SELECT reward_user_id, outcome FROM draws WHERE tenant_id = ? AND user_id = ? AND "
        "campaign_id = ? AND reward_user_id IS NOT NULL",
        (tenant_id, user_id, campaign_id),
    )
    return {r["reward_user_id"]: r["outcome"] for r in rows}


def recent(store: Store, tenant_id: str, campaign_id: str, limit: int) -> list[dict]:
    """Return a campaign's draws, newest first, as stored (thresholds as JSON text)."""
    return store.all(
        "SELECT seq, user_id, roll, thresholds, variant, reward_id, code, outcome, at FROM draws "
        "WHERE tenant_id = ? AND campaign_id = ? ORDER BY seq DESC LIMIT ?",
        (tenant_id, campaign_id, limit),
    )


def count_by_variant(store: Store, tenant_id: str, campaign_id: str) -> dict[str | None, int]:
    """Return how many draws of a campaign each variant won (None: no reward)."""
    rows = store.all(
        "SELECT variant, count(*) AS n FROM draws WHERE tenant_id = ? AND campaign_id = ? "
        "GROUP BY variant",
        (tenant_id, campaign_id),
    )
    return {r["variant"]: r["n"] for r in rows}


def wins_by_position(store: Store, tenant_id: str, campaign_id: str) -> dict[int, int]:
    """Return how many draws of a campaign each variant position won."""
    rows = store.all(
        "SELECT position, count(*) AS n FROM draws WHERE tenant_id = ? AND campaign_id = ? "
        "AND position IS NOT NULL GROUP BY position",
        (tenant_id, campaign_id),
    )
    return {r["position"]: r["n"] for r in rows}
