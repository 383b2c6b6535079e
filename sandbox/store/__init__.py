"""The store: SQLite files (WAL) reached through sqlite-utils, a reader per thread, one writer.

`sandbox.db` holds the domain tables; the journal and the events live in one shard
file per worker (shards.py), seen by journal readers as one `journal` and one `events`.
Reads use a connection per thread (gunicorn's gthread threads live for the whole
process, so this is a per-request connection without the cost of opening one each
time). Every write goes through the group-commit Writer: one writer thread per
process, so requests never fight for SQLite's write lock.
"""

import contextlib
import functools
import json
import sqlite3
import time
from pathlib import Path

import orjson
import sqlite_utils

from . import marks
from .cache_signal import open_signal
from .lock import held
from .migrations import MIGRATIONS
from .osthread import fork_count, os_local
from .shard_schema import SHARD_MIGRATIONS, ensure_shard
from .shards import ShardReader, shard_paths, slot_of
from .writer import Writer
from .writes import CachedWrite, CoreWrite, ShardWrite, Target, Write

__all__ = ["CachedWrite", "CoreWrite", "ShardWrite", "Store", "Target", "Write"]
__all__ += ["connect", "dumps", "loads"]


def connect(path: str | Path, factory=sqlite3.Connection) -> sqlite3.Connection:
    """Open a connection with the store's pragmas (WAL, synchronous=NORMAL, busy timeout)."""
    conn = sqlite3.connect(
        str(path),
        isolation_level=None,
        check_same_thread=False,
        timeout=10,
        # the writer's multi-row INSERTs come in one shape per batch size
        cached_statements=512,
        factory=factory,
        # shards are attached read-only by file: URI (a plain path stays a path)
        uri=True,
    )
    conn.row_factory = sqlite3.Row
    # WAL lets readers run while the writer commits; NORMAL keeps every commit
    # through a process crash (kill -9) and costs one fsync per checkpoint.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


# Rows per multi-row INSERT: far below SQLite's 32,766 bound variables for our widest
# table (24 columns), and above the writer's largest batch.
_ROWS_PER_INSERT = 512


@functools.lru_cache(maxsize=256)
def _insert_sql(verb: str, table: str, columns: tuple, rows: int) -> str:
    marks = "(" + ", ".join("?" for _ in columns) + ")"
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES {', '.join([marks] * rows)}"


def insert_many(conn, table: str, columns: tuple, rows: list, verb: str = "INSERT") -> int:
    """Insert row tuples with one multi-row statement (per 512 rows); return rows inserted.

    One statement is one SQLite step, and so one hand-back of the GIL where
    executemany() takes one per row (see writer.run_all).
    """
    inserted = 0
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        params = [value for row in chunk for value in row]
        inserted += conn.execute(_insert_sql(verb, table, columns, len(chunk)), params).rowcount
    return inserted


def schema_current(path: str | Path) -> int | None:
    """Return the schema version if the core file and every shard (slot 0 at least) have
    every migration, else None: one read each, no lock (the common start, and every app a
    test makes), so migrate() takes the writers' lock only when there is work."""
    path = Path(path)
    shards = shard_paths(path.parent) if path.exists() else []
    if not any(slot_of(p) == 0 for p in shards):
        return None
    version = None
    for file, migrations in [(path, MIGRATIONS), *((p, SHARD_MIGRATIONS) for p in shards)]:
        with contextlib.closing(sqlite3.connect(file)) as conn:
            db = sqlite_utils.Database(conn)
            if migrations.pending(db):
                return None
            if migrations is MIGRATIONS:
                version = schema_version(db)
    return version


def migrate(path: str | Path) -> int:
    """Create or upgrade the schema in place (the shards' too); return the schema version.

    Holds the core file's writers' lock: WSGI servers that start their workers at once
    (granian, gunicorn without preload) each create the app, and each would migrate.
    """
    current = schema_current(path)
    if current is not None:
        return current
    with held(str(path)):
        db = sqlite_utils.Database(connect(path))
        try:
            MIGRATIONS.apply(db)
            version = schema_version(db)
        finally:
            db.close()
        data_dir = Path(path).parent
        slots = {0} | {slot_of(p) for p in shard_paths(data_dir)}
        for slot in sorted(slots):
            ensure_shard(data_dir, slot, connect)
    return version


def schema_version(db: sqlite_utils.Database) -> int:
    """Return how many of our migrations are applied to `db`."""
    return len(MIGRATIONS.applied(db))


def dumps(value) -> str:
    """Serialise a value as compact UTF-8 JSON text (for columns and responses).

    orjson is several times faster than json on the ingest path; json takes over for
    what orjson refuses (integers beyond 64 bits, which a partner's event may carry).
    """
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def loads(text, default=None):
    """Parse a JSON text column, returning `default` for NULL."""
    return default if text is None else json.loads(text)


