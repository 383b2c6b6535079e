"""Journal housekeeping behind the writer: retention (entries and age) and full-text indexing.

Runs in the writer thread between batches, in short transactions of a bounded chunk,
so pruning a million entries never blocks ingest for more than one chunk's time.
"""

import logging

log = logging.getLogger(__name__)
# The text each journal row contributes to journal_fts; deletes must repeat it exactly.
FTS_COLUMNS = "path, CAST(body AS TEXT)"
FTS_CURSOR = "journal_fts_last_id"


class Maintenance:
    """Prunes the journal and events beyond max entries or max age; indexes new entries."""

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

    def __call__(self, conn) -> float:
        """Do one chunk of each job; return seconds until the next run (sooner when behind)."""
        behind = False
        if self.fulltext:
            behind |= self._index(conn)
        behind |= self._prune(conn, "journal", "ts_epoch", self.clock.time() - self.max_age)
        cutoff_iso = self.clock.isoformat(self.clock.time() - self.max_age)
        behind |= self._prune(conn, "events", "received_at", cutoff_iso)
        return 0.2 if behind else 1.0

    def _index(self, conn) -> bool:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (FTS_CURSOR,)).fetchone()
        last = int(row[0]) if row else 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            top = conn.execute(
                "SELECT max(id) FROM (SELECT id FROM journal WHERE id > ? ORDER BY id LIMIT ?)",
                (last, self.chunk),
            ).fetchone()[0]
            if top is None:
                conn.execute("ROLLBACK")
                return False
            conn.execute(
                f"INSERT INTO journal_fts(rowid, path, body) SELECT id, {FTS_COLUMNS} "
                "FROM journal WHERE id > ? AND id <= ?",
                (last, top),
            )
            conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (FTS_CURSOR, str(top)))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return top - last >= self.chunk

    def _cutoff_id(self, conn, table: str, age_column: str, age_limit) -> int | None:
        low, high = conn.execute(f"SELECT min(id), max(id) FROM {table}").fetchone()
        if low is None:
            return None
        cutoff = low
        if self.max_entries and high - low + 1 > self.max_entries:
            cutoff = high - self.max_entries + 1
        if self.max_age:
            # Ids grow with time: the first row young enough bounds the expired ones.
            keep = conn.execute(
                f"SELECT id FROM {table} WHERE id >= ? AND {age_column} >= ? ORDER BY id LIMIT 1",
                (low, age_limit),
            ).fetchone()
            cutoff = max(cutoff, keep[0] if keep else high + 1)
        return min(cutoff, low + self.chunk) if cutoff > low else None

    def _prune(self, conn, table: str, age_column: str, age_limit) -> bool:
        if not (self.max_entries or self.max_age):
            return False
        conn.execute("BEGIN IMMEDIATE")
        try:
            cutoff = self._cutoff_id(conn, table, age_column, age_limit)
            if cutoff is None:
                conn.execute("ROLLBACK")
                return False
            if table == "journal" and self.fulltext:
                conn.execute(
                    f"INSERT INTO journal_fts(journal_fts, rowid, path, body) "
                    f"SELECT 'delete', id, {FTS_COLUMNS} FROM journal WHERE id < ? AND "
                    "id <= (SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?)",
                    (cutoff, FTS_CURSOR),
                )
            deleted = conn.execute(f"DELETE FROM {table} WHERE id < ?", (cutoff,)).rowcount
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self.pruned += deleted
        return deleted >= self.chunk
