"""Snapshots of a data dir: the core file and every journal shard taken consistently with
the writers, and put back in place of the live files (snapshot_file.py is the file itself).

Taking one locks every file against writers for the instant it takes to pin a read
transaction on each (milliseconds), then copies with SQLite's online backup from those
transactions while ingest goes on.
"""

import contextlib
import sqlite3
import tempfile
import time
from pathlib import Path

import sqlite_utils

from . import cache_signal, connect, marks, migrate, snapshot_file
from .lock import held
from .migrations import MIGRATIONS
from .shard_schema import ensure_shard
from .shards import shard_path, shard_paths, slot_of

ACCESS_TABLES = ("inspector_sessions", "viewer_tokens", "viewer_token_uses")
# What the running server decided at its start (server/run.py) stays the server's.
SERVER_SETTINGS = ("public_url", "test_mode")


def take(
    data_dir: str | Path,
    name: str,
    *,
    journal: bool = True,
    tenants: list[str] | None = None,
    about: dict | None = None,
) -> dict:
    """Write snapshot `name` of the data dir; return its manifest.

    `journal=False` leaves the journal's entries out (events, grants and marks stay);
    `tenants` keeps only those tenant ids. `about` joins the manifest (version, clock, seed).
    """
    target = snapshot_file.path_of(data_dir, name)
    files = [Path(data_dir) / snapshot_file.CORE, *shard_paths(data_dir)]
    lean = tenants is not None or not journal
    with (
        tempfile.TemporaryDirectory(
            dir=snapshot_file.folder(data_dir), prefix=".taking-"
        ) as scratch,
        _pinned(files) as pins,
    ):
        if lean:  # copies to cut down first
            parts = [pin.backup(Path(scratch)) for pin in pins]
            conns = []
            for part in parts:
                conn = sqlite3.connect(part.path, isolation_level=None)
                # Every change in the file itself, no WAL beside it: the file is what is kept.
                conn.execute("PRAGMA journal_mode=DELETE")
                if tenants is not None:
                    _keep_tenants(conn, tenants)
                if not journal and part.name != snapshot_file.CORE:
                    _drop_journal(conn)
                conn.execute("VACUUM")
                conns.append(conn)
            parts = [part.sized() for part in parts]
        else:  # each file as it is, read while its pinned read holds it still
            parts = [
                pin.as_part() if pin.settled else pin.backup(Path(scratch)).sized() for pin in pins
            ]
            conns = [pin.reader for pin in pins]
        try:
            manifest = {
                "format": snapshot_file.FORMAT,
                "name": name,
                "takenAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "journal": journal,
                **(about or {}),
                **_describe(conns),
            }
            manifest["parts"] = snapshot_file.write(target, manifest, parts)
        finally:
            if lean:
                for conn in conns:
                    conn.close()
    return manifest


class _Pin:
    """One file held still by a read transaction, as of the snapshot's instant."""

    def __init__(self, path: Path):
        self.path = path
        self.reader = connect(path)
        # Copy the WAL back into the file (no writer commits meanwhile: the caller holds
        # every file's write lock). If all of it went back, the file alone is the state
        # and stays so while this read lasts: a checkpoint never writes past a reader.
        busy, frames, copied = self.reader.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.settled = not busy and frames == copied
        self.reader.execute("BEGIN")
        pages = self.reader.execute("PRAGMA page_count").fetchone()[0]
        self.size = pages * self.reader.execute("PRAGMA page_size").fetchone()[0]

    def as_part(self) -> snapshot_file.Part:
        """Return the live file itself as a part (its first `size` bytes)."""
        return snapshot_file.Part(self.path.name, self.path, self.size)

    def backup(self, scratch: Path) -> snapshot_file.Part:
        """Copy the pinned state with SQLite's online backup; return the copy."""
        copy = scratch / self.path.name
        with contextlib.closing(sqlite3.connect(copy)) as out:
            self.reader.backup(out)
        return snapshot_file.Part(copy.name, copy, None)


@contextlib.contextmanager
def _pinned(files: list[Path]):
    """Hold every file still as of one instant: writers wait only while the reads are pinned
    (milliseconds); the pins last until the snapshot is written."""
    lock = connect(files[0])
    pins: list[_Pin] = []
    try:
        for i, path in enumerate(files[1:]):
            lock.execute(f"ATTACH DATABASE ? AS f{i}", (str(path),))
        # The writers' own locks first: a writer (or its housekeeping) in the middle of a
        # transaction that has read would meet SQLite's write locks with SQLITE_BUSY at
        # once (no busy wait then); holding these, the pins wait for it to finish instead.
        with _writers_held(files):
            lock.execute("BEGIN IMMEDIATE")  # every attached file: no writer commits meanwhile
            try:
                for path in files:
                    pins.append(_Pin(path))
            finally:
                lock.execute("ROLLBACK")
        yield pins
    finally:
        for pin in pins:
            pin.reader.close()
        lock.close()


