"""The OpenAPI document: valid 3.1, describes every route, and live responses conform to it."""

from pathlib import Path

import pytest
from openapi_spec_validator import validate

from sandbox.openapi import document, path_of
from tests.contract import check_response, doc_of

METHODS = {"get", "post", "put", "delete", "patch"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.websocket or rule.endpoint.endswith(".static"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            yield path_of(rule.rule), method.lower()


def test_document_is_valid_openapi_31(client, admin_headers):
    served = client.get("/_sandbox/openapi.json", headers=admin_headers).get_json()
    validate(served)
    assert served["openapi"] == "3.1.0"
    assert served["servers"] == [{"url": "http://sandbox.test"}]


def test_every_route_is_declared(app):
    undeclared = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if not hasattr(app.view_functions[rule.endpoint], "openapi")
        and not rule.websocket
        and not rule.endpoint.endswith(".static")  # the inspector's script and styles
    )
    assert not undeclared, f"routes without @declare(...) next to the view: {undeclared}"
    # OpenAPI describes no WebSocket: the admin API's page does, each by its path.
    readme = (Path(__file__).parent.parent / "docs" / "reference" / "admin-api.md").read_text()
    sockets = [rule.rule for rule in app.url_map.iter_rules() if rule.websocket]
    assert sockets and all(f"`{path}`" in readme for path in sockets), sockets
    described = {(p, m) for p, ops in doc_of(app)["paths"].items() for m in ops if m in METHODS}
    assert set(_routes(app)) == described


def test_a_new_undeclared_route_is_caught(make_app):
    app = make_app()
    app.add_url_rule("/half-added", "half_added", lambda: {})
    assert "/half-added" not in document(app, "http://x")["paths"]
    with pytest.raises(AssertionError, match="half-added"):
        test_every_route_is_declared(app)


def test_operation_ids_are_the_endpoints(app):
    ops = doc_of(app)["paths"]["/server/v4"]["post"]
    assert ops["operationId"] == "events.server_event" and ops["security"] == [{"writeKey": []}]


def test_contract_check_rejects_a_wrong_shape(app):
    good = {"ShardId": "shardId-000000000000", "SequenceNumber": "123"}
    check_response(app, "POST", "/server/v4", 200, "application/json", good)
    with pytest.raises(AssertionError, match="SequenceNumber"):
        check_response(app, "POST", "/server/v4", 200, "application/json", {"ShardId": "x"})
    with pytest.raises(AssertionError, match="not documented"):
        check_response(app, "POST", "/server/v4", 418, "application/json", good)
    with pytest.raises(AssertionError, match="not documented"):
        check_response(app, "POST", "/server/v4", 200, "text/html", good)
    with pytest.raises(AssertionError):
        check_response(
            app,
            "GET",
            "/reward/v1.1/user",
            200,
            "application/json",
            {
                "success": True,
                "defaultUrl": "no-question-mark",
                "defaultBanner": {"liveCampaignCount": 1, "totalRewardCount": 0},
                "campaigns": [],
            },
        )


def test_openapi_needs_the_admin_token(client):
    assert client.get("/_sandbox/openapi.json").status_code == 401
