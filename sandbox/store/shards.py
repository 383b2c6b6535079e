"""Journal shards: each worker's writer appends requests and events to a file of its own.

With one database file the workers' writers take turns at its write lock, and at three
workers that turn-taking is what holds ingest back (docs/architecture.md, "The process
model"). So the journal, the events and their full-text index live in
`journal-<slot>.db`, one per worker slot; the domain tables stay in `sandbox.db`.

A worker's writer takes the first free slot by a non-blocking flock at its first
journal write, so the same files are reused across restarts. Journal readers attach
every shard read-only and see one `journal` and one `events` table through TEMP
views (UNION ALL, which SQLite merges in id order using each file's indexes).
Journal ids are unique and ordered across shards: the commit time in microseconds
with the slot in the low bits.
"""

import os
import sqlite3
import time
from pathlib import Path

from .lock import fcntl

SHARD_PREFIX = "journal-"
# SQLite attaches at most 10 databases to a connection: a writer attaches the core
# file and every other shard, a reader every shard. Workers beyond this share slots.
MAX_SHARDS = 8
# Low bits of a journal id that carry the slot: ids from two shards never collide.
SLOT_BITS = 5
VIEWS = ("journal", "events", "reward_users")


def shard_path(data_dir: str | Path, slot: int) -> Path:
    """Return the file of shard `slot` in `data_dir`."""
    return Path(data_dir) / f"{SHARD_PREFIX}{slot}.db"


def shard_paths(data_dir: str | Path) -> list[Path]:
    """Return the shard files present in `data_dir`, by slot."""
    found = []
    for name in os.listdir(data_dir):
        slot = name[len(SHARD_PREFIX) : -3]
        if name.startswith(SHARD_PREFIX) and name.endswith(".db") and slot.isdigit():
            found.append((int(slot), Path(data_dir) / name))
    return [path for _slot, path in sorted(found)]


def claim_slot(data_dir: str | Path) -> tuple[int, bool, object]:
    """Take a shard slot for this writer; return (slot, shared, lock file to keep open).

    The lock is held for the writer's life: the next free slot goes to the next worker,
    and a restarted worker finds its file again. When every slot is held (more workers
    than MAX_SHARDS), the writer shares one; the shard's write lock then orders them.
    """
    if fcntl is None:  # one process serves where flock does not exist
        return 0, False, None
    for slot in range(MAX_SHARDS):
        holder = open(Path(data_dir) / f"{SHARD_PREFIX}{slot}.slot", "a")  # noqa: SIM115
        try:
            fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return slot, False, holder
        except BlockingIOError:
            holder.close()
    return os.getpid() % MAX_SHARDS, True, None


def next_ids(last: int, slot: int, count: int) -> list[int]:
    """Return `count` journal ids above `last` for `slot`: commit time (µs) and slot bits."""
    # Wall time, not the domain clock: this orders rows across files, it is not a
    # time anyone reads (the entry's own `ts` is). max() keeps ids rising if it steps back.
    base = max(last >> SLOT_BITS, time.time_ns() // 1000)
    return [((base + i + 1) << SLOT_BITS) | slot for i in range(count)]


class ShardConnection(sqlite3.Connection):
    """The writer's connection: its shard is `main`, the core file `core`, others read-only."""

    slot = 0
    shared = False  # another writer appends to this shard too (see claim_slot)
    last_id = 0
    others: tuple = ()  # schema names of the other shards attached read-only

    def journal_ids(self, count: int) -> list[int]:
        """Return the ids for `count` journal rows of the batch being written."""
        if self.shared:  # the other writer may have gone further (read under the lock)
            top = self.execute("SELECT max(id) FROM journal").fetchone()[0]
            self.last_id = max(self.last_id, top or 0)
        ids = next_ids(self.last_id, self.slot, count)
        self.last_id = ids[-1]
        return ids


def attach_shards(conn: sqlite3.Connection, paths: list[Path]) -> tuple:
    """Attach shard files read-only as s<slot> (detaching those gone); return their names."""
    wanted = {f"s{slot_of(p)}": p for p in paths}
    attached = {row[1] for row in conn.execute("PRAGMA database_list")}
    for name in attached - set(wanted):
        if name[0] == "s" and name[1:].isdigit():
            conn.execute(f"DETACH DATABASE {name}")
    for name, path in wanted.items():
        if name not in attached:
            conn.execute(f"ATTACH DATABASE ? AS {name}", (path.resolve().as_uri() + "?mode=ro",))
    return tuple(wanted)


def create_views(conn: sqlite3.Connection, schemas: tuple) -> None:
    """(Re)create the TEMP views `journal` and `events` over the attached shards."""
    for view in VIEWS:
        conn.execute(f"DROP VIEW IF EXISTS temp.{view}")
        if schemas:
            union = " UNION ALL ".join(f"SELECT * FROM {s}.{view}" for s in schemas)
            conn.execute(f"CREATE TEMP VIEW {view} AS {union}")


def slot_of(path: Path) -> int:
    """Return the slot of a shard file."""
    return int(path.name[len(SHARD_PREFIX) : -3])


class ShardReader:
    """Keeps one connection's attached shards in step with the data dir.

    A stat of the folder per use: its mtime moves whenever a file appears or goes,
    so the listing runs only then. A reader gets the `journal` and `events` views; a
    writer (`exclude`: its own slot, its `main`) only the other shards, since TEMP
    views would hide its own tables.
    """

    def __init__(self, data_dir: str | Path, exclude: int | None = None):
        self.data_dir = str(data_dir)
        self.exclude = exclude
        self._stamp = None
        self.schemas: tuple = ()

    def refresh(self, conn: sqlite3.Connection) -> tuple:
        """Attach new shard files to `conn`; return the schema names of the attached shards."""
        stamp = os.stat(self.data_dir).st_mtime_ns
        if stamp != self._stamp:
            paths = [p for p in shard_paths(self.data_dir) if slot_of(p) != self.exclude]
            schemas = attach_shards(conn, paths)
            if schemas != self.schemas and self.exclude is None:
                create_views(conn, schemas)
            self.schemas = schemas
            self._stamp = stamp
        return self.schemas
