"""The request path in Flask: begin before the view, finish after it (see path.py)."""

from flask import Flask, g, request
from werkzeug.wsgi import get_input_stream

from ..errors import ADMIN_PREFIX
from . import faults
from .path import (
    Runtime,
    StoreFailed,
    begin,
    bound_body,
    finish,
    read_body,
    store_failed,
    too_large,
)

# Journal bodies of these content types are kept; a streamed body (SSE) is not.
STREAM_TYPES = ("text/event-stream",)


def init_app(app: Flask, rt: Runtime) -> None:
    """Install the begin and finish hooks around every view."""

    @app.before_request
    def _begin():
        if request.path.startswith(ADMIN_PREFIX):
            # The sandbox's own surface is not journaled; it still reads the shared clock.
            g.call = None
            if request.endpoint != "admin.upload_snapshot":  # streamed to disk, bounded there
                bound_body(request.environ, rt.body_limit)
            rt.sync_clock()
            return
        # Read here, within the limit, not through Flask: the body's head is kept even
        # when the body is refused, so the 413 is journaled with what was sent.
        stream = get_input_stream(request.environ, max_content_length=None)
        body, oversize = read_body(stream, request.content_length, rt)
        g.call = begin(rt, request.environ, request.path, body, request.endpoint)
        if oversize is not None:
            raise too_large(oversize, rt)
        g.fault = faults.before(rt, g.call)  # a status is raised: the view never runs

    @app.after_request
    def _finish(response):
        call = g.get("call")
        if call is None:
            return response
        streamed = response.is_streamed or response.mimetype in STREAM_TYPES
        body = None if streamed else response.get_data()
        fault = g.get("fault")
        response.headers.update(faults.label(fault))
        try:
            added = finish(call, response.status_code, dict(response.headers.items()), body)
        except StoreFailed:
            return app.make_response(store_failed(call.path))
        response.headers.update(added)
        cut = None if body is None else faults.after(fault, body, dict(response.headers))
        if cut is not None:  # a reset or a cut body: the server drops the connection
            headers, response.response = cut
            response.headers.update(headers)
            response.direct_passthrough = True
        return response
