"""Raw-socket clients for stream tests: SSE streams, slow clients, WebSockets."""

import socket
import time
from urllib.parse import urlsplit


def _addr(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def open_sse(url: str, user_id: str, client_id: str, timeout: float = 10.0) -> "SseStream":
    """Open GET /sse for a user on a raw socket; return it once the head has arrived."""
    sock = socket.create_connection(_addr(url), timeout=timeout)
    sock.sendall(
        f"GET /sse?userId={user_id}&clientId={client_id} HTTP/1.1\r\nHost: sandbox\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    stream = SseStream(sock)
    stream.read_until(b"\r\n\r\n", timeout)
    return stream


class SseStream:
    """An open socket and what it received so far."""

    def __init__(self, sock: socket.socket):
        self.sock, self.data, self.closed = sock, b"", False

    @property
    def status(self) -> int:
        """The HTTP status of the answer."""
        return int(self.data.split(b" ", 2)[1])

    def read_until(self, marker: bytes, timeout: float) -> bool:
        """Read until `marker` was received (True) or timeout/EOF (False)."""
        deadline = time.monotonic() + timeout
        while marker not in self.data:
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (TimeoutError, OSError):
                return False
            if not chunk:
                self.closed = True
                return marker in self.data
            self.data += chunk
        return True

    def read_to_eof(self, timeout: float) -> bool:
        """Read until the server closes the connection (True) or timeout (False)."""
        self.read_until(b"\x00never\x00", timeout)
        return self.closed

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()


def slow_client(url: str, timeout: float = 10.0) -> socket.socket:
    """Open a connection that has sent the start of a request head and nothing else."""
    sock = socket.create_connection(_addr(url), timeout=timeout)
    sock.sendall(b"POST /server/v4 HTTP/1.1\r\nHost: sandbox\r\n")
    return sock
