"""The request path in Flask: begin before the view, finish after it (see path.py)."""

from flask import Flask, g, request

from ..errors import ADMIN_PREFIX
from .path import Runtime, StoreFailed, begin, finish, store_failed

# Journal bodies of these content types are kept; a streamed body (SSE) is not.
STREAM_TYPES = ("text/event-stream",)


def init_app(app: Flask, rt: Runtime) -> None:
    """Install the begin and finish hooks around every view."""

    @app.before_request
    def _begin():
        if request.path.startswith(ADMIN_PREFIX):
            # The sandbox's own surface is not journaled; it still reads the shared clock.
            g.call = None
            rt.sync_clock()
            return
        g.call = begin(
            rt, request.environ, request.path, request.get_data(cache=True), request.endpoint
        )

    @app.after_request
    def _finish(response):
        call = g.get("call")
        if call is None:
            return response
        streamed = response.is_streamed or response.mimetype in STREAM_TYPES
        body = None if streamed else response.get_data()
        try:
            added = finish(call, response.status_code, dict(response.headers.items()), body)
        except StoreFailed:
            return app.make_response(store_failed(call.path))
        response.headers.update(added)
        return response
