"""The feed socket, /_sandbox/feed: backfill from a cursor (or the last N), then new journal
entries, draws, outgoing attempts and clock moves as they commit, batched.

A stream of the hub like /sse: counted against the worker's cap, pinged, closed with 1001
at shutdown. It reads the next batch only once the last one is sent, so a slow inspector
holds one batch of memory; one that stays behind is told where to resume, and let go.
"""

import time
from urllib.parse import urlsplit

from flask import current_app, g, request
from simple_websocket import ConnectionClosed

from ...errors import ApiError
from ...http.current import runtime
from ...journal import fanout, feed
from ...numbers import whole
from .. import bp, viewer_allowed
from ..common import checked_filters
from ..sockets import SOCKET_ENDPOINTS, sock

POLL_SECONDS = 0.05
TAIL_SECONDS = 0.02  # the shared tail reads this often (one read per process)
BEHIND_SECONDS = 30.0  # a backlog this old means the client cannot keep up
DEFAULT_BACKFILL = 200
FEED_KEYS = ("cursor", "backfill", "kinds")


def _kinds(text: str) -> tuple:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip()) or feed.KINDS
    wrong = [k for k in kinds if k not in feed.KINDS]
    if wrong:
        raise ApiError(
            400, f"kinds: unknown {', '.join(wrong)}; use {', '.join(feed.KINDS)}", "bad_kinds"
        )
    return kinds


def prepare() -> None:
    """Check the feed's query before the handshake, so that a mistake is a plain JSON 400."""
    args = request.args
    origin = request.headers.get("Origin")
    if g.get("by_cookie") and origin and urlsplit(origin).netloc != request.host:
        # A page of another site may open a WebSocket here with the browser's cookie.
        raise ApiError(
            403,
            f"The feed answers the inspector's own page, not {origin}",
            "cross_site_socket",
            "Open the inspector from the sandbox itself.",
        )
    cursor = args.get("cursor", "")
    if cursor:
        try:
            feed.decode(cursor)
        except feed.BadCursor as exc:
            raise ApiError(400, str(exc), "bad_cursor") from exc
    backfill = whole(args.get("backfill", str(DEFAULT_BACKFILL)), feed.MAX_BACKFILL)
    if backfill is None:
        raise ApiError(
            400, f"backfill must be a whole number up to {feed.MAX_BACKFILL}", "bad_backfill"
        )
    g.feed_args = {
        "scope": g.principal.tenant_id,
        "cursor": cursor,
        "backfill": backfill,
        "kinds": _kinds(args.get("kinds", "")),
        "filters": {k: v for k, v in args.items() if k not in FEED_KEYS},
    }
    checked_filters(g.feed_args["filters"])  # a bad filter is a 400 now


def _send(ws, frame: dict) -> None:
    ws.send(current_app.json.dumps(frame))


# Inspectors of one process with the same filters read the same rows at the same cursor:
# the first one's read (and its frame, serialised) serves the others for a moment. Reusing
# a read is safe at any age: it is a snapshot, and the cursor after it still finds every
# later commit (each file's ids rise in commit order).
_READS: dict = {}
READ_REUSE_SECONDS = 0.5


def _read(store, cursor, args, kinds, masker, filters):
    """Return (frame text or None, cursor, more): one shared read per cursor and filter."""
    key = (cursor, args["scope"], tuple(sorted(args["filters"].items())), kinds)
    now = time.monotonic()
    found = _READS.get(key)
    if found is not None and now - found[0] < READ_REUSE_SECONDS:
        return found[1:]
    items, after, more = feed.read(store, cursor, filters(), kinds, masker)
    text = (
        current_app.json.dumps({"type": "batch", "items": items, "cursor": after})
        if items
        else None
    )
    if len(_READS) > 256:
        _READS.clear()
    _READS[key] = (now, text, after, more)
    return text, after, more


@bp.before_request
def _prepare_feed():
    if request.endpoint == "admin.feed_socket":
        prepare()


@sock.route("/feed", bp=bp)
@viewer_allowed
def feed_socket(ws):
    """Stream the feed to an inspector (see the module docstring)."""
    stream = g.pop("sandbox_stream")
    args = g.pop("feed_args")
    store, masker = runtime().store, runtime().masker()
    kinds = args["kinds"]

    def filters():
        return checked_filters(args["filters"])

    def closing():
        ws.close(1001, "The sandbox is shutting down")

    stream.on_close = closing
    with stream:
        try:
            _send(ws, {"type": "hello", **_oldest(store)})
            if args["cursor"]:
                cursor = args["cursor"]
            else:
                items, cursor = feed.backfill(store, args["backfill"], filters(), kinds, masker)
                for start in range(0, len(items), feed.BATCH):
                    _send(
                        ws,
                        {
                            "type": "batch",
                            "items": items[start : start + feed.BATCH],
                            "cursor": cursor,
                        },
                    )
            state = {
                "clock": feed.clock_state(store),
                "restored": feed.restore_state(store),
                "caught_up": False,
            }
            while not stream.closing and ws.connected:
                cursor = _from_store(ws, stream, store, cursor, args, kinds, masker, filters, state)
                if cursor is None or not fanout.joinable(filters()):
                    return
                cursor = _from_tail(ws, stream, store, cursor, kinds, masker, filters, state)
        except ConnectionClosed:
            pass


