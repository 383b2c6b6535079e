"""Reading a request's JSON body on the request path: one parser, errors that say where.

A body the store could not keep as sent is refused here with a 400, before any of it is
used: nesting deeper than MAX_DEPTH, a number the parser will not hold, a lone UTF-16
surrogate (valid JSON escapes, but no character: SQLite could not store the text).
"""

import json
from typing import NamedTuple

from flask import request

from ..errors import ApiError
from ..store.jsontext import (
    MAX_DEPTH,
    depth,
    lone_surrogate,
    may_hold_surrogate,
    may_nest_deeper,
)
from .path import Call


class RawBody(NamedTuple):
    """What the parser reads of a request: its body and WSGI environ (a Call has both)."""

    body: bytes
    environ: dict


def request_json_body(**checks) -> dict:
    """json_body() for the admin surface, whose requests carry no Call: the same checks."""
    return json_body(RawBody(request.get_data(), request.environ), **checks)


def _position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col} (character {pos})"


def parse_json(call: Call | RawBody):
    """Return the call's JSON value (any type; None if the body is empty), or raise a 400.

    One parser for every door: the standard library's, which keeps integers of any width
    exactly as sent (a partner's order number must come back as sent).
    """
    raw = call.body
    if not raw.strip():
        return None
    content_type = call.environ.get("CONTENT_TYPE")
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise ApiError(
            400,
            f"Content-Type is {content_type or 'missing'}; this endpoint reads JSON",
            "unsupported_content_type",
            "Send the header 'Content-Type: application/json' (with curl: "
            "-H 'Content-Type: application/json').",
            got=content_type,
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
    except (ValueError, RecursionError) as exc:
        # Valid JSON the parser will not hold: nesting past Python's recursion limit,
        # or an integer of more than 4,300 digits.
        raise ApiError(
            400,
            "The body is JSON nested too deeply or with a number too long to read",
            "invalid_json",
            "Flatten the body, or send very long numbers as strings.",
            limits={"depth": MAX_DEPTH},
        ) from exc
    # Counting brackets is cheap; the walk runs only for a body that could be too deep.
    if may_nest_deeper(raw) and depth(body) > MAX_DEPTH:
        raise ApiError(
            400,
            f"The body is nested {depth(body)} levels deep; the sandbox reads at most {MAX_DEPTH}",
            "body_too_deep",
            "Flatten the body: CustomerGlu events carry a few levels of properties.",
            limits={"depth": MAX_DEPTH},
        )
    if may_hold_surrogate(raw):
        lone = lone_surrogate(body)
        if lone is not None:
            raise ApiError(
                400,
                f"The body holds a lone UTF-16 surrogate (\\u{ord(lone):04x}), which is no "
                "character",
                "invalid_unicode",
                "Send text as UTF-8, or escape characters outside the BMP as a surrogate pair.",
            )
    return body


def json_body(
    call: Call | RawBody,
    required: tuple[str, ...] = (),
    allow_empty: bool = False,
    types: dict | None = None,
) -> dict:
    """Return the request's JSON object body, or raise a 400 that says what is wrong.

    `types` maps a field to the JSON type it must have when present and not null:
    "string", "object", "array", "boolean" or "number".
    """
    body = parse_json(call)
    if body is None and call.body.strip():
        raise ApiError(
            400,
            "The body is the JSON null, not an object",
            "body_not_object",
            "Send one JSON object ({...}), or no body.",
        )
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
