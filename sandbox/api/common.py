"""Helpers shared by the emulated API views: JSON bodies, auth shortcuts, base URL."""

import json

from flask import current_app, request

from .. import auth
from ..config import public_url
from ..errors import ApiError


def store():
    """Return the app's store."""
    return current_app.extensions["sandbox.store"]


def clock():
    """Return the app's clock."""
    return current_app.extensions["sandbox.clock"]


def base_url() -> str:
    """Return the base URL for links we hand out: SANDBOX_PUBLIC_URL, else the caller's host."""
    if current_app.config.get("PUBLIC_URL"):
        return public_url(current_app.config)
    return request.host_url.rstrip("/")


def _position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col} (character {pos})"


def parse_json():
    """Return the request's JSON value (any type; None if the body is empty), or raise a 400."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None
    ctype = request.mimetype or ""
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise ApiError(
            400,
            f"Content-Type is {request.content_type or 'missing'}; this endpoint reads JSON",
            "unsupported_content_type",
            "Send the header 'Content-Type: application/json' (with curl: "
            "-H 'Content-Type: application/json').",
            got=request.content_type,
        )
    text = raw.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(
            400,
            f"The body is not valid JSON: {exc.msg} at {_position(text, exc.pos)}",
            "invalid_json",
            "Fix the JSON at the position given (a trailing comma or an "
            "unquoted key is the usual cause).",
            position={"line": exc.lineno, "column": exc.colno, "char": exc.pos},
        ) from exc
    return body


def json_body(
    required: tuple[str, ...] = (), allow_empty: bool = False, types: dict | None = None
) -> dict:
    """Return the request's JSON object body, or raise a 400 that says what is wrong.

    `types` maps a field to the JSON type it must have when present and not null:
    "string", "object", "array", "boolean" or "number".
    """
    body = parse_json()
    if body is None:
        if required and not allow_empty:
            raise ApiError(
                400,
                f"The body is empty; required field(s): {', '.join(required)}",
                "missing_fields",
                "Send a JSON object with the required fields.",
                missing=list(required),
            )
        return {}
    if not isinstance(body, dict):
        raise ApiError(
            400,
            f"The body is a JSON {json_type(body)}, not an object",
            "body_not_object",
            "Send one JSON object ({...}).",
        )
    missing = [k for k in required if body.get(k) in (None, "")]
    if missing:
        raise ApiError(
            400,
            f"Missing required field(s): {', '.join(missing)}",
            "missing_fields",
            "Add the missing fields to the JSON body.",
            missing=missing,
        )
    wrong = {
        k: t
        for k, t in (types or {}).items()
        if body.get(k) is not None and json_type(body[k]) != t
    }
    if wrong:
        described = ", ".join(
            f"{k} must be a {t}, not a {json_type(body[k])}" for k, t in wrong.items()
        )
        raise ApiError(
            400,
            f"Wrong field type(s): {described}",
            "wrong_type",
            "Send each field with the JSON type the API reference gives.",
            fields=sorted(wrong),
        )
    return body


def json_type(value) -> str:
    """Return the JSON name of a parsed value's type."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def write_key_auth(
    places: tuple[str, ...], body: dict | None = None, path_key: str | None = None
) -> dict:
    """Run the writeKey chain for this request; return the tenant."""
    tenant, _chain = auth.require_write_key(
        store(), places, body, path_key, current_app.config["ADMIN_TOKEN"]
    )
    return tenant


def bearer_auth() -> tuple[dict, dict, dict]:
    """Run the bearer chain for this request; return (tenant, user, claims)."""
    tenant, user, claims, _chain = auth.require_bearer(store(), clock().time())
    return tenant, user, claims


def ok(data=None, **extra) -> dict:
    """Return the success envelope the SDKs decode: {"success": true, "data": ...}."""
    body = {"success": True}
    if data is not None:
        body["data"] = data
    body.update(extra)
    return body
