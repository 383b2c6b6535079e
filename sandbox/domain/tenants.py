"""Tenants ("clients" in CustomerGlu): identity, keys and secrets, webhook targets."""

import json
import secrets
import uuid
from pathlib import Path

from .. import hosts
from ..masking import mask, mask_url
from ..store import CachedWrite, CoreWrite, Store, dumps, loads, settings
from ..store.writes import Bundle
from . import catalog

REGIONS = hosts.REGIONS
PUBLIC_FIELDS = (
    "id",
    "name",
    "region",
    "timezone",
    "reward_webhook_url",
    "nudge_webhook_url",
    "created_at",
)


class TenantError(ValueError):
    """A tenant could not be created or found."""


def new_write_key() -> str:
    """Return a fresh writeKey."""
    return secrets.token_urlsafe(30)


def _insert(conn, tenant: dict) -> None:
    cols = ", ".join(tenant)
    marks = ", ".join("?" for _ in tenant)
    conn.execute(f"INSERT INTO tenants ({cols}) VALUES ({marks})", tuple(tenant.values()))


def create_tenant(
    store: Store,
    now: str,
    name: str,
    region: str = "in",
    timezone: str = "UTC",
    write_key: str | None = None,
    tenant_id: str | None = None,
    reward_webhook_url: str | None = None,
    nudge_webhook_url: str | None = None,
    data_dir: Path | None = None,
) -> tuple[dict, CachedWrite]:
    """Return a new tenant with fresh secrets, and the write creating it (and its campaigns)."""
    if region not in REGIONS:
        raise TenantError(f"region must be one of {', '.join(REGIONS)}, not {region!r}")
    if not name.strip():
        raise TenantError("a tenant needs a name")
    tenant = {
        "id": tenant_id or str(uuid.uuid4()),
        "name": name.strip(),
        "write_key": write_key or new_write_key(),
        "jwt_secret": secrets.token_urlsafe(32),
        "webhook_secret": secrets.token_hex(24),
        "reward_webhook_url": reward_webhook_url,
        "nudge_webhook_url": nudge_webhook_url,
        "timezone": timezone,
        "region": region,
        "created_at": now,
    }
    if by_write_key(store, tenant["write_key"]):
        raise TenantError("that writeKey already belongs to another tenant")

    def write(conn):
        _insert(conn, tenant)
        if data_dir is not None:
            catalog.load_tenant_data(conn, tenant["id"], data_dir, now)

    return tenant, CachedWrite(write)


def list_tenants(store: Store) -> list[dict]:
    """Return every tenant, oldest first (secrets included: callers mask them).

    Cached for a second: explaining an unknown key compares it with every tenant's.
    """
    return store.cached(
        ("tenants",), lambda: store.all("SELECT * FROM tenants ORDER BY created_at, name")
    )


def known_secrets(store: Store) -> list[str]:
    """Return every secret of every tenant (writeKey, JWT secret, webhook secret), to mask."""
    return [
        t[k] for t in list_tenants(store) for k in ("write_key", "jwt_secret", "webhook_secret")
    ]


def get_tenant(store: Store, ref: str) -> dict | None:
    """Return the tenant whose id, name or writeKey is `ref`."""
    return store.one(
        "SELECT * FROM tenants WHERE id = ? OR name = ? OR write_key = ?", (ref, ref, ref)
    )


def by_id(store: Store, tenant_id: str) -> dict | None:
    """Return the tenant with this id (cached for a second: every request asks)."""
    return store.cached(
        ("tenant-id", tenant_id),
        lambda: store.one("SELECT * FROM tenants WHERE id = ?", (tenant_id,)),
    )


def fresh(store: Store, tenant_id: str) -> dict | None:
    """Return the tenant as stored now, not as this process cached it a moment ago.

    For the delivery loop: a webhook URL or key set in another process applies at once.
    """
    return store.one("SELECT * FROM tenants WHERE id = ?", (tenant_id,))


def retired_key(store: Store, key: str) -> dict | None:
    """Return a rotated-out writeKey's tenant (tenant_id, name) and when it was retired, or None."""
    # Most sandboxes never rotate a key: then an unknown key's 401 asks no more (a rotation
    # is a CachedWrite, so the flag goes with it).
    if not store.cached(("any-retired-key",), lambda: _any_retired(store)):
        return None
    return store.one(
        "SELECT r.tenant_id, r.retired_at, t.name FROM retired_keys r "
        "JOIN tenants t ON t.id = r.tenant_id WHERE r.secret = ?",
        (key,),
    )


def _any_retired(store: Store) -> bool:
    return store.one("SELECT 1 AS found FROM retired_keys LIMIT 1") is not None


def stored_delivery(conn, tenant_id: str) -> dict:
    """Return what a tenant's `delivery` column holds (its delivery settings), read on `conn`."""
    row = conn.execute("SELECT delivery FROM tenants WHERE id = ?", (tenant_id,)).fetchone()
    return loads(row[0] if row else None, {}) or {}


def secret_in(conn, tenant_id: str) -> str:
    """Return a tenant's JWT secret, read inside a write ("" for a tenant that has gone)."""
    row = conn.execute("SELECT jwt_secret FROM tenants WHERE id = ?", (tenant_id,)).fetchone()
    return row[0] if row else ""


# What update() may change: the webhook URLs, the timezone, the delivery settings.
_UPDATABLE = ("reward_webhook_url", "nudge_webhook_url", "timezone", "delivery")


def update(conn, tenant_id: str, **values) -> None:
    """Set some of a tenant's columns on `conn` (the caller's write); `delivery` as JSON."""
    if not set(values) <= set(_UPDATABLE):
        raise ValueError(f"not a column update() sets: {sorted(set(values) - set(_UPDATABLE))}")
    if "delivery" in values:
        values["delivery"] = dumps(values["delivery"])
    sets = ", ".join(f"{column} = ?" for column in values)
    conn.execute(f"UPDATE tenants SET {sets} WHERE id = ?", (*values.values(), tenant_id))


def fresh_list(store: Store) -> list[dict]:
    """Return every tenant as stored now (see fresh())."""
    return store.all("SELECT * FROM tenants ORDER BY created_at, name")


def by_write_key(store: Store, write_key: str) -> dict | None:
    """Return the tenant that owns this writeKey (cached for a second: every request asks)."""
    return store.cached(
        ("tenant-key", write_key),
        lambda: store.one("SELECT * FROM tenants WHERE write_key = ?", (write_key,)),
    )


def rotate_write_key(tenant_id: str, now: str) -> tuple[str, CachedWrite]:
    """Return a new writeKey for a tenant and the write giving it (the old one is revoked)."""
    new_key = new_write_key()

    def write(conn):
        old = conn.execute("SELECT write_key FROM tenants WHERE id = ?", (tenant_id,)).fetchone()
        if old is None:
            raise TenantError(f"no tenant {tenant_id}")
        conn.execute(
            "INSERT OR REPLACE INTO retired_keys VALUES (?, 'write_key', ?, ?)",
            (old[0], tenant_id, now),
        )
        conn.execute("UPDATE tenants SET write_key = ? WHERE id = ?", (new_key, tenant_id))

    return new_key, CachedWrite(write)


SEEDED = "fixtures_seeded"  # the setting that says fixtures/tenants.json was applied once


def seed_from_fixtures(
    store: Store, fixtures_dir: str | Path, now: str
) -> tuple[list, CoreWrite | None]:
    """Return the tenants of fixtures/tenants.json and the write creating them.

    Only on the first start of a data dir: later the list is empty and there is no write
    (a start then commits nothing, and waits on no writer).
    """
    if settings.is_set(store, SEEDED):
        return [], None
    fixtures_dir = Path(fixtures_dir)
    spec = json.loads((fixtures_dir / "tenants.json").read_text())
    created, writes = [], []
    for t in spec["tenants"]:
        if by_id(store, t["id"]):
            continue
        tenant, write = create_tenant(
            store,
            now,
            t["name"],
            t.get("region", "in"),
            t.get("timezone", "UTC"),
            write_key=t.get("writeKey"),
            tenant_id=t["id"],
            reward_webhook_url=t.get("rewardWebhookUrl"),
            nudge_webhook_url=t.get("nudgeWebhookUrl"),
            data_dir=fixtures_dir / t["data"] if t.get("data") else None,
        )
        created.append(tenant)
        writes.append(write)
    seed = Bundle(writes)

    def once(conn):
        # Checked again in the transaction: processes that start together (a WSGI server's
        # workers, each creating the app) would otherwise each seed the same tenants.
        if settings.is_set(store, SEEDED, conn):
            return None
        result = seed.run(conn)
        settings.put_in(conn, SEEDED, now)
        return result

    return created, CachedWrite(once)


def public_view(t: dict, reveal: bool = False) -> dict:
    """Return a tenant for display: writeKey shown, other secrets masked unless revealed."""
    view = {k: t[k] for k in PUBLIC_FIELDS}
    view["writeKey"] = t["write_key"]
    for key, col in (("jwtSecret", "jwt_secret"), ("webhookSecret", "webhook_secret")):
        view[key] = t[col] if reveal else mask(t[col])
    if not reveal:  # a webhook URL may carry a password or a key of the partner's
        for key in ("reward_webhook_url", "nudge_webhook_url"):
            if key in view:
                view[key] = mask_url(view[key])
    return view


def set_webhook_secret(tenant_id: str, secret: str) -> CachedWrite:
    """Return the write that replaces a tenant's webhook secret (imported from the partner)."""
    return CachedWrite(
        lambda conn: conn.execute(
            "UPDATE tenants SET webhook_secret = ? WHERE id = ?", (secret, tenant_id)
        )
    )
