"""Building blocks of the Postman collection: requests, folders, headers, common tests."""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the sandbox: its example campaign
from sandbox.openapi.declare import EXAMPLE_CAMPAIGN  # noqa: E402

# The demo tenant lives in one place, the fixtures the sandbox seeds itself from.
DEMO_KEY = json.loads((HERE.parent / "fixtures" / "tenants.json").read_text())["tenants"][0][
    "writeKey"
]
VIP_CAMPAIGN = EXAMPLE_CAMPAIGN

JSON_HEADER = {"key": "Content-Type", "value": "application/json"}
KEY_HEADER = {"key": "x-api-key", "value": "{{writeKey}}"}
BEARER_HEADER = {"key": "Authorization", "value": "Bearer {{token}}"}
ADMIN_HEADER = {"key": "X-Sandbox-Admin-Token", "value": "{{adminToken}}"}

OK = [
    "pm.test('status is 200', () => pm.response.to.have.status(200));",
    "pm.test('JSON body', () => pm.response.to.be.json);",
]
SUCCESS = OK + [
    "const body = pm.response.json();",
    "pm.test('success is the boolean true', () => pm.expect(body.success).to.equal(true));",
]
B64URL = [
    "const cjs = require('crypto-js');",
    "const b64url = (words) => cjs.enc.Base64.stringify(words).replace(/=+$/, '')"
    ".replace(/\\+/g, '-').replace(/\\//g, '_');",
    "const enc = (obj) => b64url(cjs.enc.Utf8.parse(JSON.stringify(obj)));",
    "const dec = (part) => JSON.parse(cjs.enc.Base64.parse(part.replace(/-/g, '+')"
    ".replace(/_/g, '/')).toString(cjs.enc.Utf8));",
    "const [head, payload, sig] = pm.collectionVariables.get('token').split('.');",
    "const claims = dec(payload);",
]


def request(name, method, path, body=None, headers=(), tests=(), pre=(), description=""):
    """Return one collection item."""
    item = {
        "name": name,
        "request": {"method": method, "header": list(headers), "url": "{{baseUrl}}" + path},
    }
    if description:
        item["request"]["description"] = description
    if body is not None:
        raw = body if isinstance(body, str) else json.dumps(body, indent=2)
        item["request"]["body"] = {
            "mode": "raw",
            "raw": raw,
            "options": {"raw": {"language": "json"}},
        }
        if JSON_HEADER not in item["request"]["header"]:
            item["request"]["header"].insert(0, JSON_HEADER)
    events = []
    if pre:
        events.append(
            {"listen": "prerequest", "script": {"type": "text/javascript", "exec": list(pre)}}
        )
    if tests:
        events.append(
            {"listen": "test", "script": {"type": "text/javascript", "exec": list(tests)}}
        )
    if events:
        item["event"] = events
    return item


def folder(name, description, items):
    """Return one collection folder."""
    return {"name": name, "description": description, "item": items}


def explained_401(reason):
    """Return the Postman tests of an explained 401 with the given reason code."""
    return [
        "pm.test('status is 401', () => pm.response.to.have.status(401));",
        "const body = pm.response.json();",
        "pm.test('the SDKs can read it', () => { pm.expect(body.success).to.equal(false); "
        "pm.expect(body.message).to.be.a('string'); });",
        f"pm.test('reason is {reason}', () => pm.expect(body.reason).to.equal('{reason}'));",
        "pm.test('explained: hint, checks[], journal link', () => {",
        "  pm.expect(body.hint).to.be.a('string');",
        "  pm.expect(body.checks[body.checks.length - 1].result).to.equal('fail');",
        "  pm.expect(body.journal).to.include('/_sandbox/journal/');",
        "});",
        "pm.test('no secret echoed whole', () => pm.expect(pm.response.text())"
        ".not.to.include(pm.environment.get('writeKey') || pm.collectionVariables.get("
        "'writeKey')));",
    ]
