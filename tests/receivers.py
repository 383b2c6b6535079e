"""Webhook receivers the tests run on 127.0.0.1: a correct one, one that skips signature checks,
one that credits a repeated rewardId twice."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.conftest import free_port


class Receiver(BaseHTTPRequestHandler):
    """Verifies X-CG-SIGNATURE over the raw body and credits each rewardId once."""

    secret = ""
    verify = True
    dedupe = True
    credited: dict = {}
    calls: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.calls.append((dict(self.headers.items()), raw))
        expected = hmac.new(self.secret.encode(), raw, hashlib.sha1).hexdigest()
        if self.verify and not hmac.compare_digest(
            expected, self.headers.get("X-CG-SIGNATURE", "")
        ):
            return self._answer(401, {"error": "bad signature"})
        reward = json.loads(raw).get("rewardId") or json.loads(raw).get("userId")
        if self.dedupe and reward in self.credited:
            return self._answer(200, {"duplicate": True, "credited": False})
        self.credited[reward] = self.credited.get(reward, 0) + 1
        return self._answer(200, {"credited": True})

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


def start(secret: str, verify: bool = True, dedupe: bool = True):
    """Start a receiver; return (server, its URL, its handler class with credited and calls)."""
    handler = type(
        "R",
        (Receiver,),
        {"secret": secret, "verify": verify, "dedupe": dedupe, "credited": {}, "calls": []},
    )
    server = _Server(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hooks", handler


def stop(server) -> None:
    """Stop a receiver and close its socket."""
    server.shutdown()
    server.server_close()
