"""Recording a request: its domain writes and its journal entry, one unit for the writer.

A Record runs in a writer batch. Its journal row is turned into column values when the
record is made, in the request's own thread, so that the writer thread, the one part
every request of a process waits on, only inserts.
"""

from ..store import Target, Write, dumps, insert_many, loads, marks
from ..store.writes import combined, run_all
from .search import COLUMNS, JSON_COLUMNS

_INSERT_COLUMNS = ("id", *COLUMNS)

_FLAGS, _PROBLEMS, _ANSWERED = (COLUMNS.index(c) for c in ("flags", "problems", "response_headers"))
_HEADERS, _TENANT, _TS, _ID, _STATUS = (
    COLUMNS.index(c) for c in ("headers", "tenant_id", "ts", "request_id", "status")
)
# Set by the TLS port and the device proxy (server/tls.py): the request came over TLS.
_TLS_HEADER = '"X-Sandbox-Tls"'
# The columns a journal entry's marks are made of (store/marks.py), in its argument order.
_MARKED = tuple(
    COLUMNS.index(c)
    for c in ("tenant_id", "ts", "request_id", "route", "status", "auth_result", "auth_reason")
)


def entry_values(entry: dict) -> tuple:
    """Return a journal entry as the journal table's column values."""
    values = []
    for col in COLUMNS:
        value = entry.get(col)
        if col in JSON_COLUMNS:
            # Empty flags/problems are stored as NULL: most requests have none.
            value = dumps(value) if value else None
        values.append(value)
    return tuple(values)


def _with_extra(values: tuple, flags: list, problems: list, headers: dict) -> tuple:
    """Return values with what the writes found at commit time: flags and problems (a
    duplicate), and the headers they add to the answer (the event's stored uid), so the
    entry keeps the answer as it was sent."""
    row = list(values)
    if flags or problems:
        old_flags, old_problems = loads(values[_FLAGS], []), loads(values[_PROBLEMS], [])
        merged = old_flags + [f for f in dict.fromkeys(flags) if f not in old_flags]
        row[_FLAGS] = dumps(merged) if merged else None
        row[_PROBLEMS] = dumps(old_problems + problems) if old_problems or problems else None
    if headers:
        row[_ANSWERED] = dumps({**loads(values[_ANSWERED], {}), **headers})
    return tuple(row)


class Record(Write):
    """A request's domain writes, then its journal entry: one unit for the writer.

    Its result is the headers the domain writes asked to add to the response. The
    entry goes to the writer's journal shard; a record whose writes are all shard
    writes (an event) commits without the lock the workers share (store/writer.py).
    """

    __slots__ = ("values", "answered", "writes", "target", "changes_cached")

    def __init__(self, entry: dict, writes: list[Write]):
        self.values = entry_values(entry)
        self.answered = entry.get("response_headers") or {}
        self.writes = writes
        # Most records (every 401, every event) need no set to tell their target.
        if not writes:
            self.target, self.changes_cached = Target.SHARD, False
        else:
            self.target = combined([Target.SHARD, *(w.target for w in writes)])
            self.changes_cached = any(w.changes_cached for w in writes)

    def run(self, conn) -> dict:
        """Record this request alone (the writer's retry of a failed batch)."""
        return Record.run_many(conn, [self])[0]

    @classmethod
    def run_many(cls, conn, records: list["Record"]) -> list[dict]:
        """Record a batch of requests: their writes in order, then every entry at once."""
        results = iter(run_all(conn, [w for record in records for w in record.writes]))
        answers, rows = [], []
        for record in records:
            headers, flags, problems = {}, [], []
            for _fn in record.writes:
                extra = next(results)
                if not isinstance(extra, dict):  # e.g. a cursor from conn.execute
                    continue
                flags.extend(extra.get("flags", ()))
                problems.extend(extra.get("problems", ()))
                headers.update(extra.get("headers", {}))
            answers.append(headers)
            # Only what the request path could not say already (a repeat's first copy): the
            # common answer is kept as encoded in the request's thread, not re-encoded here.
            added = {k: v for k, v in headers.items() if record.answered.get(k) != v}
            found = flags or problems or added
            rows.append(
                _with_extra(record.values, flags, problems, added) if found else record.values
            )
        ids = conn.journal_ids(len(rows))
        insert_many(
            conn, "journal", _INSERT_COLUMNS, [(i, *r) for i, r in zip(ids, rows, strict=True)]
        )
        # The tenant's first and last request of each kind, in the same transaction: the
        # checklist reads these instead of the journal (store/marks.py).
        tally = marks.Tally()
        for row in rows:
            marks.journal_row_marks(tally, *(row[i] for i in _MARKED))
            if row[_STATUS] == 200 and row[_TENANT] and _TLS_HEADER in (row[_HEADERS] or ""):
                # A device reached the sandbox over TLS (the checklist's step 1 counts it).
                tally.add(row[_TENANT], "tls", row[_TS], row[_ID])
        tally.write(conn, marks.JOURNAL_TABLE)
        return answers
