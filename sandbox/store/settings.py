"""Sandbox-wide settings kept in the store, shared by every process (the virtual clock's state)."""

from ..clock import RealClock
from . import CachedWrite, CoreWrite, Store, dumps, loads


def get(store: Store, key: str, default=None):
    """Return a stored setting."""
    row = store.one("SELECT value FROM settings WHERE key = ?", (key,))
    return default if row is None else loads(row["value"])


def put(store: Store, key: str, value, drop_caches: bool = False) -> None:
    """Store a setting (committed before returning); with `drop_caches`, every process
    drops what it cached before its next request (after a restore)."""
    kind = CachedWrite if drop_caches else CoreWrite
    store.write(kind(lambda conn: put_in(conn, key, value)))


def get_in(conn, key: str, default=None):
    """Return a stored setting, read inside a write."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return default if row is None else loads(row[0])


def is_set(store: Store, key: str, conn=None) -> bool:
    """Return True if the setting is stored (on `conn`, inside a write, if given)."""
    sql, params = "SELECT 1 FROM settings WHERE key = ?", (key,)
    if conn is not None:
        return conn.execute(sql, params).fetchone() is not None
    return store.one(sql, params) is not None


def put_in(conn, key: str, value) -> None:
    """Store a setting inside a write."""
    conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, dumps(value)))


def load_clock(store: Store, clock: RealClock) -> str | None:
    """Give a virtual clock the state another process (or an earlier run) left.

    Returns why the stored state was reset (out of range), after storing the reset one.
    """
    if not clock.virtual:
        return None
    with clock.moving():  # never between a move in this process and its save
        state = get(store, "virtual_clock", {})
        problem = clock.load(state if isinstance(state, dict) else {"offset": state})
        if problem:
            save_clock(store, clock)
    return problem


def save_clock(store: Store, clock: RealClock) -> None:
    """Persist a virtual clock's state for the other processes."""
    if clock.virtual:
        put(store, "virtual_clock", clock.state())
