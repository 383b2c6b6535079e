"""The one request path: begin (capture, clock, entry) -> handler -> finish (record, commit).

Every emulated request takes it, through Flask's hooks (hooks.py) or through the
ingest door beneath Flask (door.py); both call begin(), the same handler and finish().
Handlers note fields and queue their domain writes on the Call; finish() commits the
writes with the journal entry in one transaction, and only then does the answer leave
(design rule 1: acknowledged means stored).
"""

import io
import logging
import re
import time

from werkzeug.wsgi import get_input_stream

from ..auth.checks import AuthFailure, Chain
from ..auth.sent import Sent
from ..config import public_url
from ..domain import tenants
from ..errors import ApiError, error_body
from ..journal.record import Record
from ..masking import Masker
from ..numbers import whole
from ..store import Write, dumps, settings
from ..store.health import FailureLog
from ..streams import Hub
from .attribution import attribute
from .capture import capture_environ

log = logging.getLogger(__name__)
failures = FailureLog(log)
# A response header value a server can send: gunicorn refuses control and non-ASCII bytes.
_NOT_HEADER_SAFE = re.compile(r"[^\x20-\x7e]")


class Runtime:
    """What every request needs from the app, read once when the app is made."""

    __slots__ = (
        "store",
        "clock",
        "config",
        "admin_token",
        "body_max",
        "body_limit",
        "streams",
        "started",
    )

    def __init__(self, store, clock, config: dict, streams: Hub):
        self.store, self.clock, self.config, self.streams = store, clock, config, streams
        # Uptime is about this process, not domain time: the real monotonic clock.
        self.started = time.monotonic()
        self.admin_token = config["ADMIN_TOKEN"]
        self.body_max = config["BODY_MAX"]  # what the journal keeps of a body
        self.body_limit = config["BODY_MAX_BYTES"]  # what a request may send

    def masker(self) -> Masker:
        """Return a masker of this sandbox's secrets: the admin token and every tenant's.

        Kept as long as the store keeps the tenants (a second; a tenant change drops it).
        """
        return self.store.cached(
            ("masker",), lambda: Masker([self.admin_token, *tenants.known_secrets(self.store)])
        )

    def public_url(self) -> str:
        """Return the URL apps reach this sandbox by, as the server's start stored it."""
        return settings.get(self.store, "public_url") or public_url(self.config)

    def save_clock(self) -> None:
        """Store the virtual clock's state for every other process (after a move)."""
        settings.save_clock(self.store, self.clock)

    def sync_clock(self) -> None:
        """Catch up with the other workers before a request: the cached rows one of them
        changed (tenants, keys, fault plans) and the virtual clock's shared state."""
        self.store.follow_epoch()
        if self.clock.virtual:
            settings.load_clock(self.store, self.clock)


class Call:
    """One emulated request on its way: what was sent, its journal entry, its queued writes."""

    __slots__ = ("rt", "environ", "body", "sent", "entry", "writes", "chain", "t0")

    def __init__(self, rt: Runtime, environ: dict, body: bytes, entry: dict, t0: float):
        self.rt, self.environ, self.body, self.entry, self.t0 = rt, environ, body, entry, t0
        self.sent = Sent(environ, body)
        self.writes: list[Write] = []
        self.chain: Chain | None = None

    @property
    def path(self) -> str:
        """The request's path."""
        return self.entry["path"]

    def note(self, **fields) -> None:
        """Set fields of the journal entry (tenant_id, user_id, event_id...)."""
        self.entry.update(fields)

    def flag(self, name: str, problem: str | None = None) -> None:
        """Flag the request (e.g. "invalid", "no_token"), with an optional reason."""
        if name not in self.entry["flags"]:
            self.entry["flags"].append(name)
        if problem:
            self.entry["problems"].append(problem)

    def write(self, write: Write) -> None:
        """Queue a domain write, committed with the journal entry before the answer leaves.

        Its result may be a dict with "flags", "problems" and "headers" to add to the
        entry and the answer (e.g. a duplicate found at insert time).
        """
        self.writes.append(write)


class StoreFailed(Exception):
    """The request's entry and writes could not be committed: it is not acknowledged."""


def begin(rt: Runtime, environ: dict, path: str, body: bytes, route: str | None) -> Call:
    """Start an emulated request: sync the clock, capture it, open its journal entry."""
    # perf_counter measures latency; it is not a domain time read (see clock.py).
    t0 = time.perf_counter()
    rt.sync_clock()
    entry = capture_environ(environ, path, body, rt.clock, rt.body_max)
    entry.update(flags=[], problems=[], route=route)
    return Call(rt, environ, body, entry, t0)


