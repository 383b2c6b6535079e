"""The collection's "Every route" folder, made from the sandbox's OpenAPI document.

One request per declared operation (sandbox/openapi/declare.py): its method and path, its
credentials from its security, its example body and parameters, and tests that the status
is one the declaration expects and that the body matches the documented schema. A route
added to the sandbox appears here at the next build; tests/test_postman.py fails until the
committed collection is rebuilt. The chained variables (the user's token, the asset bundle,
a journal entry) are added on top, by operation id.

Not openapi-to-postmanv2: it fills bodies from the schemas with made-up values, which the
sandbox rightly refuses (no tenant has a made-up writeKey); the declared examples pass.
"""

import json
import re
import tempfile

# Emulated API first, in the integration steps' order, then the sandbox's own surface.
TAG_ORDER = [
    "registration",
    "config",
    "campaigns",
    "entrypoints",
    "events",
    "deeplinks",
    "segments",
    "nudges",
    "integrations",
    "webhooks",
    "pages",
    "admin",
]
# Path parameters whose value an earlier request saves (see CHAINS) or the environment holds.
PATH_VALUES = {
    "write_key": "{{writeKey}}",
    "tenant_id": "{{assetTenant}}",
    "digest": "{{assetDigest}}",
    "request_id": "{{journalRequestId}}",
    "ref": "{{writeKey}}",
}
CHAINS = {
    "user.register": [
        "pm.collectionVariables.set('token', pm.response.json().data.token);",
    ],
    "campaigns.load_campaigns": [
        "pm.collectionVariables.set('pageToken', "
        "pm.response.json().defaultUrl.match(/token=([^&]+)/)[1]);",
    ],
    "campaigns.client_assets": [
        "const parts = pm.response.json().data.compressedAssets.split('/');",
        "pm.collectionVariables.set('assetTenant', parts[parts.length - 2]);",
        "pm.collectionVariables.set('assetDigest', parts[parts.length - 1].replace('.zip', ''));",
    ],
    "admin.journal_search": [
        "pm.collectionVariables.set('journalRequestId', pm.response.json().entries[0].request_id);",
    ],
}
AUTH_HEADERS = {
    "writeKey": {"key": "x-api-key", "value": "{{writeKey}}"},
    "bearer": {"key": "Authorization", "value": "Bearer {{token}}"},
    "adminToken": {"key": "X-Sandbox-Admin-Token", "value": "{{adminToken}}"},
}
STREAMS = ("text/event-stream",)  # a stream stays open: no request of a collection run


def sandbox_document() -> dict:
    """Return the OpenAPI document of a sandbox made on a throwaway data dir."""
    from sandbox import create_app
    from sandbox.openapi import document

    with tempfile.TemporaryDirectory() as data:
        app = create_app({"DATA_DIR": data, "ADMIN_TOKEN": "postman-build"})
        try:
            return document(app, "{{baseUrl}}")
        finally:
            app.extensions["sandbox.store"].close()


def draft7(schema, components: dict) -> dict:
    """Return a schema Postman's validator (JSON Schema draft-07) reads, refs resolved inside."""
    needed, todo = {}, [schema]
    while todo:  # every component the schema reaches, transitively
        for name in re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(todo.pop())):
            if name not in needed:
                needed[name] = components[name]
                todo.append(components[name])
    text = json.dumps({**schema, "definitions": needed})
    return json.loads(text.replace("#/components/schemas/", "#/definitions/"))


def _tests(op: dict, components: dict) -> list[str]:
    expect = op["x-expect"]
    schemas = {
        code: draft7(r["content"]["application/json"]["schema"], components)
        for code, r in op["responses"].items()
        if int(code) in expect and "application/json" in r.get("content", {})
    }
    lines = [
        f"pm.test('status is one the declaration expects: {expect}', () => "
        f"pm.expect({json.dumps(expect)}).to.include(pm.response.code));",
    ]
    ok_types = op["responses"]["200"].get("content", {})
    page = "text/html" in ok_types and "application/json" not in ok_types
    if page:  # a webview page: its 200 is HTML, its errors JSON (newman asks for */*)
        lines += [
            f"const schemas = {json.dumps(schemas, sort_keys=True)};",
            "pm.test('a page is HTML, an error the documented JSON', () => "
            "pm.response.code === 200 "
            "? pm.expect(pm.response.headers.get('Content-Type')).to.include('text/html') "
            ": pm.response.to.have.jsonSchema(schemas[pm.response.code]));",
        ]
    elif schemas:
        lines += [
            f"const schemas = {json.dumps(schemas, sort_keys=True)};",
            "pm.test('the body matches the documented schema', () => "
            "pm.response.to.have.jsonSchema(schemas[pm.response.code]));",
        ]
    return lines + CHAINS.get(op["operationId"], [])


def _url(path: str, op: dict) -> str:
    params = op.get("parameters", [])
    for p in params:
        if p["in"] == "path":
            # An example named "postman-..." is sent as written (say, a tenant that does not
            # exist, where the demo tenant's writeKey would be rotated away).
            literal = str(p.get("example", "")).startswith("postman-")
            value = p["example"] if literal else PATH_VALUES.get(p["name"], p.get("example", ""))
            path = path.replace("{" + p["name"] + "}", value)
    query = [f"{p['name']}={p['example']}" for p in params if p["in"] == "query" and "example" in p]
    return "{{baseUrl}}" + path + ("?" + "&".join(query) if query else "")


def request_of(path: str, method: str, op: dict, components: dict) -> dict | None:
    """Return the collection item of one operation (None for a stream)."""
    if set(op["responses"]["200"].get("content", {})) & set(STREAMS):
        return None
    scheme = next(iter(op["security"][0]), None)
    # A page token travels in the query (the parameter's example), not in a header.
    headers = [AUTH_HEADERS[scheme]] if scheme in AUTH_HEADERS else []
    headers += [
        {"key": p["name"], "value": p["example"]}
        for p in op.get("parameters", [])
        if p["in"] == "header" and "example" in p
    ]
    request = {"method": method.upper(), "header": headers, "url": _url(path, op)}
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    if "example" in body:
        headers.insert(0, {"key": "Content-Type", "value": "application/json"})
        request["body"] = {
            "mode": "raw",
            "raw": json.dumps(body["example"], indent=2),
            "options": {"raw": {"language": "json"}},
        }
    script = {"type": "text/javascript", "exec": _tests(op, components)}
    return {
        "name": f"{method.upper()} {path}",
        "request": {**request, "description": op["summary"]},
        "event": [{"listen": "test", "script": script}],
    }


def every_route(doc: dict | None = None) -> dict:
    """Return the folder with one request per declared operation, in integration order."""
    doc = doc or sandbox_document()
    components = doc["components"]["schemas"]
    ops = [(p, m, op) for p, item in doc["paths"].items() for m, op in item.items()]
    ops.sort(key=lambda o: TAG_ORDER.index(o[2]["tags"][0]))  # stable: route order within
    items = [request_of(p, m, op, components) for p, m, op in ops]
    return {
        "name": "0 Every route",
        "description": "One request per route the sandbox declares, made from its OpenAPI "
        "document: the expected status and the documented schema of the answer.",
        "item": [i for i in items if i is not None],
    }
