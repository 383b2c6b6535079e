"""The ingest fast path: a valid event with a known writeKey, answered beneath Flask.

POST /server/v4 and /v4/sdk carry nearly all of a load test's traffic and all of a
replayed production day. Flask's request machinery costs more than the ingest itself
(BENCHMARKS.md), so the common case, a tenant's writeKey in x-api-key and a JSON
object that passes its schema, is answered here as WSGI middleware with the same
auth checks, domain functions and journal entry as the view in events.py, and the
same response bytes. Anything else (a failed check, a flagged event, another content
type) steps aside to Flask, which answers it exactly as before.

Flask's hooks do not run here: what pipeline.py adds to every request must be added
here too. tests/test_ingest_fast.py compares the two paths' answers and journal entries.
"""

import io
import time

import orjson
from flask import Flask
from werkzeug.datastructures import EnvironHeaders

from .. import events, pipeline, settings, tenants
from ..auth import AuthFailure
from ..auth.bearer import check_event_user
from ..auth.checks import Chain
from ..auth.writekey import HEADER, PLACE_LABELS, check_token_tenant, verify_key
from ..capture import capture_environ
from ..errors import error_body
from ..store import dumps

# path -> (event source, the Flask endpoint the journal names, as the view would)
ROUTES = {
    "/server/v4": ("server", "events.server_event"),
    "/v4/sdk": ("sdk", "events.sdk_analytics"),
}
_WHERE = PLACE_LABELS[HEADER]
_JSON = "application/json"


def _is_json(content_type: str) -> bool:
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype == _JSON or mimetype.endswith("+json")


class IngestFastPath:
    """WSGI middleware answering the happy path of event ingest; the rest goes to Flask."""

    def __init__(self, app: Flask, wsgi_app):
        self.wsgi_app = wsgi_app
        # Read once: create_app installs this middleware after the store and clock exist.
        self.store = app.extensions["sandbox.store"]
        self.clock = app.extensions["sandbox.clock"]
        self.admin_token = app.config["ADMIN_TOKEN"]
        self.body_max = app.config["BODY_MAX"]
        self.answered = 0  # requests answered here rather than by Flask (this process)

    def __call__(self, environ, start_response):
        """Answer a plain valid event here, or hand the request to Flask."""
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
        """Return (status, headers, body) for a request that passes everything, else None."""
        store, clock = self.store, self.clock
        key = environ.get("HTTP_X_API_KEY")
        if key is None or not _is_json(environ.get("CONTENT_TYPE", "")):
            return None
        tenant = tenants.by_write_key(store, key)
        length = environ.get("CONTENT_LENGTH", "")
        if tenant is None or not length.isdigit():
            return None  # an unknown key's explained 401 (and its diagnosis) is Flask's
        t0 = time.perf_counter()  # latency, not a domain time read
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again if we step aside
        try:
            event = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(event, dict) or events.problems_of(event, source):
            return None  # answered 200 but flagged: the view's flagging path
        chain = Chain("writekey")
        headers = EnvironHeaders(environ)
        try:
            verify_key(store, chain, key, _WHERE, _WHERE, self.admin_token)
            check_token_tenant(store, chain, tenant, headers)
            check_event_user(chain, tenant, event.get("user_id"), headers)
        except AuthFailure:
            return None
        if clock.virtual:
            # As in the pipeline: another worker may have moved the virtual clock.
            settings.load_clock(store, clock)
        return self._record(environ, t0, endpoint, source, body, event, tenant, chain)

    def _record(self, environ, t0, endpoint, source, body, event, tenant, chain):
        """Journal and store the event as the view and pipeline would; return the answer."""
        store, clock, body_max = self.store, self.clock, self.body_max
        entry = capture_environ(environ, environ["PATH_INFO"], body, clock, body_max)
        entry.update(flags=[], problems=[], route=endpoint)
        entry.update(chain.outcome(tenant_id=tenant["id"]))
        entry.update(events.journal_fields(event))
        uid = events.new_uid()
        row = events.row_for(
            tenant["id"], event, source, [], entry["request_id"], clock.isoformat(), uid
        )
        # Flask's JSON responses end with a newline; these bytes are the view's.
        payload = (dumps(events.receipt(uid)) + "\n").encode()
        headers = {"Content-Type": _JSON, "Content-Length": str(len(payload))}
        try:
            extra = pipeline.record(
                store, entry, 200, dict(headers), payload, t0, [events.store_event(row)], body_max
            )
        except Exception:  # logged by record(); the event is not acknowledged
            failed = (dumps(error_body(**pipeline.store_failed(entry["path"]))) + "\n").encode()
            length = str(len(failed))
            headers = [("Content-Type", _JSON), ("Content-Length", length), ("Retry-After", "1")]
            return "503 SERVICE UNAVAILABLE", headers, failed
        headers.update(extra)
        headers["X-Sandbox-Request-Id"] = entry["request_id"]
        return "200 OK", list(headers.items()), payload
