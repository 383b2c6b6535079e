"""Has the client of a stream gone? A non-blocking peek at its socket, under any server model."""

import _socket
import socket

_PEEK = socket.MSG_PEEK | socket.MSG_DONTWAIT


def peer_gone(fd: int) -> bool:
    """Return True if the peer of connected socket `fd` closed it (or it failed).

    An SSE client sends nothing after its request head, so a readable socket means
    end of file. The C-level socket is used because gevent patches `socket.socket`
    into one whose recv() would wait instead of answering at once.
    """
    try:
        sock = _socket.socket(fileno=fd)
    except OSError:
        return True  # not a socket any more: closed under us
    try:
        return sock.recv(1, _PEEK) == b""
    except BlockingIOError:
        return False  # nothing to read: the client is still there
    except OSError:
        return True
    finally:
        sock.detach()  # the fd belongs to the server: never close it here


def hang_up(fd: int) -> None:
    """Shut a connected socket down for both directions (its owner then reads end of file).

    Through the C-level socket: gevent's shutdown() would instead cancel the owner's
    pending read with an error, which gunicorn logs as a socket failure.
    """
    try:
        sock = _socket.socket(fileno=fd)
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the peer
    finally:
        sock.detach()
