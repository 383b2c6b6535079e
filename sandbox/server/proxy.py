"""The device proxy: point a phone's Wi-Fi proxy at the sandbox's machine, as one does for
Charles or mitmproxy, and the app changes nothing.

A `CONNECT api.customerglu.com:443` (any CustomerGlu host) is answered here: the tunnel is
opened to ourselves, the TLS handshake is done with the sandbox's certificate (server/tls.py)
and gunicorn serves the requests inside, through the one request path. A CONNECT to any other
host is tunnelled to it untouched (counted in the log), or refused with 403 when
SANDBOX_PROXY_TUNNEL is false. Anything but a CONNECT is a 405 that says what the port is.
"""

import logging
import socket
import time

import gevent

from ..hosts import names
from ..numbers import whole
from .tls import connection_record

log = logging.getLogger("sandbox.proxy")
HEAD_MAX = 8192  # a CONNECT head is a line and a few headers
RELAY_BYTES = 65536


class Proxy:
    """The proxy port of one server."""

    def __init__(self, port: int, tunnel: bool, timeout: float, ours: list[str]):
        self.port, self.tunnel, self.timeout = port, tunnel, timeout
        self.ours = {n.lower() for n in (*names(), *ours)}
        self.tunnelled = 0
        self.runtime = None  # the app's Runtime: each tunnel and refusal is journaled

    def serves(self, listener) -> bool:
        """Return True if `listener` is the proxy port."""
        try:
            return listener.getsockname()[1] == self.port
        except OSError:
            return False

    def accept(self, client, addr) -> tuple[str, str] | None:
        """Read the CONNECT; return (host, port) when the sandbox answers it itself, or None
        once it was tunnelled, refused or malformed (the connection is then done)."""
        head = _read_head(client, self.timeout)
        if head is None:
            _answer(client, 400, "The proxy needs a CONNECT request head (at most 8 KB).")
            return None
        method, _, rest = head.partition(" ")
        target = rest.split(" ", 1)[0]
        if method.upper() != "CONNECT":
            _answer(
                client,
                405,
                "This is the sandbox's device proxy: it takes CONNECT host:443 (HTTPS). "
                "Send plain HTTP to the sandbox's own port.",
            )
            return None
        host, _, port = target.rpartition(":")
        host = host.strip("[]").lower()
        if not host or whole(port, 65535) is None:
            _answer(client, 400, f"CONNECT needs host:port, not {target[:100]!r}")
            return None
        if host in self.ours:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            return host, port
        if not self.tunnel:
            log.warning("proxy: refused a CONNECT to %s from %s", target, addr[0] if addr else "?")
            self._journal(addr, target, 403, "refused: SANDBOX_PROXY_TUNNEL=false")
            _answer(
                client,
                403,
                f"{host} is not a CustomerGlu host, and this sandbox tunnels none "
                "(SANDBOX_PROXY_TUNNEL=false)",
            )
            return None
        self._relay(client, host, int(port), addr)
        return None

    def _relay(self, client, host: str, port: int, addr) -> None:
        try:
            upstream = socket.create_connection((host, port), timeout=self.timeout)
        except OSError as exc:
            _answer(client, 502, f"The proxy could not reach {host}:{port}: {exc}")
            return
        self.tunnelled += 1
        log.info("proxy: tunnelled %s:%s for %s (%d so far)", host, port, addr, self.tunnelled)
        self._journal(addr, f"{host}:{port}", 200, None)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        upstream.settimeout(None)
        client.settimeout(None)
        other = gevent.spawn(_pipe, upstream, client)
        _pipe(client, upstream)
        other.join(timeout=self.timeout)
        for s in (upstream, client):
            try:
                s.close()
            except OSError:
                pass

    def _journal(self, addr, target: str, status: int, problem: str | None) -> None:
        """Journal a CONNECT the sandbox did not answer itself (flag `tunnel`): it is counted."""
        if self.runtime is None:
            return
        record = connection_record(
            self.runtime,
            addr[0] if addr else None,
            "CONNECT",
            target,
            "(tunnel)",
            status,
            "tunnel",
            problems=[problem] if problem else None,
        )
        try:
            self.runtime.store.write(record)
        except Exception:  # the journal must not break a tunnel
            log.exception("could not journal a tunnel")


def _read_head(client, timeout: float) -> str | None:
    """Return the request line of the head, having consumed the head and nothing after it:
    what follows (a tunnelled request, a TLS ClientHello) stays for whoever reads next."""
    client.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            seen = client.recv(HEAD_MAX, socket.MSG_PEEK)
            if not seen:
                return None
            end = seen.find(b"\r\n\r\n")
            if end >= 0:
                head = client.recv(end + 4)
                return head.split(b"\r\n", 1)[0].decode("latin-1")
            if len(seen) >= HEAD_MAX:
                return None
            gevent.sleep(0.01)  # the rest of the head is on its way
    except OSError:
        return None
    finally:
        client.settimeout(None)
    return None


def _answer(client, status: int, message: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 405: "Method Not Allowed"}.get(
        status, "Bad Gateway"
    )
    body = (message + "\n").encode()
    try:
        client.sendall(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        client.close()
    except OSError:
        pass


def _pipe(source, sink) -> None:
    try:
        while chunk := source.recv(RELAY_BYTES):
            sink.sendall(chunk)
    except OSError:
        pass
    try:
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass
