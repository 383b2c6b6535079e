"""Save games: snapshots of the whole sandbox (or some tenants), restored in place or forked.

The files are the store's (store/snapshots.py, store/snapshot_file.py); this module names
what a snapshot is taken with (version, clock, seed, test mode), which tenants it keeps,
and what a restore tells this process and the others (its caches, the virtual clock, the
inspectors: the `last_restore` setting they watch).
"""

from pathlib import Path

from ..clock import RealClock
from ..config import VERSION
from ..store import Store, settings, snapshot_file, snapshots
from ..store.osthread import call_in_os_thread
from . import tenants as tenants_mod

SnapshotRefused = snapshot_file.SnapshotRefused
RESTORE_KEY = "last_restore"


def save(
    store: Store,
    clock: RealClock,
    seed: str,
    name: str,
    *,
    journal: bool = True,
    tenant_refs: list[str] | None = None,
    replace: bool = False,
) -> dict:
    """Take snapshot `name` of this sandbox; return its manifest.

    Refused (SnapshotRefused) for a bad name, a name taken (unless `replace`), an unknown
    tenant.
    """
    path = snapshot_file.path_of(store.data_dir, name)
    if path.exists() and not replace:
        raise SnapshotRefused("snapshot_exists", f"a snapshot {name!r} exists already")
    tenant_ids = None
    if tenant_refs is not None:
        tenant_ids = []
        for ref in tenant_refs:
            found = tenants_mod.get_tenant(store, ref)
            if found is None:
                raise SnapshotRefused("tenant_not_found", f"no tenant {ref!r}")
            tenant_ids.append(found["id"])
    about = {
        "version": VERSION,
        "seed": seed,
        "testMode": bool(clock.virtual),
        "clock": {"now": clock.isoformat(), **clock.describe()},
    }
    # A real thread, at a lower CPU priority: the copy takes seconds at a million entries,
    # and the worker's other connections (and the other workers) go on meanwhile.
    return call_in_os_thread(
        lambda: snapshots.take(
            store.data_dir, name, journal=journal, tenants=tenant_ids, about=about
        ),
        "snapshot-save",
        nice=10,
    )


def restore(store: Store, clock: RealClock, seed: str, name: str) -> dict:
    """Replace this sandbox's state with snapshot `name`; return its manifest and warnings.

    This process forgets what it cached and takes the restored clock at once; the other
    processes read the restored files on their next query, drop their caches before their
    next request (the `last_restore` write moves the cache epoch) and their inspectors
    start over when they see `last_restore` change.
    """
    found = call_in_os_thread(lambda: snapshots.restore(store.data_dir, name), "snapshot-restore")
    store.forget()
    settings.load_clock(store, clock)
    restored_at = clock.isoformat()
    # A cached write: the restored files carry the epoch of their day, which a worker may
    # have seen already, so without a fresh one it would keep tenants and fault plans
    # cached from before the restore.
    settings.put(store, RESTORE_KEY, {"name": name, "at": restored_at}, drop_caches=True)
    warnings = []
    if found.get("seed") not in (None, seed):
        warnings.append(
            f"the snapshot was taken with the seed {found['seed']!r} and this sandbox draws "
            f"with {seed!r}: start it with SANDBOX_SEED={found['seed']} to replay its draws"
        )
    if found.get("testMode") and not clock.virtual:
        warnings.append(
            "the snapshot was taken in test mode and this sandbox runs on the real clock: "
            "start it with SANDBOX_TEST_MODE=1 to have the snapshot's virtual time"
        )
    return {"restored": found, "restoredAt": restored_at, "warnings": warnings}


def listing(store: Store) -> list[dict]:
    """Return the manifests of this sandbox's snapshots, newest first."""
    return snapshot_file.listing(store.data_dir)


def show(store: Store, name: str) -> dict | None:
    """Return snapshot `name`'s manifest and size, or None when there is none."""
    path = snapshot_file.path_of(store.data_dir, name)
    if not path.exists():
        return None
    return {**snapshot_file.manifest(path), "bytes": path.stat().st_size}


def file_of(store: Store, name: str) -> Path | None:
    """Return the file of snapshot `name` (for a download), or None."""
    path = snapshot_file.path_of(store.data_dir, name)
    return path if path.exists() else None


def delete(store: Store, name: str) -> bool:
    """Delete snapshot `name`; return whether there was one."""
    return snapshot_file.delete(store.data_dir, name)


def receive(store: Store, name: str, stream, limit: int, replace: bool = False) -> dict:
    """Keep an uploaded snapshot as `name` once every part checks out; return its manifest."""
    if snapshot_file.path_of(store.data_dir, name).exists() and not replace:
        raise SnapshotRefused("snapshot_exists", f"a snapshot {name!r} exists already")
    return snapshot_file.receive(store.data_dir, name, stream, limit)  # reads the upload itself


def last_restore(store: Store):
    """Return the last restore ({name, at}) as stored, which inspectors watch for."""
    return settings.get(store, RESTORE_KEY)
