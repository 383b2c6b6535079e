"""The OpenAPI 3.1 document of the emulated API and the admin API, served at /_sandbox/openapi.json.

Made from the routes themselves: each view declares its operation (declare.py), and the
document walks the app's URL map. Kept true by tests: every route must be declared, and
live responses are validated against these schemas (tests/test_openapi.py, schemathesis).
"""

import re

from flask import Flask

from ..config import VERSION
from .schemas import SCHEMAS

METHODS = ("get", "post", "put", "delete", "patch")


def paths(app: Flask) -> dict:
    """Return the path items of every declared route of `app`, in declaration order."""
    out: dict = {}
    for rule in app.url_map.iter_rules():
        if rule.websocket:  # OpenAPI describes no WebSocket; README "WebSockets" does
            continue
        op = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if op is None:  # undeclared: tests/test_openapi.py names it
            continue
        item = out.setdefault(path_of(rule.rule), {})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            item[method.lower()] = {"operationId": rule.endpoint, **op}
    return out


def document(app: Flask, base_url: str) -> dict:
    """Return the OpenAPI document of `app`'s routes with `base_url` as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CustomerGlu sandbox",
            "version": VERSION,
            "description": "The CustomerGlu API as the sandbox emulates it, and the "
            "sandbox's own admin API under /_sandbox.",
        },
        "servers": [{"url": base_url}],
        "paths": paths(app),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "writeKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                "writeKeyQuery": {"type": "apiKey", "in": "query", "name": "x-api-key"},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "adminToken": {"type": "apiKey", "in": "header", "name": "X-Sandbox-Admin-Token"},
                "adminTokenQuery": {"type": "apiKey", "in": "query", "name": "token"},
                "pageToken": {"type": "apiKey", "in": "query", "name": "token"},
            },
        },
    }


def path_of(rule: str) -> str:
    """Return the OpenAPI path template of a Flask rule (/a/<b> -> /a/{b})."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
