"""The imported sheet's rows (campaigns, variants, coupon pools): the one owner of their SQL.

Reads through the store take a `Store`; the in-transaction steps of a play and an import take
the writer's connection (`conn`), so a draw and the coupon it issues stay one write.
"""

from ...store import Store

_VARIANT_COLUMNS = (
    "position, name, reward_type, reward_name, amount, chance, cap, has_pool, coupon_api, "
    "expiry_hours"
)


def known(store: Store, tenant_id: str, campaign_id: str) -> bool:
    """Return True if the tenant's reward sheet has the campaign."""
    row = store.one(
        "SELECT 1 AS x FROM reward_campaigns WHERE tenant_id = ? AND campaign_id = ?",
        (tenant_id, campaign_id),
    )
    return row is not None


def names(store: Store, tenant_id: str) -> dict[str, dict]:
    """Return the tenant's sheet campaigns by id: their name and type."""
    rows = store.all(
        "SELECT campaign_id, name, type FROM reward_campaigns WHERE tenant_id = ?", (tenant_id,)
    )
    return {r["campaign_id"]: r for r in rows}


def triggers(store: Store, tenant_id: str) -> list[dict]:
    """Return what each sheet campaign is granted on: its event, condition, window, audience."""
    return store.all(
        "SELECT campaign_id, trigger_event, condition, start_at, end_at, audience FROM "
        "reward_campaigns WHERE tenant_id = ? ORDER BY campaign_id",
        (tenant_id,),
    )


def campaign(store: Store, tenant_id: str, campaign_id: str) -> dict | None:
    """Return a sheet campaign as a game page shows it (name, type, trigger), or None."""
    return store.one(
        "SELECT campaign_id, name, type, trigger_event, condition FROM reward_campaigns WHERE "
        "tenant_id = ? AND campaign_id = ?",
        (tenant_id, campaign_id),
    )


def campaigns(store: Store, tenant_id: str, campaign_id: str | None = None) -> list[dict]:
    """Return the tenant's sheet campaigns (or the one named), every column, by id."""
    where, params = "tenant_id = ?", [tenant_id]
    if campaign_id is not None:
        where, params = where + " AND campaign_id = ?", [*params, campaign_id]
    return store.all(f"SELECT * FROM reward_campaigns WHERE {where} ORDER BY campaign_id", params)


def shown_variants(store: Store, tenant_id: str, campaign_id: str) -> list[dict]:
    """Return a campaign's variants as a game page shows them (prize and chance), in order."""
    return store.all(
        "SELECT name, reward_type, reward_name, amount, chance FROM reward_variants WHERE "
        "tenant_id = ? AND campaign_id = ? ORDER BY position",
        (tenant_id, campaign_id),
    )


def variants_with_stock(store: Store, tenant_id: str, campaign_id: str) -> list[dict]:
    """Return a campaign's variants in order, each with `free`: its unissued codes, counted.

    This counts the pool (the admin's odds page); a play asks only whether one is left
    (`stock_in`).
    """
    return store.all(
        "SELECT v.*, (SELECT count(*) FROM coupons k WHERE k.tenant_id = v.tenant_id AND "
        "k.campaign_id = v.campaign_id AND k.position = v.position AND k.issued_at IS NULL) "
        "AS free FROM reward_variants v WHERE v.tenant_id = ? AND v.campaign_id = ? "
        "ORDER BY position",
        (tenant_id, campaign_id),
    )


def coupon_path(store: Store, tenant_id: str, campaign_id: str, position: int) -> str | None:
    """Return the JSON path of the code in a variant's coupon API answer, or None."""
    found = store.one(
        "SELECT coupon_path AS path FROM reward_variants WHERE tenant_id = ? AND "
        "campaign_id = ? AND position = ?",
        (tenant_id, campaign_id, position),
    )
    return None if found is None else found["path"]


