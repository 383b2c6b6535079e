"""Journal housekeeping behind the writer: retention (entries and age) and full-text indexing.

Runs in the writer thread between batches, in short transactions of a bounded chunk,
so pruning a million entries never blocks ingest for more than one chunk's time.
Each worker's writer keeps its own journal shard (store/shards.py).
"""

import logging

log = logging.getLogger(__name__)
# The text each journal row contributes to journal_fts; deletes must repeat it exactly.
FTS_COLUMNS = "path, CAST(body AS TEXT)"
FTS_CURSOR = "journal_fts_last_id"


class Maintenance:
    """Prunes the journal and events beyond max entries or max age; indexes new entries.

    It runs on the writer's connection, whose `main` is this worker's journal shard: the
    entry cap is shared out between the shards (`others` on the connection).
    """

    def __init__(
        self,
        clock,
        max_entries: int = 0,
        max_age_seconds: float = 0,
        fulltext: bool = True,
        chunk: int = 2000,
    ):
        self.clock = clock
        self.max_entries = max_entries
        self.max_age = max_age_seconds
        self.fulltext = fulltext
        self.chunk = chunk
        self.pruned = 0
        self._rows: dict = {}  # table -> [rows, highest id counted]
        self._version = None  # the file's data_version when last counted

    def __call__(self, conn) -> float:
        """Do one chunk of each job; return seconds until the next run (sooner when behind)."""
        # This writer is its file's only one; another connection's commit means another
        # state was put in place (a snapshot restored): count again, not from the old count.
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._version = version
            self._rows.clear()
        behind = False
        if self.fulltext:
            behind |= self._index(conn)
        behind |= self._prune(conn, "journal", "ts_epoch", self.clock.time() - self.max_age)
        cutoff_iso = self.clock.isoformat(self.clock.time() - self.max_age)
        behind |= self._prune(conn, "events", "received_at", cutoff_iso)
        return 0.2 if behind else 1.0

    def _index(self, conn) -> bool:
        conn.execute("BEGIN")
        try:
            # Read in the transaction: a restore may have put another journal in place since.
            row = conn.execute(
                "SELECT value FROM shard_meta WHERE key = ?", (FTS_CURSOR,)
            ).fetchone()
            last = int(row[0]) if row else 0
            top = conn.execute(
                "SELECT max(id) FROM (SELECT id FROM journal WHERE id > ? ORDER BY id LIMIT ?)",
                (last, self.chunk),
            ).fetchone()[0]
            if top is None:
                conn.execute("ROLLBACK")
                return False
            indexed = conn.execute(
                f"INSERT INTO journal_fts(rowid, path, body) SELECT id, {FTS_COLUMNS} "
                "FROM journal WHERE id > ? AND id <= ?",
                (last, top),
            ).rowcount
            conn.execute("INSERT OR REPLACE INTO shard_meta VALUES (?, ?)", (FTS_CURSOR, str(top)))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return indexed >= self.chunk

    def _count(self, conn, table: str) -> int:
        """Return the rows in `table`: counted once, then only what arrived since."""
        state = self._rows.get(table)
        if state is None:
            rows, top = conn.execute(f"SELECT count(*), max(id) FROM {table}").fetchone()
            state = self._rows[table] = [rows, top or 0]
        else:
            new, top = conn.execute(
                f"SELECT count(*), max(id) FROM {table} WHERE id > ?", (state[1],)
            ).fetchone()
            state[0] += new
            state[1] = top or state[1]
        return state[0]

    def _cap(self, conn) -> int:
        # Each shard keeps its share: the workers' connections spread load evenly.
        shards = 1 + len(getattr(conn, "others", ()))
        return -(-self.max_entries // shards)

    def _cutoff_id(self, conn, table: str, age_column: str, age_limit) -> int | None:
        low = conn.execute(f"SELECT min(id) FROM {table}").fetchone()[0]
        if low is None:
            return None
        cutoff = low
        if self.max_entries:
            # Ids are not counts (journal ids carry time): step over the excess rows.
            excess = self._count(conn, table) - self._cap(conn)
            if excess > 0:
                cutoff = self._nth_id(conn, table, min(excess, self.chunk)) or low
        if self.max_age:
            # Ids grow with time: the first row young enough bounds the expired ones.
            keep = conn.execute(
                f"SELECT id FROM {table} WHERE id >= ? AND {age_column} >= ? ORDER BY id LIMIT 1",
                (low, age_limit),
            ).fetchone()
            if keep is None:
                keep = conn.execute(f"SELECT max(id) + 1 FROM {table}").fetchone()
            cutoff = max(cutoff, keep[0])
        if cutoff <= low:
            return None
        # At most one chunk per transaction: ingest waits for no more than that.
        bound = self._nth_id(conn, table, self.chunk)
        return cutoff if bound is None else min(cutoff, bound)

    @staticmethod
    def _nth_id(conn, table: str, n: int) -> int | None:
        """Return the id with `n` rows below it, or None if there are not that many."""
        row = conn.execute(f"SELECT id FROM {table} ORDER BY id LIMIT 1 OFFSET ?", (n,)).fetchone()
        return None if row is None else row[0]

    def _prune(self, conn, table: str, age_column: str, age_limit) -> bool:
        if not (self.max_entries or self.max_age):
            return False
        conn.execute("BEGIN")
        try:
            cutoff = self._cutoff_id(conn, table, age_column, age_limit)
            if cutoff is None:
                conn.execute("ROLLBACK")
                return False
            if table == "journal" and self.fulltext:
                conn.execute(
                    f"INSERT INTO journal_fts(journal_fts, rowid, path, body) "
                    f"SELECT 'delete', id, {FTS_COLUMNS} FROM journal WHERE id < ? AND "
                    "id <= (SELECT CAST(value AS INTEGER) FROM shard_meta WHERE key = ?)",
                    (cutoff, FTS_CURSOR),
                )
            deleted = conn.execute(f"DELETE FROM {table} WHERE id < ?", (cutoff,)).rowcount
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if table in self._rows:
            self._rows[table][0] -= deleted
        self.pruned += deleted
        return deleted >= self.chunk
