"""Property: whatever is sent to any route of the OpenAPI document, never a 5xx, always JSON in
the explained error shape, every emulated request journaled and its entry opens.

Bounded and seeded here (CI); `python bench/fuzz.py` runs the same property far longer."""

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, seed, settings

from tests.fuzzing import check, operations, requests_for


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    from sandbox import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path_factory.mktemp("fuzz") / "data"),
            "TEST_MODE": True,
            "ADMIN_TOKEN": "test-admin-token",
            "BODY_MAX_BYTES": 64 * 1024,
        }
    )
    app.test_client_class = FlaskClient  # the invariants here; schemathesis checks the contract
    yield app
    app.extensions["sandbox.store"].close()


def test_every_route_survives_generated_requests(fuzz_app):
    ops = operations(fuzz_app)
    client = fuzz_app.test_client()
    admin = {"X-Sandbox-Admin-Token": "test-admin-token"}
    seen = {}

    @seed(20261202)
    @settings(
        max_examples=300,
        deadline=None,
        derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(requests_for(ops))
    def prop(request):
        tally = check(client, admin, request)
        seen[tally] = seen.get(tally, 0) + 1

    prop()
    assert seen.get("4xx", 0) > 50 and seen.get("2xx", 0) > 0, seen  # the property really ran
