"""Typed writes: what a caller hands the writer, and which file each one touches.

Domain functions return Write objects; the request path commits them with the journal
entry in one transaction (http/path.py), other callers through Store.write(). The
writer decides from `target` whether a batch needs the core file's lock (shared by every
worker) or only this worker's journal shard (writer.py), never from the caller's say.
"""

from enum import Enum


class Target(Enum):
    """The files a write touches."""

    CORE = "core"  # the domain tables in sandbox.db
    SHARD = "shard"  # this worker's journal shard only (journal entries, events)
    BOTH = "both"  # a shard row and a domain row in one transaction


class Write:
    """One unit of work for the writer: run(conn) -> result, on the files `target` names.

    A subclass may override run_many() to do a run of its own kind in fewer statements;
    the writer hands it every consecutive write of that class in a batch.
    """

    __slots__ = ()
    target = Target.CORE
    # Whether committing it changes rows Store.cached() keeps (tenants): then the
    # process's cache is dropped once the write is committed.
    changes_cached = False
    # Whether a batch may run it before other requests' earlier writes of other classes:
    # it reads no row those write (only rows of its own class, whose order is kept).
    commutes = False

    def run(self, conn):
        """Apply the write on `conn` (inside the writer's transaction); return its result."""
        raise NotImplementedError

    @classmethod
    def run_many(cls, conn, writes: list) -> list:
        """Apply writes of this class in order; return their results."""
        return [write.run(conn) for write in writes]


class CoreWrite(Write):
    """A function of the connection that writes the domain tables."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def run(self, conn):
        """Call the function."""
        return self.fn(conn)


class ShardWrite(CoreWrite):
    """A function of the connection that writes this worker's journal shard only."""

    __slots__ = ()
    target = Target.SHARD


class CachedWrite(CoreWrite):
    """A CoreWrite of rows Store.cached() keeps (tenants, keys): the cache goes after it."""

    __slots__ = ()
    changes_cached = True

    def run(self, conn):
        """Call the function and move the cache epoch, in the same transaction, so every
        other worker drops its cache before it answers its next request (Store.cached).

        The epoch is a fresh random number, not a count: a restore brings back an earlier
        epoch, and a count would then climb again to the very number a worker last saw."""
        result = self.fn(conn)
        conn.execute("UPDATE cache_epoch SET n = random()")
        return result


def combined(targets) -> Target:
    """Return the target of a unit made of writes with these targets."""
    seen = set(targets)
    if seen <= {Target.CORE}:
        return Target.CORE
    return Target.SHARD if seen == {Target.SHARD} else Target.BOTH


class Bundle(Write):
    """Writes committed together, in order, as one unit (a request's writes without an entry)."""

    __slots__ = ("writes", "target", "changes_cached")

    def __init__(self, writes: list):
        self.writes = writes
        self.target = combined(w.target for w in writes)
        self.changes_cached = any(w.changes_cached for w in writes)

    def run(self, conn) -> list:
        """Run the writes; return their results."""
        return run_all(conn, self.writes)


def run_all(conn, writes: list) -> list:
    """Run writes in order and return their results; a run of one class goes together.

    Grouping saves statements: each SQLite statement hands the GIL back and must win it
    again from the request threads while the batch holds the write lock. When every write
    commutes (a batch of events: each an event row and its grants), each class's writes
    go together across the batch, in their order.
    """
    if len(writes) > 2 and all(type(w).commutes for w in writes):
        return _run_by_class(conn, writes)
    results: list = []
    i = 0
    while i < len(writes):
        kind = type(writes[i])
        j = i + 1
        while j < len(writes) and type(writes[j]) is kind:
            j += 1
        results.extend(kind.run_many(conn, writes[i:j]))
        i = j
    return results


def _run_by_class(conn, writes: list) -> list:
    """Run each class's writes together (classes in order of first appearance, writes in
    their order); return the results in the writes' order."""
    positions: dict[type, list[int]] = {}
    for i, write in enumerate(writes):
        positions.setdefault(type(write), []).append(i)
    results: list = [None] * len(writes)
    for kind, where in positions.items():
        done = kind.run_many(conn, [writes[i] for i in where])
        for i, result in zip(where, done, strict=True):
            results[i] = result
    return results
