"""What a request sent where credentials may travel: headers, query string and body."""

import json
from urllib.parse import parse_qsl

from werkzeug.datastructures import EnvironHeaders, MultiDict


class _Headers(EnvironHeaders):
    """werkzeug's headers of an environ, with get() reading the environ directly.

    The same lookup EnvironHeaders' item access makes, without its generic get(): every
    request asks for a handful of headers by name on the ingest path.
    """

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        """Return the header's value, or `default` when it was not sent."""
        if type is not None or not isinstance(key, str):
            return super().get(key, default, type)
        name = key.upper().replace("-", "_")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = "HTTP_" + name
        return self.environ.get(name, default)


class Sent:
    """What one request sent, read from its WSGI environ and body; parsed only when asked.

    The common case finds the key in its header, so the query and the body are parsed
    only when a check looks there.
    """

    __slots__ = ("headers", "_query", "_body", "_args", "_json")

    def __init__(self, environ: dict, body: bytes):
        self.headers = _Headers(environ)
        self._query = environ.get("QUERY_STRING", "")
        self._body = body
        self._args = self._json = None

    @property
    def args(self) -> MultiDict:
        """The query parameters."""
        if self._args is None:
            self._args = MultiDict(parse_qsl(self._query, keep_blank_values=True))
        return self._args

    def json(self):
        """The body parsed as JSON, or None when it is not JSON."""
        if self._json is None:
            try:
                self._json = (json.loads(self._body) if self._body else None,)
            except (ValueError, RecursionError):
                self._json = (None,)
        return self._json[0]
