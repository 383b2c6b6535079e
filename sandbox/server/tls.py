"""HTTPS beside HTTP: the TLS port's handshake in each gevent worker, and every failed one
explained in the server's log.

gunicorn binds the TLS port as one more listener; a connection accepted there is wrapped here
with the sandbox's certificate (http/ca.py) before gunicorn reads its request, so both ports
serve the same app through the same request path. A request that came over TLS is marked
https and carries `X-Sandbox-TLS: <version>; sni=<name>` into the journal (a client's own
header of that name is dropped first).
"""

import logging
import socket
import ssl

from ..http import ca
from ..http.capture import new_request_id
from ..journal.record import Record

log = logging.getLogger("sandbox.tls")
HEADER = "X-SANDBOX-TLS"

# OpenSSL's words for why a handshake failed, and what the partner should do.
REASONS = (
    (
        "UNKNOWN_CA",
        "unknown_ca",
        "the client does not trust the sandbox's CA: install it (GET /_sandbox/ca, "
        "`python -m sandbox tls setup`)",
    ),
    (
        "CERTIFICATE_UNKNOWN",
        "certificate_rejected",
        "the client refused the certificate: its CA is not trusted, or the app pins "
        "CustomerGlu's own certificate",
    ),
    (
        "BAD_CERTIFICATE",
        "certificate_rejected",
        "the client refused the certificate (an untrusted CA, or pinning)",
    ),
    (
        "UNSUPPORTED_PROTOCOL",
        "protocol_too_old",
        "the client offered only TLS 1.0/1.1: the sandbox, like CustomerGlu, needs TLS 1.2+",
    ),
    (
        "WRONG_VERSION_NUMBER",
        "not_tls",
        "the client spoke plain HTTP to the TLS port: use https://, or the plain port",
    ),
    (
        "HTTP_REQUEST",
        "not_tls",
        "the client spoke plain HTTP to the TLS port: use https://, or the plain port",
    ),
    ("NO_SHARED_CIPHER", "no_shared_cipher", "the client and the sandbox share no cipher"),
    (
        "EOF",
        "closed_after_certificate",
        "the client hung up during the handshake, after the sandbox's certificate: the usual "
        "sign of certificate pinning (the app pins CustomerGlu's own), or a client that gave up",
    ),
)


def explain(exc: Exception) -> tuple[str, str]:
    """Return (reason, what to do) for a failed handshake."""
    text = str(exc).upper()
    for needle, reason, fix in REASONS:
        if needle in text:
            return reason, fix
    if isinstance(exc, TimeoutError | ssl.SSLError) and "TIMED OUT" in text:
        return "handshake_timeout", "the client did not finish its handshake in time"
    return "handshake_failed", f"the handshake failed: {exc}"


class Listener:
    """The TLS port of one server: which listener it is, and its context in each worker."""

    def __init__(self, port: int, data_dir: str, names: list[str], timeout: float):
        self.port, self.data_dir, self.names, self.timeout = port, data_dir, names, timeout
        self.runtime = None  # the app's Runtime: failed handshakes go into its journal
        self.context = None
        self.loaded = None  # the leaf's modification time when the context was made

    def start(self) -> None:
        """Make this process's TLS context (after the fork: ssl state is per process)."""
        self.context = ca.server_context(self.data_dir, self.names)
        self.loaded = ca.leaf_mtime(self.data_dir)

    def _current(self):
        # `tls rotate` writes a new leaf: the next connection gets it, no restart needed.
        if ca.leaf_mtime(self.data_dir) != self.loaded:
            self.start()
        return self.context

    def serves(self, listener) -> bool:
        """Return True if `listener` is the TLS port."""
        try:
            return listener.getsockname()[1] == self.port
        except OSError:
            return False

    def handshake(self, client, addr):
        """Return the client's socket over TLS, or None after logging why the handshake failed."""
        context = self._current()
        # The name asked for, read from the ClientHello before the handshake consumes it: a
        # name the leaf does not carry still gets the leaf, and the client's check says why.
        name = _peek_sni(client, self.timeout)
        secured = context.wrap_socket(client, server_side=True, do_handshake_on_connect=False)
        try:
            secured.settimeout(self.timeout)
            secured.do_handshake()
            secured.settimeout(None)
            secured.sandbox_sni = name  # for the journal (describe)
            return secured
        except (ssl.SSLError, OSError) as exc:
            reason, fix = explain(exc)
            if name and reason in ("unknown_ca", "certificate_rejected") and name not in self.names:
                reason, fix = (
                    "no_certificate_for_name",
                    f"the sandbox has no certificate for {name}: set SANDBOX_PUBLIC_URL to it "
                    "(its host joins the certificate at the next start)",
                )
            client_addr = addr[0] if addr else None
            log.warning(
                "TLS handshake from %s (SNI %s) failed: %s: %s",
                client_addr or "?",
                name or "none",
                reason,
                fix,
            )
            if self.runtime is not None:
                try:
                    self.runtime.store.write(
                        failure_record(self.runtime, client_addr, name, reason, fix)
                    )
                except Exception:  # the journal must not turn a refused handshake into a crash
                    log.exception("could not journal a failed TLS handshake")
            try:
                secured.close()
            except OSError:
                pass
            return None


