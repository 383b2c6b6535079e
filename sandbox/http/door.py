"""The ingest door: a few POST routes answered beneath Flask, on the same request path.

Event ingest carries nearly all of a load test's traffic, and a misconfigured client
sends all of it as 401s; Flask's request machinery costs more than the ingest itself
(docs/architecture.md, "One request, end to end"). For the routes registered here the
door calls begin(), the route's own handler (the one its Flask view calls) and finish(),
and writes the same bytes Flask would. It holds no step of its own: a request it cannot
read whole (no Content-Length) goes to Flask, which takes the same path.
"""

import logging

from werkzeug.http import HTTP_STATUS_CODES

from ..errors import ApiError
from ..numbers import whole
from ..store import dumps
from ..store.health import FailureLog
from . import faults
from .errors import unexpected
from .path import (
    Call,
    Runtime,
    StoreFailed,
    begin,
    error_answer,
    finish,
    read_body,
    store_failed,
    too_large,
)

log = logging.getLogger(__name__)
# One traceback per kind, then a count a minute: a failure on every request stays one line.
failures = FailureLog(log)


def json_bytes(value) -> bytes:
    """Return a JSON answer's bytes exactly as Flask's JSON provider writes them."""
    return (dumps(value) + "\n").encode()


class Door:
    """WSGI middleware answering its routes' POSTs; everything else goes on to Flask."""

    def __init__(self, wsgi_app, rt: Runtime, routes: dict):
        """routes: path -> (the Flask endpoint the journal names, handler(call) -> answer)."""
        self.wsgi_app, self.rt, self.routes = wsgi_app, rt, routes

    def __call__(self, environ, start_response):
        """Answer a registered route here, or hand the request to Flask."""
        route = self.routes.get(environ.get("PATH_INFO"))
        length = environ.get("CONTENT_LENGTH", "")
        # A length the door can read: digits that fit (anything else is Flask's to refuse).
        declared = whole(length, 2**63 - 1)
        if route is None or environ.get("REQUEST_METHOD") != "POST" or declared is None:
            return self.wsgi_app(environ, start_response)
        body, oversize = read_body(environ["wsgi.input"], declared, self.rt)
        endpoint, handler = route
        call = begin(self.rt, environ, environ["PATH_INFO"], body, endpoint)
        fault = None
        try:
            if oversize is not None:
                raise too_large(oversize, self.rt)
            fault = faults.before(self.rt, call)
            answer, status, headers = handler(call)
            headers = {**headers, **faults.label(fault)}
        except ApiError as exc:
            answer, status, headers = error_answer(self.rt, call, exc, call.path)
        except Exception as exc:  # a bug of ours: answered as Flask's handler answers it
            failures.failed(f"unhandled error on POST {endpoint}", exc)
            answer, status, headers = error_answer(self.rt, call, unexpected(), call.path)
        return self._send(call, start_response, json_bytes(answer), status, headers, fault)

    def _send(self, call: Call, start_response, payload: bytes, status: int, extra: dict, fault):
        headers = {
            "Content-Type": "application/json",
            "Content-Length": str(len(payload)),
            **extra,
        }
        try:
            headers.update(finish(call, status, dict(headers), payload))
        except StoreFailed:
            answer, status, extra = store_failed(call.path)
            payload = json_bytes(answer)
            headers = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
            headers.update(extra)
        cut = faults.after(fault, payload, headers)
        if cut is not None:
            headers, body = cut
            if not fault.reset:  # a reset sends nothing, not even the status line
                start_response(
                    f"{status} {HTTP_STATUS_CODES[status].upper()}", list(headers.items())
                )
            return body
        start_response(f"{status} {HTTP_STATUS_CODES[status].upper()}", list(headers.items()))
        return [payload]