def _tables(conn) -> list[str]:
    """Return the file's own tables: not SQLite's, not a full-text index nor its shadow tables."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = [name for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL")]
    return [
        name
        for name, _sql in rows
        if name not in virtual and not any(name.startswith(f"{v}_") for v in virtual)
    ]


def _columns(conn, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}


def _keep_tenants(conn, tenants: list[str]) -> None:
    marks_ = ", ".join("?" * len(tenants))
    for table in _tables(conn):
        column = "id" if table == "tenants" else "tenant_id"
        if column in _columns(conn, table):
            where = f"WHERE {column} NOT IN ({marks_})" if tenants else ""
            conn.execute(f'DELETE FROM "{table}" {where}', tenants)
    if "journal" in _tables(conn):
        _forget_fulltext(conn)


def _drop_journal(conn) -> None:
    conn.execute("DELETE FROM journal")
    _forget_fulltext(conn)
    conn.execute(f"DELETE FROM {marks.JOURNAL_TABLE}")


def _forget_fulltext(conn) -> None:
    """Empty the full-text index and its cursor: the writer's housekeeping rebuilds it."""
    conn.execute("INSERT INTO journal_fts(journal_fts) VALUES ('delete-all')")
    conn.execute("DELETE FROM shard_meta WHERE key = 'journal_fts_last_id'")


def _describe(conns: list) -> dict:
    """Return what the manifest says of the state: schema, tenants, counts (parts: write)."""
    counts: dict = {}
    for conn in conns:
        for table in _tables(conn):
            n = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            counts[table] = counts.get(table, 0) + n
    core = conns[0]
    return {
        "migrations": [m.name for m in MIGRATIONS.applied(sqlite_utils.Database(core))],
        "tenants": [
            {"id": r[0], "name": r[1]}
            for r in core.execute("SELECT id, name FROM tenants ORDER BY created_at, id")
        ],
        "counts": counts,
    }


def restore(data_dir: str | Path, name_or_path: str | Path) -> dict:
    """Replace the data dir's state with a snapshot's; return its manifest.

    Everything is checked and migrated in a scratch folder first: a refused snapshot changes
    nothing. Then each live file takes the snapshot's pages through SQLite's backup, so every
    process's next read sees the restored state; shards the snapshot lacks are emptied.
    Access (inspector sessions, viewer tokens) and the server's own settings are kept.
    """
    data_dir = Path(data_dir)
    source = (
        Path(name_or_path)
        if isinstance(name_or_path, Path)
        else snapshot_file.path_of(data_dir, name_or_path)
    )
    if not source.exists():
        raise snapshot_file.SnapshotRefused("not_found", f"no snapshot {source.stem!r}")
    with tempfile.TemporaryDirectory(
        dir=snapshot_file.folder(data_dir), prefix=".restoring-"
    ) as scratch:
        stage = Path(scratch)
        found = snapshot_file.unpack(source, stage)
        try:
            migrate(
                stage / snapshot_file.CORE
            )  # an older snapshot's schema comes up to this version
        except sqlite3.DatabaseError as exc:
            raise snapshot_file.SnapshotRefused(
                "damaged", f"a part is not a readable database ({exc})"
            ) from None
        _keep_live(data_dir / snapshot_file.CORE, stage / snapshot_file.CORE)
        slots = {slot_of(p) for p in shard_paths(stage)} | {
            slot_of(p) for p in shard_paths(data_dir)
        }
        for slot in sorted(slots):
            ensure_shard(stage, slot, connect)  # an empty shard for a live one it lacks
            ensure_shard(data_dir, slot, connect)
        staged_files = [stage / snapshot_file.CORE, *(shard_path(stage, s) for s in sorted(slots))]
        # Every writer (and the housekeeping on each writer's connection) waits while the
        # files are replaced: none commits, or reads its place in the journal, across it.
        with _writers_held([data_dir / f.name for f in staged_files]):
            for staged in staged_files:
                with (
                    contextlib.closing(connect(staged)) as src,
                    contextlib.closing(connect(data_dir / staged.name)) as live,
                ):
                    src.backup(live)
            # Every process's next request looks at the restored cache epoch (cache_signal.py).
            cache_signal.move(data_dir)
    return found


@contextlib.contextmanager
def _writers_held(files: list[Path]):
    """Hold the writers' lock (lock.py) of every file, in the writers' order: core, shards."""
    with contextlib.ExitStack() as stack:
        for path in files:
            stack.enter_context(held(str(path)))
        yield


def _keep_live(live: Path, staged: Path) -> None:
    """Carry the live access tables and server settings into the staged core file."""
    with contextlib.closing(connect(staged)) as conn:
        conn.execute("ATTACH DATABASE ? AS live", (str(live),))
        conn.execute("BEGIN IMMEDIATE")
        for table in ACCESS_TABLES:
            conn.execute(f"DELETE FROM main.{table}")
            conn.execute(f"INSERT INTO main.{table} SELECT * FROM live.{table}")
        marks = ", ".join("?" * len(SERVER_SETTINGS))
        conn.execute(f"DELETE FROM main.settings WHERE key IN ({marks})", SERVER_SETTINGS)
        conn.execute(
            f"INSERT INTO main.settings SELECT * FROM live.settings WHERE key IN ({marks})",
            SERVER_SETTINGS,
        )
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE live")