def read_body(stream, length: int | None, rt: Runtime) -> tuple[bytes, int | None]:
    """Read a request body within the limit: (body, None), or (its head, size) when too large.

    A body declared larger than the limit is not read past what the journal keeps of it;
    one of unknown length (chunked) is read up to one byte past the limit.
    """
    if length is not None and length > rt.body_limit:
        return stream.read(min(length, rt.body_max)), length
    body = stream.read(rt.body_limit + 1 if length is None else length)
    if len(body) > rt.body_limit:
        return body[: rt.body_max], len(body)
    return body, None


def bound_body(environ: dict, limit: int) -> None:
    """Read a body within `limit` and hand it to Flask as read; a 413 past it, chunked or not.

    For the sandbox's own surface, whose views read bodies through Flask: a chunked body
    would otherwise be cut at the limit without a word (and a sheet imported in part).
    """
    length = environ.get("CONTENT_LENGTH")
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if not chunked and length in (None, "", "0"):
        return
    declared = whole(length or "", 2**63 - 1)
    if declared is not None and declared > limit:
        raise too_large_at(declared, limit)
    stream = get_input_stream(environ, max_content_length=None)
    body = stream.read(limit + 1 if declared is None else declared)
    if len(body) > limit:
        raise too_large_at(len(body), limit)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.pop("wsgi.input_terminated", None)


def too_large_at(size: int, limit: int) -> ApiError:
    """Return the 413 of a body of `size` bytes (or more) over `limit`."""
    return ApiError(
        413,
        f"The body is {size:,} bytes or more; this sandbox accepts at most {limit:,}",
        "body_too_large",
        "Send a smaller body, or raise SANDBOX_BODY_MAX_BYTES (a chunked body counts too).",
        limits={"bodyBytes": limit},
    )


def too_large(size: int, rt: Runtime) -> ApiError:
    """Return the 413 of a body over the limit (the server drains the rest, unstored)."""
    return too_large_at(size, rt.body_limit)


def journal_url(call: Call) -> str:
    """Return the admin URL of the call's journal entry, on the host the caller used."""
    environ = call.environ
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
    scheme = environ.get("wsgi.url_scheme", "http")
    return f"{scheme}://{host}/_sandbox/journal/{call.entry['request_id']}"


def error_answer(
    rt: Runtime, call: Call | None, exc: ApiError, path: str
) -> tuple[dict, int, dict]:
    """Return (body, status, headers) of an error; an auth failure's verdict goes on the call.

    What the caller sent can come back in a message (a path, an id): any secret of this
    sandbox in it is masked, even the caller's own.
    """
    masker = rt.masker()
    extra, message, hint, headers = exc.extra, exc.message, exc.hint, exc.headers
    # One scan of everything the answer says; fields are masked only when it finds a secret.
    said = dumps([path, message, hint, extra, headers])
    if masker.finds(said):
        extra, message = masker.json(extra), masker.text(message)
        hint, path = hint and masker.text(hint), masker.text(path)
        headers = {k: masker.text(v) for k, v in headers.items()}
    if call is not None and isinstance(exc, AuthFailure):
        call.chain = exc.chain
        if exc.chain.tenant_id and not call.entry.get("tenant_id"):
            call.note(tenant_id=exc.chain.tenant_id)  # the refusal counts for its tenant
        extra = {**extra, "requestId": call.entry["request_id"], "journal": journal_url(call)}
    body = error_body(path, exc.status, message, exc.reason, hint, **extra)
    headers = {k: header_safe(v) for k, v in headers.items()}
    return body, exc.status, headers


def header_safe(value: str) -> str:
    """Return text fit for a header value: printable ASCII (what a caller sent may not be)."""
    return _NOT_HEADER_SAFE.sub("?", value)[:1000]


def finish(call: Call, status: int, headers: dict, body: bytes | None) -> dict:
    """Record the answer and commit it with the call's writes; return headers to add.

    Raises StoreFailed if the store could not commit: the caller answers store_failed().
    """
    entry = call.entry
    if call.chain is not None:
        entry.update(call.chain.verdict())
    entry["status"] = status
    attribute(call)  # whose it evidently is, refused or not (attribution.py)
    entry["response_headers"] = headers
    entry["response_body"] = None if body is None else body[: call.rt.body_max]
    entry["latency_ms"] = round((time.perf_counter() - call.t0) * 1000, 3)
    try:
        added = call.rt.store.write(Record(entry, call.writes))
    except Exception as exc:
        # A full disk fails every request: one traceback, then a count a minute.
        failures.failed(f"could not record {entry['method']} {entry['route'] or 'a request'}", exc)
        raise StoreFailed from exc
    added["X-Sandbox-Request-Id"] = entry["request_id"]
    return added


def store_failed(path: str) -> tuple[dict, int, dict]:
    """Return (body, status, headers) of a request not recorded: 503, retry after a second."""
    body = error_body(
        path,
        503,
        "The sandbox could not store this request, so it is not acknowledged; retry it.",
        "store_unavailable",
    )
    return body, 503, {"Retry-After": "1"}
