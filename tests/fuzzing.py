"""Generated hostile requests for every route of the OpenAPI document, and the invariants every
answer must keep. Used by tests/test_fuzz.py (bounded, fixed seed) and bench/fuzz.py (long)."""

import json
from urllib.parse import quote

from hypothesis import strategies as st

from sandbox.openapi import document
from tests.conftest import DEMO_KEY

# Real credentials now and then, so that generated requests get past auth to the handlers.
CREDENTIALS = [DEMO_KEY, "test-admin-token", "api-us.customerglu.com"]

CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/vnd.api+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
]
AUTH_HEADERS = [
    "x-api-key",
    "Authorization",
    "X-GLU-AUTH",
    "X-Sandbox-Admin-Token",
    "Last-Event-ID",
]
EDGE_TEXT = [
    "",
    " ",
    "\x00",
    "\ud800",
    "9" * 5000,
    "99999999999999999999",
    "-1",
    "²",
    "9999-12-31T23:59:59-2359",
    "0001-01-01T00:00:00+2359",
    "Bearer",
    "Bearer Bearer x",
    '"quoted"',
    "eyJhbGciOiJub25lIn0.e30.",
    "NaN",
    "1e400",
    "../../etc/passwd",
    "%00",
    "' OR 1=1 --",
    "\u202e\u0000\uffff",
]
DEEP = ['{"a":' * 2000, "[" * 5000, "[" * 2000 + "]" * 2000, '{"n": ' + "9" * 5000 + "}"]

text = st.one_of(st.sampled_from(EDGE_TEXT), st.text(max_size=40))
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        text,
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=20,
)


def _encode(value) -> bytes:
    # ensure_ascii keeps lone surrogates as \\u escapes: what a client's JSON would hold.
    return json.dumps(value, ensure_ascii=True).encode()


bodies = st.one_of(
    st.none(),
    json_values.map(_encode),
    st.sampled_from(DEEP).map(str.encode),
    st.binary(max_size=64),
    text.map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def operations(app) -> list[tuple[str, str, dict]]:
    """Return (method, path template, operation) for every documented operation but the stream."""
    doc = document(app, "http://sandbox.test")
    return [
        (method.upper(), path, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if path != "/sse"  # a stream answers as it goes; tests/test_hostile_input.py has it
    ]


@st.composite
def requests_for(draw, ops: list) -> dict:
    """Draw one request: an operation, its path filled, query, headers, a body."""
    method, template, op = draw(st.sampled_from(ops))
    path = template
    for param in op.get("parameters", []):
        if param["in"] == "path":
            value = draw(text).encode("utf-8", "surrogatepass")
            path = path.replace("{" + param["name"] + "}", quote(value, safe="") or "x")
    query = draw(st.dictionaries(st.sampled_from(["token", "limit", "q", "id", "x"]), text))
    headers = {"Content-Type": draw(st.sampled_from(CONTENT_TYPES))}
    for name in draw(st.lists(st.sampled_from(AUTH_HEADERS), max_size=3, unique=True)):
        value = draw(st.one_of(text, st.sampled_from(CREDENTIALS)))
        # A header value is latin-1 text without line breaks, or the client cannot send it.
        headers[name] = value.encode("latin-1", "replace").decode("latin-1").replace("\n", " ")
        headers[name] = headers[name].replace("\r", " ").replace("\x00", " ")
    return {
        "method": method,
        "path": path,
        "query_string": "&".join(
            f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in query.items()
        ),
        "headers": headers,
        "data": draw(bodies),
    }


def check(client, admin_headers: dict, request: dict) -> str:
    """Send one request and assert the invariants; return its status class for the tally."""
    resp = client.open(
        request["path"],
        method=request["method"],
        query_string=request["query_string"],
        headers=request["headers"],
        data=request["data"],
    )
    assert resp.status_code < 500, (request, resp.get_data()[:300])
    for name, value in resp.headers.items():  # what gunicorn would refuse to send
        assert all(" " <= c <= "~" for c in value), (request, name, value)
    if resp.status_code >= 400 or resp.mimetype == "application/json":
        body = resp.get_json(silent=True)
        assert isinstance(body, dict), (request, resp.get_data()[:300])
        if resp.status_code >= 400:
            assert isinstance(body.get("reason"), str) and isinstance(body.get("message"), str)
            assert body.get("success") is False or "error" in body
    if not request["path"].startswith("/_sandbox"):
        request_id = resp.headers.get("X-Sandbox-Request-Id")
        assert request_id, request  # every emulated request is journaled
        opened = client.get(f"/_sandbox/journal/{request_id}", headers=admin_headers)
        assert opened.status_code == 200, (request, opened.get_data()[:300])
    return f"{resp.status_code // 100}xx"