def _peek_sni(client, timeout: float) -> str | None:
    """Return the server name of the ClientHello waiting on `client`, without consuming it."""
    try:
        client.settimeout(timeout)
        data = client.recv(4096, socket.MSG_PEEK)
    except OSError:
        return None
    finally:
        client.settimeout(None)
    return server_name(data)


def server_name(data: bytes) -> str | None:
    """Return the SNI host name of a TLS ClientHello record, or None (not one, or none sent)."""
    try:
        if data[0] != 0x16 or data[5] != 0x01:  # a handshake record holding a ClientHello
            return None
        at = 9 + 2 + 32  # record and handshake headers, client version, random
        at += 1 + data[at]  # session id
        at += 2 + int.from_bytes(data[at : at + 2], "big")  # cipher suites
        at += 1 + data[at]  # compression methods
        end = at + 2 + int.from_bytes(data[at : at + 2], "big")
        at += 2
        while at + 4 <= end:
            kind = int.from_bytes(data[at : at + 2], "big")
            size = int.from_bytes(data[at + 2 : at + 4], "big")
            if kind == 0:  # server_name: a list of (type, length, name); type 0 is a host
                length = int.from_bytes(data[at + 7 : at + 9], "big")
                return data[at + 9 : at + 9 + length].decode("ascii") or None
            at += 4 + size
    except (IndexError, UnicodeDecodeError):
        return None
    return None


def describe(req, sock) -> None:
    """Mark a request that came over TLS: https, and the version and SNI in one header."""
    req.headers = [(k, v) for k, v in req.headers if k.upper() != HEADER]
    version = getattr(sock, "version", None)
    if not callable(version):
        return
    req.scheme = "https"
    name = getattr(sock, "sandbox_sni", None) or "none"
    req.headers.append((HEADER, f"{version() or 'TLS'}; sni={name}"))


def failure_record(rt, client_addr: str | None, sni: str | None, reason: str, fix: str) -> Record:
    """Return the journal entry of a failed handshake: "TLS (handshake)", its reason and fix.

    Nothing arrived as a request, so the entry is the only trace the partner can find: "your
    device rejected our certificate at 10:02:13: install the CA".
    """
    check = {
        "name": "tls_handshake",
        "result": "fail",
        "expected": "a client that trusts the sandbox's CA, over TLS 1.2+",
        "got": fix,
    }
    return connection_record(
        rt, client_addr, "TLS", sni or "", "(handshake)", None, "tls", reason, [check], [fix]
    )


def connection_record(
    rt, client_addr, method, host, path, status, flag, reason=None, checks=None, problems=None
) -> Record:
    """Return a journal entry for what happened to a connection itself (a handshake, a tunnel)."""
    rt.sync_clock()  # the sandbox's time, virtual or not, as a request would have
    now = rt.clock.time()
    entry = {
        "request_id": new_request_id(),
        "ts": rt.clock.isoformat(now),
        "ts_epoch": now,
        "method": method,
        "host": host,
        "path": path,
        "query": "",
        "route": f"connection.{flag}",
        "client_addr": client_addr,
        "headers": {},
        "body_size": 0,
        "status": status,
        "auth_result": "fail" if reason else None,
        "auth_reason": reason,
        "checks": checks or [],
        "flags": [flag],
        "problems": problems or [],
    }
    return Record(entry, [])
