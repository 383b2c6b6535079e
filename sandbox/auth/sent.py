"""What a request sent where credentials may travel, read from Flask or from a WSGI environ."""

import json
from urllib.parse import parse_qsl

from flask import request
from werkzeug.datastructures import EnvironHeaders, MultiDict


class Sent:
    """What a request sent where a writeKey may travel: headers, query and JSON body.

    Read from Flask's request, or from a WSGI environ and its body (the ingest fast
    path, beneath Flask). Query and body are parsed only when asked: the common case
    finds the key in its header.
    """

    def __init__(self, headers, args, json_body):
        self.headers = headers
        self._args, self._json_body = args, json_body

    @classmethod
    def of_request(cls) -> "Sent":
        """Return what Flask's current request sent."""
        return cls(request.headers, lambda: request.args, lambda: request.get_json(silent=True))

    @classmethod
    def of_environ(cls, environ: dict, body: bytes) -> "Sent":
        """Return what a WSGI request with this (JSON) body sent."""

        def args():
            return MultiDict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))

        def json_body():
            try:  # as request.get_json(silent=True): None for a body that is not JSON
                return json.loads(body)
            except ValueError:
                return None

        return cls(EnvironHeaders(environ), args, json_body)

    @property
    def args(self):
        """The query parameters (a MultiDict)."""
        return self._args()

    def json(self):
        """The body parsed as JSON, or None."""
        return self._json_body()