class Store:
    """The app's handle on its files: thread-local readers plus the writer."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.data_dir = str(Path(path).parent)
        self.writer = Writer(self.path, connect, shard_dir=self.data_dir)
        self.writer.on_cached_change = self._cached_rows_changed
        # One reader per OS thread: under gevent every greenlet of a worker shares its
        # thread's (a read runs to its last row without yielding), not one per connection.
        self._local = os_local()
        self._cache: dict = {}
        self._epoch = None  # the cache epoch (cache_epoch) the cache was filled under
        # Moved by any process after it commits a CachedWrite (cache_signal.py): while it holds
        # still, a request asks SQLite nothing about the cache. None: ask every time.
        self._signal = open_signal(self.data_dir)
        self._signal_seen = None

    def _conn(self, journal: bool) -> sqlite3.Connection:
        """Return this thread's read connection (opened on first use, reopened after fork).

        The journal one also sees the journal shards as the tables `journal` and
        `events` (TEMP views). It is apart because each attached file costs every
        connection memory, and most request threads never read the journal
        (docs/architecture.md, "Reading the journal").
        """
        local = self._local
        if getattr(local, "forks", None) != fork_count():
            local.forks, local.conn, local.journal, local.shards = fork_count(), None, None, None
        if not journal:
            if local.conn is None:
                local.conn, local.data_version = connect(self.path), None
            return local.conn
        if local.journal is None:
            local.journal, local.shards = connect(self.path), ShardReader(self.data_dir)
        local.shards.refresh(local.journal)
        return local.journal

    def shards(self) -> tuple:
        """Return the schema names of the journal shards on this thread's journal connection."""
        self._conn(journal=True)
        return self._local.shards.schemas

    def all(self, sql: str, params=()) -> list[dict]:
        """Run a read query on the domain tables; return every row as a dict."""
        return [dict(r) for r in self._conn(False).execute(sql, params).fetchall()]

    def one(self, sql: str, params=()) -> dict | None:
        """Run a read query on the domain tables; return the first row as a dict, or None."""
        row = self._conn(False).execute(sql, params).fetchone()
        return None if row is None else dict(row)

    def journal_all(self, sql: str, params=()) -> list[dict]:
        """Run a read query that may name `journal`, `events` and the shards; every row."""
        return [dict(r) for r in self._conn(True).execute(sql, params).fetchall()]

    def journal_one(self, sql: str, params=()) -> dict | None:
        """Run a read query that may name `journal`, `events` and the shards; the first row."""
        row = self._conn(True).execute(sql, params).fetchone()
        return None if row is None else dict(row)

    def marks(self, tenant_id: str) -> dict:
        """Return the tenant's marks (marks.py): first and last time of each kind of thing."""
        conn = self._conn(journal=True)
        return marks.read(conn, tenant_id, self._local.shards.schemas)

    def write_problem(self) -> str | None:
        """Return why this store cannot commit now (full disk, read-only folder), or None."""
        from .health import write_problem

        return write_problem(self.data_dir, self.writer.failures)

    def cached(self, key, fn, ttl: float = 1.0):
        """Return fn() memoised for `ttl` seconds in this process (for rarely changing rows).

        This process's own changes call forget() so they show at once; another process's
        CachedWrite moves the cache epoch, which each request looks at first
        (follow_epoch), so a plan or a key changed through one worker holds in every
        worker from its next request. Elsewhere (the delivery loop, the CLI) `ttl` bounds it.
        """
        now = time.monotonic()  # cache expiry, not a domain time read
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = fn()
        if len(self._cache) > 10_000:  # bounded: keys come from callers' input
            self._cache.clear()
        self._cache[key] = (now + ttl, value)
        return value

    def follow_epoch(self) -> None:
        """Drop this process's cache if another process committed a CachedWrite since."""
        word = self._signal.read() if self._signal is not None else None
        if word is not None and word == self._signal_seen:
            return  # nobody committed a change to cached rows since the last look
        conn = self._conn(False)
        if word is None:
            # No shared word: PRAGMA data_version moves only when another connection
            # committed to the core file (a few microseconds to ask).
            local = self._local
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if getattr(local, "data_version", None) == version:
                return
            local.data_version = version
        row = conn.execute("SELECT n FROM cache_epoch").fetchone()
        epoch = row[0] if row is not None else 0
        if epoch != self._epoch:
            self._epoch = epoch
            self._cache.clear()
        # Only after the look: a thread that sees the new word meanwhile looks too.
        self._signal_seen = word

    def forget(self) -> None:
        """Drop everything cached() holds."""
        self._cache.clear()

    def _cached_rows_changed(self) -> None:
        # In the writer, after the commit and before any of its requests is answered:
        # this process forgets now, every other one at its next look (follow_epoch).
        self.forget()
        if self._signal is not None:
            self._signal.move()

    def write(self, write: Write, timeout: float = 30.0):
        """Commit a write in the writer's next batch; return its result once committed."""
        return self.writer.submit(write, timeout)

    def close(self) -> None:
        """Stop the writer and close this thread's readers and the shared word."""
        self.writer.close()
        if self._signal is not None:
            self._signal.close()
        for name in ("conn", "journal"):
            conn = getattr(self._local, name, None)
            if conn is not None:
                conn.close()
                setattr(self._local, name, None)
