"""Route declarations: each view states its OpenAPI operation where the view is written.

`@declare(...)` under the route decorator attaches the operation to the view; the
document (openapi/__init__.py) walks the app's routes and reads them, and the Postman
collection is made from the document (postman/build_collection.py). A route without a
declaration fails tests/test_openapi.py, so a route cannot be half added.
"""

from .schema_kit import ref

JSON = "application/json"
KEY = [{"writeKey": []}]
KEY_OR_QUERY = [{"writeKey": []}, {"writeKeyQuery": []}]
BEARER = [{"bearer": []}]
ADMIN = [{"adminToken": []}, {"adminTokenQuery": []}]
NONE: list = [{}]
# The pages: a page token in the URL, or ?writekey=&userId= (auth/page.py).
PAGE = [{"pageToken": []}]
# What the Postman requests send as a page token: load campaigns saves it.
PAGE_TOKEN_EXAMPLE = "{{pageToken}}"
# The demo tenant's segment-only campaign (fixtures/demo/campaigns.json), for examples.
EXAMPLE_CAMPAIGN = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
DESCRIPTIONS = {
    400: "Bad body or parameters (invalid JSON with position, wrong content type, missing fields)",
    401: "Credential check failed: reason, hint and checks[] say which and why",
    403: "The credentials are valid but name another tenant or user than the request",
    404: "Unknown route (with suggestions) or unknown entity",
    409: "Conflicts with the sandbox's state (e.g. the clock is not virtual)",
    422: "The content was read but is not valid: errors[] names each problem (row, column, fix)",
    413: "The body (chunked or not) is larger than the limit; the head of it is journaled",
    429: "Too many calls from this client address: Retry-After says when to call again",
    503: "The store could not commit the request (it was not acknowledged), or cannot write",
}


def param(
    name: str, where: str = "query", required: bool = False, schema=None, example=None
) -> dict:
    """Return a parameter object; `example` is what the Postman request sends."""
    out = {"name": name, "in": where, "required": required, "schema": schema or {"type": "string"}}
    if example is not None:
        out["example"] = example
    return out


def operation(
    summary: str,
    tag: str,
    security: list,
    ok: str | dict | None,
    errors=(401, 503),
    body: str | None = None,
    params=(),
    ok_type: str = JSON,
    ok_headers=None,
    example=None,
    expect=(200,),
    shaped_like_ok=(),
    body_required: bool = True,
    body_types=None,
) -> dict:
    """Return an OpenAPI operation object.

    `example` is the request body the Postman request sends; `expect` the statuses it may
    answer on a fresh sandbox (x-expect); `shaped_like_ok` the error statuses whose body has
    the success shape (health's 503); `body_required` False where an empty body is read as
    {} (the sandbox answers it); `body_types` the media types of a body that is not JSON (a
    file upload). A 400 is documented with a body, a 404 with a path parameter.
    """
    error_schema = ref("AdminError" if tag == "admin" else "ApiError")
    if ok_type == JSON:
        content = {JSON: {"schema": ok if isinstance(ok, dict) else ref(ok)}}
    elif isinstance(ok_type, tuple):  # a download in one of several formats
        shaped = (ok if isinstance(ok, dict) else ref(ok)) if ok else {"type": "object"}
        content = {
            kind: {"schema": shaped if kind == JSON else {"type": "string"}} for kind in ok_type
        }
    else:
        content = {ok_type: {"schema": {"type": "string"}}}
    responses = {"200": {"description": "OK", "content": content}}
    if ok_headers:
        responses["200"]["headers"] = ok_headers
    # Any request may carry a body, and every body has a limit.
    codes = set(errors) | {413} | ({400} if body or body_types else set())
    if any(p["in"] == "path" for p in params):
        codes.add(404)
    for code in sorted(codes):
        schema = content[JSON]["schema"] if code in shaped_like_ok else error_schema
        responses[str(code)] = {
            "description": DESCRIPTIONS[code],
            "content": {JSON: {"schema": schema}},
        }
        if tag == "pages":  # a browser or webview is answered a page that explains it
            responses[str(code)]["content"]["text/html"] = {"schema": {"type": "string"}}
    op = {"summary": summary, "tags": [tag], "security": security, "responses": responses}
    if params:
        op["parameters"] = list(params)
    if body:
        media = {"schema": ref(body)}
        if example is not None:
            media["example"] = example
        op["requestBody"] = {"required": body_required, "content": {JSON: media}}
    if body_types:
        op["requestBody"] = {
            "required": True,
            "content": {kind: {"schema": {"type": "string"}} for kind in body_types},
        }
    op["x-expect"] = list(expect)
    return op


def declare(summary: str, tag: str, security: list, ok: str | dict | None, **details):
    """Attach the view's OpenAPI operation to it (see operation() for the details)."""
    op = operation(summary, tag, security, ok, **details)

    def attach(view):
        view.openapi = op
        return view

    return attach


def declare_admin(summary: str, ok: str | dict | None, **details):
    """Declare an admin route: tagged admin, behind the admin token (as a router's defaults)."""
    return declare(summary, "admin", ADMIN, ok, **details)
