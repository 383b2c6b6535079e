"""The built-in receiver's record (the hooks and hook_calls tables): each name's program, the
calls it was sent, and the byte budgets that bound what anyone can make it keep."""

import re

from ..store import CoreWrite, Store, dumps, loads

NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
BEHAVIOURS = ("answer", "timeout", "close", "stall")
MAX_DELAY = 120.0
KEPT_CALLS = 1000
# The receiver answers without a token: what anyone can make it keep is bounded.
MAX_HOOKS = 1000  # names
KEPT_BODY = 65_536  # bytes of each call's body
DEFAULT = {"statuses": [200], "behaviour": "answer", "delaySeconds": 0, "retryAfter": None}


def _whole(value) -> bool:
    """A whole number as JSON writes it: 500 or 500.0, never true."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value == int(value)


def program_problems(body: dict) -> list[str]:
    """Return what is wrong with a program (nothing: it can be stored)."""
    problems = []
    statuses = body.get("statuses", [200])
    if (
        not isinstance(statuses, list)
        or not statuses
        or len(statuses) > 100
        or not all(_whole(s) and 200 <= s <= 599 for s in statuses)
    ):
        problems.append("statuses must be a list of 1-100 HTTP statuses (200-599)")
    if body.get("behaviour", "answer") not in BEHAVIOURS:
        problems.append(f"behaviour must be one of {', '.join(BEHAVIOURS)}")
    delay = body.get("delaySeconds", 0)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= MAX_DELAY:
        problems.append(f"delaySeconds must be a number from 0 to {MAX_DELAY:g}")
    after = body.get("retryAfter")
    if after is not None and (not _whole(after) or after < 0):
        problems.append("retryAfter must be whole seconds or null")
    code = body.get("couponCode")
    if code is not None and (not isinstance(code, str) or not 0 < len(code) <= 100):
        problems.append('couponCode must be a code, or "sequence" for a fresh code per call')
    return problems


def program(name: str, body: dict) -> CoreWrite:
    """Return the write that sets a name's program (checked) and resets its call count."""
    keys = ("statuses", "behaviour", "delaySeconds", "retryAfter", "couponCode")
    prog = {**DEFAULT, **{k: body[k] for k in keys if k in body}}
    prog["statuses"] = [int(s) for s in prog["statuses"]]
    if prog["retryAfter"] is not None:
        prog["retryAfter"] = int(prog["retryAfter"])
    return CoreWrite(
        lambda conn: conn.execute(
            "INSERT INTO hooks (name, program, served) VALUES (?, ?, 0) ON CONFLICT(name) "
            "DO UPDATE SET program = excluded.program, served = 0",
            (name, dumps(prog)),
        )
    )


def view(store: Store, name: str, base_url: str) -> dict:
    """Return a name's program and its last 100 calls, newest first."""
    row = store.one("SELECT * FROM hooks WHERE name = ?", (name,))
    calls = store.all(
        "SELECT id, at, method, headers, body, answered FROM hook_calls WHERE name = ? "
        "ORDER BY id DESC LIMIT 100",
        (name,),
    )
    return {
        "name": name,
        "url": f"{base_url}/_sandbox/hooks/{name}",
        "program": loads(row["program"], DEFAULT) if row else DEFAULT,
        "served": row["served"] if row else 0,
        "calls": [
            {
                "id": c["id"],
                "at": c["at"],
                "method": c["method"],
                "headers": loads(c["headers"], {}),
                "body": c["body"],
                "answered": c["answered"],
            }
            for c in calls
        ],
    }


def take(name: str, headers: dict, body: str, now: str, budget: tuple[int, int]) -> CoreWrite:
    """Return the write that counts and records one call: (program, index, status), or None
    for a new name once MAX_HOOKS names exist. The oldest calls go past the byte budgets
    (per name, all names) and past KEPT_CALLS per name."""
    per_name, overall = budget
    size = len(dumps(headers).encode()) + len(body.encode())

    def run(conn):
        row = conn.execute("SELECT program, served FROM hooks WHERE name = ?", (name,)).fetchone()
        if row is None and conn.execute("SELECT count(*) FROM hooks").fetchone()[0] >= MAX_HOOKS:
            return None  # a new name past the cap
        program = loads(row[0], DEFAULT) if row else DEFAULT
        index = row[1] if row else 0
        conn.execute(
            "INSERT INTO hooks (name, program, served, kept_bytes) VALUES (?, ?, 1, ?) "
            "ON CONFLICT(name) DO UPDATE SET served = served + 1, "
            "kept_bytes = kept_bytes + excluded.kept_bytes",
            (name, dumps(program), size),
        )
        statuses = program.get("statuses") or [200]
        answered = statuses[min(index, len(statuses) - 1)]
        conn.execute(
            "INSERT INTO hook_calls (name, at, method, headers, body, answered, size) VALUES "
            "(?, ?, 'POST', ?, ?, ?, ?)",
            (name, now, dumps(headers), body, answered, size),
        )
        _trim(conn, name, per_name, overall)
        return program, index, answered

    return CoreWrite(run)


def _trim(conn, name: str, per_name: int, overall: int) -> None:
    """Drop the oldest calls of `name` past its budget, then the oldest of all past theirs."""
    kept, count = conn.execute(
        "SELECT kept_bytes, (SELECT count(*) FROM hook_calls WHERE name = ?) FROM hooks "
        "WHERE name = ?",
        (name, name),
    ).fetchone()
    while kept > per_name or count > KEPT_CALLS:
        dropped = conn.execute(
            "DELETE FROM hook_calls WHERE id = (SELECT min(id) FROM hook_calls WHERE name = ?) "
            "RETURNING size",
            (name,),
        ).fetchone()
        if dropped is None:
            break
        kept, count = kept - dropped[0], count - 1
        conn.execute("UPDATE hooks SET kept_bytes = ? WHERE name = ?", (kept, name))
    total = conn.execute("SELECT coalesce(sum(kept_bytes), 0) FROM hooks").fetchone()[0]
    while total > overall:
        dropped = conn.execute(
            "DELETE FROM hook_calls WHERE id = (SELECT min(id) FROM hook_calls) "
            "RETURNING name, size"
        ).fetchone()
        if dropped is None:
            break
        total -= dropped[1]
        conn.execute(
            "UPDATE hooks SET kept_bytes = kept_bytes - ? WHERE name = ?", (dropped[1], dropped[0])
        )
