"""Flask's JSON provider on orjson: same output shape, a fraction of the cost per response."""

from flask.json.provider import DefaultJSONProvider

from ..store import dumps


class FastJSONProvider(DefaultJSONProvider):
    """Serialise responses with orjson; keep our field order (the real service's shapes)."""

    sort_keys = False

    def dumps(self, obj, **kwargs) -> str:
        """Serialise `obj` compactly (kwargs such as indent are not needed by the sandbox)."""
        return dumps(obj)
