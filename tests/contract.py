"""A test client that checks every response it gets against the OpenAPI document."""

from flask.testing import FlaskClient
from openapi_schema_validator import OAS31Validator
from werkzeug.exceptions import MethodNotAllowed, NotFound

from sandbox.openapi import document, path_of

_DOCS: list = []  # every app serves the same routes: the document is made once


def doc_of(app) -> dict:
    """Return the OpenAPI document of the app's routes (made from the first app asked)."""
    if not _DOCS:
        _DOCS.append(document(app, "http://sandbox.test"))
    return _DOCS[0]


def check_response(app, method: str, path: str, status: int, content_type: str, body) -> None:
    """Assert that a response is documented for its operation and matches its schema."""
    try:
        rule, _args = app.url_map.bind("sandbox.test").match(path, method, return_rule=True)
    except (NotFound, MethodNotAllowed):
        return  # not an operation: the JSON 404/405 are tested on their own
    doc = doc_of(app)
    op = doc["paths"][path_of(rule.rule)][method.lower()]
    responses = op["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, not documented"
    content = responses[str(status)]["content"]
    mime = (content_type or "").split(";")[0]
    assert mime in content, f"{method} {path} {status}: {mime} not documented"
    if mime == "application/json":
        schema = {**content[mime]["schema"], "components": doc["components"]}
        errors = sorted(OAS31Validator(schema).iter_errors(body), key=str)
        assert not errors, f"{method} {path} {status}: {errors[0].message}"


class ContractClient(FlaskClient):
    """FlaskClient whose every response is checked against the OpenAPI document."""

    def open(self, *args, **kwargs):
        resp = super().open(*args, **kwargs)
        request = resp.request
        if not resp.is_streamed:
            body = resp.get_json(silent=True) if resp.is_json else None
            check_response(
                self.application,
                request.method,
                request.path,
                resp.status_code,
                resp.headers.get("Content-Type"),
                body,
            )
        return resp
