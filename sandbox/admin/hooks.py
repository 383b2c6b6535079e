"""The built-in receiver: /_sandbox/hooks/<name> records what it is sent and answers as programmed.

For partners without a receiver yet, and for rehearsing every failure path, including the
ones below HTTP: a status sequence (500,500,200), a delay, a timeout, a connection closed
mid-body, headers then a stall, a Retry-After, a coupon code.
"""

import re
import time

from flask import Response, current_app, request

from ..errors import ApiError
from ..http.body import request_json_body
from ..http.path import too_large_at
from ..http.ratelimit import RateLimit
from ..openapi.declare import ADMIN, NONE, declare, param
from ..store import CoreWrite, dumps, loads
from ..streams.peer import hang_up
from . import OPEN_ENDPOINTS, bp

NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
BEHAVIOURS = ("answer", "timeout", "close", "stall")
MAX_DELAY = 120.0
KEPT_CALLS = 1000
# The receiver answers without a token: what anyone can make it keep is bounded.
MAX_HOOKS = 1000  # names
KEPT_BODY = 65_536  # bytes of each call's body
DEFAULT = {"statuses": [200], "behaviour": "answer", "delaySeconds": 0, "retryAfter": None}
NAME_PARAM = [
    param(
        "name",
        "path",
        True,
        schema={"type": "string", "pattern": r"^[A-Za-z0-9_.\-]{1,64}$"},
        example="postman",
    )
]


def _store():
    return current_app.extensions["sandbox.store"]


def _limit(cfg) -> RateLimit:
    """Return this process's rate limit of the receiver (one per app)."""
    limit = current_app.extensions.get("sandbox.hooks_rate")
    if limit is None:
        limit = current_app.extensions["sandbox.hooks_rate"] = RateLimit(cfg["HOOKS_RATE"])
    return limit


def _name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise ApiError(
            400,
            "A hook name is 1-64 letters, digits, '.', '_' or '-'",
            "bad_hook_name",
            "Use e.g. /_sandbox/hooks/my-receiver.",
        )
    return name


def _whole(value) -> bool:
    """A whole number as JSON writes it: 500 or 500.0, never true."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value == int(value)


def _program_problems(body: dict) -> list[str]:
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


@bp.put("/hooks/<name>")
@declare(
    "Program a receiver: what it answers to each call",
    "admin",
    ADMIN,
    "Hook",
    errors=(400, 401),
    body="HookProgram",
    example={"statuses": [200], "couponCode": "sequence"},
    body_required=False,
    params=NAME_PARAM,
)
def program_hook(name):
    """Set what /_sandbox/hooks/<name> answers; resets its call count."""
    name = _name(name)
    body = request_json_body(types={"statuses": "array", "behaviour": "string"})
    problems = _program_problems(body)
    if problems:
        raise ApiError(400, "; ".join(problems), "bad_hook_program", "See the README's receiver.")
    keys = ("statuses", "behaviour", "delaySeconds", "retryAfter", "couponCode")
    program = {**DEFAULT, **{k: body[k] for k in keys if k in body}}
    program["statuses"] = [int(s) for s in program["statuses"]]
    if program["retryAfter"] is not None:
        program["retryAfter"] = int(program["retryAfter"])
    _store().write(
        CoreWrite(
            lambda conn: conn.execute(
                "INSERT INTO hooks (name, program, served) VALUES (?, ?, 0) ON CONFLICT(name) "
                "DO UPDATE SET program = excluded.program, served = 0",
                (name, dumps(program)),
            )
        )
    )
    return _view(name)


def _view(name: str) -> dict:
    row = _store().one("SELECT * FROM hooks WHERE name = ?", (name,))
    calls = _store().all(
        "SELECT id, at, method, headers, body, answered FROM hook_calls WHERE name = ? "
        "ORDER BY id DESC LIMIT 100",
        (name,),
    )
    return {
        "name": name,
        "url": request.host_url.rstrip("/") + f"/_sandbox/hooks/{name}",
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


@bp.get("/hooks/<name>")
@declare(
    "A receiver's program and the last 100 calls it recorded",
    "admin",
    ADMIN,
    "Hook",
    errors=(400, 401),
    params=NAME_PARAM,
)
def show_hook(name):
    """Show what the receiver was sent (newest first) and what it answers."""
    return _view(_name(name))


def _take(name: str, headers: dict, body: str, now: str, budget: tuple[int, int]) -> CoreWrite:
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


@bp.post("/hooks/<name>")
@declare(
    "The receiver itself: records the call and answers as programmed (no token: senders call it)",
    "admin",
    NONE,
    {"type": "object"},
    errors=(400, 404, 413, 429),
    params=NAME_PARAM,
    expect=(200, 400),
)
def receive_hook(name):
    """Record the call; answer the programmed status, delay, failure or coupon code."""
    name = _name(name)
    cfg = current_app.config
    _limit(cfg).check(request.remote_addr or "?", "the built-in receiver", "SANDBOX_HOOKS_RATE")
    raw = request.get_data(cache=False)  # read within the admin surface's limit (http/path.py)
    if len(raw) > cfg["HOOK_BODY_MAX_BYTES"]:
        raise too_large_at(len(raw), cfg["HOOK_BODY_MAX_BYTES"])
    now = current_app.extensions["sandbox.clock"].isoformat()
    headers = dict(request.headers.items())
    budget = (cfg["HOOK_KEPT_BYTES"], cfg["HOOKS_KEPT_BYTES"])
    body = raw[:KEPT_BODY].decode(errors="replace")
    taken = _store().write(_take(name, headers, body, now, budget))
    if taken is None:
        raise ApiError(
            404,
            f"No receiver {name!r}, and this sandbox already keeps {MAX_HOOKS} of them",
            "hook_not_found",
            "Send to a receiver that exists (GET /_sandbox/hooks/<name>), or program one "
            "with PUT /_sandbox/hooks/<name>.",
        )
    program, index, status = taken
    behaviour = program.get("behaviour", "answer")
    delay = float(program.get("delaySeconds") or 0)
    if behaviour == "timeout":
        time.sleep(delay or 30.0)
    elif delay:
        time.sleep(delay)
    answer = {"received": True, "call": index + 1}
    code = program.get("couponCode")
    if code and 200 <= status < 300:
        answer["code"] = f"CPN-{name.upper()}-{index + 1:05d}" if code == "sequence" else code
    text = dumps(answer).encode()
    extra = {}
    if program.get("retryAfter") is not None:
        extra["Retry-After"] = str(program["retryAfter"])
    if behaviour == "close":
        # Announce the whole body, send half of it, hang up: the sender sees a cut answer.
        peer = request.environ.get("gunicorn.socket")
        fd = peer.fileno() if peer is not None else None

        def cut():
            yield text[: len(text) // 2]
            if fd is not None:
                hang_up(fd)

        extra["Content-Length"] = str(len(text))
        return Response(cut(), status=status, headers=extra, mimetype="application/json")
    if behaviour == "stall":

        def stall():
            yield b" "
            time.sleep(MAX_DELAY)
            yield text

        return Response(stall(), status=status, headers=extra, mimetype="application/json")
    return Response(text, status=status, headers=extra, mimetype="application/json")


OPEN_ENDPOINTS.add("admin.receive_hook")
