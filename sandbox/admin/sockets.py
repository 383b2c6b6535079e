"""WebSocket endpoints of the admin surface; /_sandbox/ws/echo checks the path end to end.

Every socket is a stream of the hub (streams/hub.py), like an /sse response: it counts
against the worker's cap (a JSON 503 with Retry-After past it, before the handshake),
is pinged every heartbeat, and is closed with 1001 when the sandbox shuts down.
"""

from flask import g, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from ..http.current import runtime
from ..http.streams import open_stream
from . import bp

sock = Sock()
MAX_MESSAGE_BYTES = 64 * 1024  # a larger message closes the socket with 1009
SOCKET_ENDPOINTS = {"admin.ws_echo"}


@bp.before_request
def reserve_stream():
    """Take a stream slot before the handshake, so that a refusal is a plain JSON 503."""
    if request.endpoint in SOCKET_ENDPOINTS:
        g.sandbox_stream = open_stream(runtime(), "ws")


@bp.teardown_request
def release_stream(_exc=None):
    """Give the slot back if the handshake failed before the socket took it over."""
    stream = g.pop("sandbox_stream", None)
    if stream is not None:
        stream.close()


def server_options(heartbeat: float) -> dict:
    """Return simple-websocket's options: heartbeat pings, a message size bound."""
    return {"ping_interval": heartbeat, "max_message_size": MAX_MESSAGE_BYTES}


@sock.route("/ws/echo", bp=bp)
def ws_echo(ws):
    """Echo every message back: a WebSocket through the sandbox works end to end."""
    stream = g.pop("sandbox_stream")

    def closing():
        ws.close(1001, "The sandbox is shutting down")

    stream.on_close = closing
    with stream:
        if stream.closing:  # shut down between the reservation and the handshake
            closing()
            return
        try:
            while not stream.closing:
                message = ws.receive()
                if message is None:
                    break
                ws.send(message)
        except ConnectionClosed:
            pass
