"""The ingest fast path: events and their explained 401s, answered beneath Flask.

POST /server/v4 and /v4/sdk carry nearly all of a load test's traffic and all of a
replayed production day, and a misconfigured client sends all of its traffic as
401s. Flask's request machinery costs more than the ingest itself (BENCHMARKS.md),
so a JSON request to these paths is answered here as WSGI middleware: a valid event,
or the explained 401 of a failed writeKey or event-user check. It runs the same auth
checks, domain functions and journal entry as the view in events.py and gives the
same response bytes. Anything else (a body that is not a JSON object, a flagged
event, another content type) steps aside to Flask, which answers it as before.

Flask's hooks do not run here: what pipeline.py adds to every request must be added
here too. tests/test_ingest_fast.py compares the two paths' answers and journal entries.
"""

import io
import time

import orjson
from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from ..auth import AuthFailure
from ..auth.bearer import check_event_user
from ..auth.checks import Chain
from ..auth.sent import Sent
from ..auth.writekey import HEADER, require_write_key
from ..domain import events
from ..errors import error_body
from ..http import path as pipeline
from ..http.capture import capture_environ
from ..store import dumps, settings

# path -> (event source, the Flask endpoint the journal names, as the view would)
ROUTES = {
    "/server/v4": ("server", "events.server_event"),
    "/v4/sdk": ("sdk", "events.sdk_analytics"),
}
_JSON = "application/json"


def _is_json(content_type: str) -> bool:
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype == _JSON or mimetype.endswith("+json")


class IngestFastPath:
    """WSGI middleware answering event ingest and its 401s; the rest goes to Flask."""

    def __init__(self, app: Flask, wsgi_app):
        self.wsgi_app = wsgi_app
        # Read once: create_app installs this middleware after the store and clock exist.
        self.store = app.extensions["sandbox.store"]
        self.clock = app.extensions["sandbox.clock"]
        self.admin_token = app.config["ADMIN_TOKEN"]
        self.body_max = app.config["BODY_MAX"]
        self.answered = 0  # requests answered here rather than by Flask (this process)

    def __call__(self, environ, start_response):
        """Answer a valid event or an explained 401 here, or hand the request to Flask."""
        answer = None
        route = ROUTES.get(environ.get("PATH_INFO"))
        if route is not None and environ.get("REQUEST_METHOD") == "POST":
            answer = self._ingest(environ, *route)
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, payload = answer
        self.answered += 1
        start_response(status, headers)
        return [payload]

    def _ingest(self, environ: dict, source: str, endpoint: str):
        """Return (status, headers, body) for a plain event or an explained 401, else None."""
        store, clock = self.store, self.clock
        length = environ.get("CONTENT_LENGTH", "")
        if not _is_json(environ.get("CONTENT_TYPE", "")) or not length.isdigit():
            return None
        t0 = time.perf_counter()  # latency, not a domain time read
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again if we step aside
        if clock.virtual:
            # As in the pipeline: another worker may have moved the virtual clock.
            settings.load_clock(store, clock)
        entry = capture_environ(environ, environ["PATH_INFO"], body, clock, self.body_max)
        entry.update(flags=[], problems=[], route=endpoint)
        # The view's order: the writeKey, then the body, then the event's user.
        sent = Sent.of_environ(environ, body)
        chain = Chain("writekey", entry, environ)
        try:
            tenant, _ = require_write_key(
                store, (HEADER,), None, None, self.admin_token, sent, chain
            )
        except AuthFailure as failure:
            return self._refuse(entry, t0, failure)
        try:
            event = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None  # the view's 400, from Flask
        if not isinstance(event, dict):
            return None
        try:
            check_event_user(chain, tenant, event.get("user_id"), sent.headers)
        except AuthFailure as failure:
            return self._refuse(entry, t0, failure)
        if events.problems_of(event, source):
            return None  # answered 200 but flagged: the view's flagging path
        return self._accept(entry, t0, source, event, tenant, chain)

    def _accept(self, entry, t0, source, event, tenant, chain):
        """Journal and store the event as the view and pipeline would; return the answer."""
        entry.update(chain.outcome(tenant_id=tenant["id"]))
        entry.update(events.journal_fields(event))
        uid = events.new_uid()
        row = events.row_for(
            tenant["id"], event, source, [], entry["request_id"], self.clock.isoformat(), uid
        )
        # Flask's JSON responses end with a newline; these bytes are the view's.
        payload = (dumps(events.receipt(uid)) + "\n").encode()
        return self._answer(entry, t0, "200 OK", {}, payload, [events.store_event(row)])

    def _refuse(self, entry, t0, failure: AuthFailure):
        """Journal and answer an explained 401 as Flask's error handler and pipeline would."""
        body = error_body(
            failure.status,
            failure.message,
            failure.reason,
            failure.hint,
            path=entry["path"],
            **failure.extra,
        )
        status = f"{failure.status} {HTTP_STATUS_CODES[failure.status].upper()}"
        payload = (dumps(body) + "\n").encode()
        return self._answer(entry, t0, status, failure.headers, payload, [])

    def _answer(self, entry, t0, status: str, extra: dict, payload: bytes, writes: list):
        """Commit the journal entry (and writes); return the answer, or a 503 if not stored."""
        headers = {"Content-Type": _JSON, "Content-Length": str(len(payload)), **extra}
        try:
            added = pipeline.record(
                self.store,
                entry,
                int(status[:3]),
                dict(headers),
                payload,
                t0,
                writes,
                self.body_max,
            )
        except Exception:  # logged by record(); the request is not acknowledged
            failed = (dumps(error_body(**pipeline.store_failed(entry["path"]))) + "\n").encode()
            length = str(len(failed))
            headers = [("Content-Type", _JSON), ("Content-Length", length), ("Retry-After", "1")]
            return "503 SERVICE UNAVAILABLE", headers, failed
        headers.update(added)
        headers["X-Sandbox-Request-Id"] = entry["request_id"]
        return status, list(headers.items()), payload
