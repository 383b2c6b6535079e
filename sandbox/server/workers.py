"""gunicorn's gevent worker, told about the sandbox's streams: counts, and a clean close.

Each connection is a greenlet: an idle /sse stream, a WebSocket or a client that sends
its head one byte a second costs a socket and a few KB, and never a thread. gunicorn's
gevent worker already bounds reading a request's head with its keep-alive timer
(`keepalive`, set from SANDBOX_HEAD_TIMEOUT): a head that has not arrived in time
closes the connection. What it adds here:
- every open connection is counted on the workers' board (/_sandbox/health);
- on SIGTERM or SIGQUIT every open stream is closed at once, and every keep-alive
  connection that waits for its next request, so the graceful stop waits only for
  requests in progress and the worker exits within a second or two, not at its timeout.
"""

import time
from functools import partial

import gevent
from gevent.event import Event
from gevent.pool import Pool
from gevent.server import StreamServer
from gunicorn.workers.ggevent import GeventWorker

from ..streams.peer import hang_up
from . import tls


class StreamingWorker(GeventWorker):
    """GeventWorker that counts its connections and closes its streams on shutdown."""

    hub = None  # the app's stream hub (streams/hub.py), set by server.run.worker_options
    tls_listener = None  # the TLS port's Listener (server/tls.py), set by server.run.serve
    proxy = None  # the device proxy's port (server/proxy.py), set by server.run.serve

    def init_process(self):
        """Start the worker; its board row counts connections from now on."""
        self.hub.board.counts_connections = True
        self._connections = {}  # client socket -> True while it is in a request
        if self.tls_listener is not None:
            self.tls_listener.start()  # the TLS context, made after the fork
        super().init_process()

    def handle(self, listener, client, addr):
        """Serve one connection, counted while it is open (over TLS on the TLS port)."""
        board = self.hub.board
        board.add("connections", 1)
        self._connections[client] = False
        try:
            proxied = self.proxy is not None and self.proxy.serves(listener)
            if proxied and self.proxy.accept(client, addr) is None:
                return  # tunnelled elsewhere, refused or malformed: done
            if proxied or (self.tls_listener is not None and self.tls_listener.serves(listener)):
                secured = self.tls_listener.handshake(client, addr)
                if secured is None:  # explained in the log; nothing to serve
                    return
                self._connections.pop(client, None)
                client = secured
                self._connections[client] = False
            super().handle(listener, client, addr)
        finally:
            self._connections.pop(client, None)
            board.add("connections", -1)

    def handle_request(self, listener_name, req, sock, addr):
        """Serve one request; during shutdown, close its connection after the answer."""
        tls.describe(req, sock)  # https, and what the handshake said, for the journal
        self._connections[sock] = True
        try:
            result = super().handle_request(listener_name, req, sock, addr)
        finally:
            self._connections[sock] = False
        if not self.alive:
            # Decided per request by gunicorn when it started: a stream that began
            # before the shutdown would otherwise keep its connection for another request.
            raise StopIteration()
        # A socket whose next request is already there never blocks, and gevent switches
        # only on a block: without this a busy keep-alive connection keeps the loop while
        # the others wait (measured: p99 341-448 ms without, 74-98 ms with, same run).
        gevent.sleep(0)
        return result

    def _stop_streams(self) -> None:
        self.hub.shutdown()
        for client, busy in list(self._connections.items()):
            if not busy:  # waiting for its next request head: nothing is lost
                hang_up(client.fileno())

    def run(self):
        """Serve until told to stop, then finish the requests in progress (GeventWorker.run).

        gunicorn's loop looks at `alive` once a second, before and during the graceful stop:
        here a stop wakes it at once and the requests in progress are looked at every 50 ms,
        so Ctrl-C (or a test's teardown) takes tenths of a second, not one or two seconds.
        """
        self._stop_asked = Event()
        servers = []
        for sock in self.sockets:
            sock.setblocking(1)
            server = StreamServer(
                sock, handle=partial(self.handle, sock), spawn=Pool(self.worker_connections)
            )
            if self.cfg.workers > 1:
                server.max_accept = 1  # as gunicorn: leave the next connection to a sibling
            server.start()
            servers.append(server)
        while self.alive:
            self.notify()
            self._stop_asked.wait(1.0)
        for server in servers:  # accept nothing more
            server.close()
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline:
            if all(s.pool.free_count() == s.pool.size for s in servers):
                return
            self.notify()
            gevent.sleep(0.05)
        self.log.warning("Worker graceful timeout (pid:%s)", self.pid)
        for server in servers:
            server.stop(timeout=1)

    def handle_exit(self, sig, frame):
        """SIGTERM: close every stream and idle connection, then stop as gunicorn does."""
        super().handle_exit(sig, frame)
        self._stopping()

    def handle_quit(self, sig, frame):
        """SIGQUIT/SIGINT: close every stream and idle connection, then stop."""
        super().handle_quit(sig, frame)
        self._stopping()

    def _stopping(self) -> None:
        gevent.spawn(self._stop_streams)
        stop_asked = getattr(self, "_stop_asked", None)
        if stop_asked is not None:
            stop_asked.set()