def _clock_move(ws, store, kinds, cursor, state) -> None:
    restored = feed.restore_state(store)
    if restored != state["restored"]:
        # The journal the feed's cursor points into was replaced: the page starts over.
        _send(ws, {"type": "restored", "snapshot": restored})
        ws.close(1012, "The sandbox's state was restored from a snapshot")
        return
    if "clock" not in kinds:
        return
    now_clock = feed.clock_state(store)
    if now_clock != state["clock"]:
        state["clock"] = now_clock
        _send(ws, {"type": "batch", "items": [feed.clock_frame(now_clock)], "cursor": cursor})


def _caught_up(ws, cursor, state) -> None:
    if not state["caught_up"]:
        state["caught_up"] = True
        _send(ws, {"type": "caught_up", "cursor": cursor})


def _from_store(ws, stream, store, cursor, args, kinds, masker, filters, state):
    """Read the store from `cursor` until caught up; return the cursor, or None when done.

    A socket whose filters the shared tail cannot apply stays here, polling.
    """
    behind_since = None
    while not stream.closing and ws.connected:
        text, cursor, more = _read(store, cursor, args, kinds, masker, filters)
        if text is not None:
            ws.send(text)
        if more:
            behind_since = behind_since or time.monotonic()
            if time.monotonic() - behind_since > BEHIND_SECONDS:
                _send(
                    ws,
                    {
                        "type": "behind",
                        "cursor": cursor,
                        "message": "this inspector fell behind the traffic; reconnect with this "
                        "cursor to resume without a gap",
                    },
                )
                ws.close(1013, "fell behind: resume from the last cursor")
                return None
            continue
        _clock_move(ws, store, kinds, cursor, state)
        _caught_up(ws, cursor, state)
        if fanout.joinable(filters()):
            return cursor
        behind_since = None
        time.sleep(POLL_SECONDS)
    return None


def _from_tail(ws, stream, store, cursor, kinds, masker, filters, state):
    """Follow the process's shared tail from `cursor`; return the cursor when it cannot."""
    tail = fanout.tail_for(store, runtime().masker, TAIL_SECONDS)
    point = tail.join(cursor)
    if point is None:
        return cursor
    seq, joined = point
    more = True
    while more:  # what lies between this socket's cursor and the tail's point, from the store
        items, cursor, more = feed.read(store, cursor, filters(), kinds, masker, upto=joined)
        if items:
            _send(ws, {"type": "batch", "items": items, "cursor": cursor})
    active = filters()
    key = (kinds, tuple(sorted(active.exact.items())), active.status, active.auth)
    while not stream.closing and ws.connected:
        batches = tail.after(seq, timeout=0.5)
        if batches is None:
            return cursor  # behind what the tail keeps: back to the store
        for batch_seq, after, items, frames in batches:
            seq, cursor = batch_seq, after
            # Sockets of a process with the same filters send the same frame: made once.
            text = frames.get(key)
            if text is None:
                picked = [i for i in items if fanout.matches(i, active, kinds)]
                text = frames[key] = (
                    current_app.json.dumps({"type": "batch", "items": picked, "cursor": after})
                    if picked
                    else ""
                )
            if text:
                ws.send(text)
        _clock_move(ws, store, kinds, cursor, state)
    return cursor


def _oldest(store) -> dict:
    """Return the oldest entry still kept: older ones were pruned by retention."""
    shards = store.shards()
    oldest = None
    for shard in shards:
        row = store.journal_one(f"SELECT min(ts) AS ts FROM {shard}.journal")
        if row["ts"] and (oldest is None or row["ts"] < oldest):
            oldest = row["ts"]
    cfg = current_app.config
    return {
        "oldest": oldest,
        "retention": {
            "maxEntries": cfg["JOURNAL_MAX_ENTRIES"],
            "maxAgeDays": cfg["JOURNAL_MAX_AGE_DAYS"],
        },
    }


SOCKET_ENDPOINTS.add("admin.feed_socket")