def issued_codes(store: Store, tenant_id: str) -> set[str]:
    """Return the tenant's coupon codes already handed out (a sheet may not list them again)."""
    rows = store.all(
        "SELECT code FROM coupons WHERE tenant_id = ? AND issued_at IS NOT NULL", (tenant_id,)
    )
    return {r["code"] for r in rows}


def type_in(conn, tenant_id: str, campaign_id: str) -> str | None:
    """Return a sheet campaign's type inside a write, or None if the sheet has no such campaign."""
    row = conn.execute(
        "SELECT type FROM reward_campaigns WHERE tenant_id = ? AND campaign_id = ?",
        (tenant_id, campaign_id),
    ).fetchone()
    return None if row is None else row[0]


def stock_in(conn, tenant_id: str, campaign_id: str) -> list[dict]:
    """Return a campaign's variants inside a write, each `stocked` if a code is left (or no pool).

    One EXISTS seek per pooled variant, whatever the pool's size: counting a 100,000-code
    pool on every play cut plays from 495 to 54 a second.
    """
    cur = conn.execute(
        f"SELECT {_VARIANT_COLUMNS} FROM reward_variants WHERE tenant_id = ? AND "
        "campaign_id = ? ORDER BY position",
        (tenant_id, campaign_id),
    )
    columns = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        v = dict(zip(columns, row, strict=True))
        v["stocked"] = not v["has_pool"] or bool(
            conn.execute(
                "SELECT EXISTS (SELECT 1 FROM coupons WHERE tenant_id = ? AND campaign_id = ? AND "
                "position = ? AND issued_at IS NULL)",
                (tenant_id, campaign_id, v["position"]),
            ).fetchone()[0]
        )
        out.append(v)
    return out


def take_coupon_in(conn, tenant_id: str, campaign_id: str, position: int, user_id: str, now: str):
    """Issue the variant's first free code to the user inside a write; return it, or None."""
    row = conn.execute(
        "UPDATE coupons SET issued_to = ?, issued_at = ? WHERE id = (SELECT id FROM coupons "
        "WHERE tenant_id = ? AND campaign_id = ? AND position = ? AND issued_at IS NULL "
        "ORDER BY id LIMIT 1) RETURNING code",
        (user_id, now, tenant_id, campaign_id, position),
    ).fetchone()
    return row[0] if row else None


def replace_in(conn, tenant_id: str, campaigns, now: str) -> None:
    """Replace these campaigns' rows inside a write: the campaign, its variants, unissued codes.

    Codes already handed out stay (their draws and rewards name them).
    """
    for c in campaigns:
        key = (tenant_id, c.campaign_id)
        conn.execute(
            "INSERT OR REPLACE INTO reward_campaigns (tenant_id, campaign_id, name, type, "
            "trigger_event, condition, mode, start_at, end_at, imported_at, audience) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *key,
                c.name,
                c.type,
                c.trigger_event,
                c.condition,
                c.mode,
                c.start,
                c.end,
                now,
                c.audience,
            ),
        )
        conn.execute("DELETE FROM reward_variants WHERE tenant_id = ? AND campaign_id = ?", key)
        conn.execute(
            "DELETE FROM coupons WHERE tenant_id = ? AND campaign_id = ? AND issued_at IS NULL",
            key,
        )
        for position, v in enumerate(c.variants):
            conn.execute(
                "INSERT INTO reward_variants (tenant_id, campaign_id, position, name, "
                "reward_type, reward_name, amount, chance, cap, has_pool, coupon_api, "
                "coupon_path, expiry_hours) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    position,
                    v.name,
                    v.reward_type,
                    v.reward_name,
                    v.amount,
                    v.chance,
                    v.cap,
                    v.codes is not None,
                    v.coupon_api,
                    v.coupon_path,
                    v.expiry_hours,
                ),
            )
            conn.executemany(
                "INSERT INTO coupons (tenant_id, campaign_id, position, code) VALUES (?, ?, ?, ?)",
                [(*key, position, code) for code in v.codes or ()],
            )
