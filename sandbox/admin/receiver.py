"""The built-in receiver: /_sandbox/hooks/<name> records what it is sent and answers as programmed.

For partners without a receiver yet, and for rehearsing every failure path, including the
ones below HTTP: a status sequence (500,500,200), a delay, a timeout, a connection closed
mid-body, headers then a stall, a Retry-After, a coupon code.
"""

import json

from flask import Response, current_app, request

from ..errors import ApiError
from ..http.body import request_json_body
from ..http.current import runtime
from ..http.path import too_large_at
from ..http.ratelimit import RateLimit
from ..openapi.declare import NONE, declare, declare_admin, param
from ..outgoing import receiver
from ..streams.peer import hang_up
from . import OPEN_ENDPOINTS, bp

NAME_PARAM = [
    param(
        "name",
        "path",
        True,
        schema={"type": "string", "pattern": r"^[A-Za-z0-9_.\-]{1,64}$"},
        example="postman",
    )
]


def _limit(cfg) -> RateLimit:
    """Return this process's rate limit of the receiver (one per app)."""
    limit = current_app.extensions.get("sandbox.hooks_rate")
    if limit is None:
        limit = current_app.extensions["sandbox.hooks_rate"] = RateLimit(cfg["HOOKS_RATE"])
    return limit


def _name(name: str) -> str:
    if not receiver.NAME.fullmatch(name):
        raise ApiError(
            400,
            "A hook name is 1-64 letters, digits, '.', '_' or '-'",
            "bad_hook_name",
            "Use e.g. /_sandbox/hooks/my-receiver.",
        )
    return name


@bp.put("/hooks/<name>")
@declare_admin(
    "Program a receiver: what it answers to each call",
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
    problems = receiver.program_problems(body)
    if problems:
        raise ApiError(400, "; ".join(problems), "bad_hook_program", "See the README's receiver.")
    runtime().store.write(receiver.program(name, body))
    return _view(name)


def _view(name: str) -> dict:
    return receiver.view(runtime().store, name, request.host_url.rstrip("/"))


@bp.get("/hooks/<name>")
@declare_admin(
    "A receiver's program and the last 100 calls it recorded",
    "Hook",
    errors=(400, 401),
    params=NAME_PARAM,
)
def show_hook(name):
    """Show what the receiver was sent (newest first) and what it answers."""
    return _view(_name(name))


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
    now = runtime().clock.isoformat()
    headers = dict(request.headers.items())
    budget = (cfg["HOOK_KEPT_BYTES"], cfg["HOOKS_KEPT_BYTES"])
    body = raw[: receiver.KEPT_BODY].decode(errors="replace")
    taken = runtime().store.write(receiver.take(name, headers, body, now, budget))
    if taken is None:
        raise ApiError(
            404,
            f"No receiver {name!r}, and this sandbox already keeps {receiver.MAX_HOOKS} of them",
            "hook_not_found",
            "Send to a receiver that exists (GET /_sandbox/hooks/<name>), or program one "
            "with PUT /_sandbox/hooks/<name>.",
        )
    program, index, status = taken
    # A graceful stop ends a rehearsed wait at once instead of waiting it out.
    stopping = runtime().streams.stopping
    behaviour = program.get("behaviour", "answer")
    delay = float(program.get("delaySeconds") or 0)
    if behaviour == "timeout":
        stopping.wait(delay or 30.0)
    elif delay:
        stopping.wait(delay)
    answer = {"received": True, "call": index + 1}
    code = program.get("couponCode")
    if code and 200 <= status < 300:
        answer["code"] = f"CPN-{name.upper()}-{index + 1:05d}" if code == "sequence" else code
    text = json.dumps(answer, separators=(",", ":")).encode()
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
            stopping.wait(receiver.MAX_DELAY)
            yield text

        return Response(stall(), status=status, headers=extra, mimetype="application/json")
    return Response(text, status=status, headers=extra, mimetype="application/json")


OPEN_ENDPOINTS.add("admin.receive_hook")
