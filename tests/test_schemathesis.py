"""schemathesis against the live sandbox's OpenAPI document, every check it has: no 5xx, every
response conforms, schema-valid requests are accepted and schema-violating ones refused."""

import os
import shutil
import subprocess

import pytest
import requests

from tests.conftest import DEMO_KEY, LiveServer

CHECKS = "all"  # every check schemathesis has (negative and positive data included)


def _schemathesis():
    found = os.environ.get("SCHEMATHESIS") or shutil.which("schemathesis")
    if found:
        return found
    if os.environ.get("SANDBOX_REQUIRE_CONTRACT_TOOLS"):
        pytest.fail("schemathesis is not installed (.ci/run installs it in its own venv)")
    pytest.skip("schemathesis is not installed; set SCHEMATHESIS=/path/to/schemathesis")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for both runs (a start and stop cost 0.6 s of CPU). The run without credentials
    goes first and changes nothing; the other programs the open receiver routes."""
    env = {"SANDBOX_ADMIN_TOKEN": "st-admin", "SANDBOX_SSE_MAX_SECONDS": "1"}
    with LiveServer(tmp_path_factory.mktemp("schemathesis") / "data", env) as live:
        yield live
    assert "Traceback" not in live.output()


@pytest.mark.heavy
@pytest.mark.xdist_group("schemathesis")
@pytest.mark.parametrize("authenticated", [False, True])  # in this order: see server()
def test_no_server_errors_and_every_response_conforms(server, tmp_path, authenticated):
    binary = _schemathesis()
    headers = []
    if authenticated:
        token = requests.post(
            f"{server.url}/user/v1/user/sdk?token=true",
            timeout=5,
            json={"userId": "schemathesis", "writeKey": DEMO_KEY},
        ).json()
        headers = [
            "-H",
            f"x-api-key: {DEMO_KEY}",
            "-H",
            f"Authorization: Bearer {token['data']['token']}",
            "-H",
            "X-Sandbox-Admin-Token: st-admin",
        ]
    result = subprocess.run(
        [
            binary,
            "run",
            f"{server.url}/_sandbox/openapi.json?token=st-admin",
            "--checks",
            CHECKS,
            "--max-examples",
            os.environ.get("SCHEMATHESIS_EXAMPLES", "15"),
            "--seed",
            "20261127",
            "--phases",
            # Without credentials every route but the open ones answers 401 whatever the
            # data: the examples and the coverage phase (every parameter's edge values)
            # prove that; generated data would only repeat it.
            "examples,coverage,fuzzing" if authenticated else "examples,coverage",
            # Without credentials, valid data only: invalid data meets the same auth check
            # first, and with credentials it reaches every parser (2,684 cases without
            # credentials in all modes, 609 with valid data only).
            *([] if authenticated else ["--mode", "positive"]),
            # Creating tenants (each generated name a new ref every later operation may hit)
            # and rotating a writeKey (the demo's, which the credentials above hold) change
            # what the rest of the run means; tests/test_foundation.py and
            # tests/test_one_authority.py cover both. An uploaded snapshot is valid by its
            # bytes and digests, which a schema cannot say (tests/test_snapshots.py). A
            # fault plan (and the client kit's) makes the emulated API answer 429 and 503 on
            # purpose, which is what tests/test_faults.py checks.
            "--exclude-name-regex",
            r"^(POST /_sandbox/tenants(/\{ref\}/(rotate-key|client-checks))?"
            r"|PUT /_sandbox/snapshots/\{name\}|PUT /_sandbox/tenants/\{ref\}/faults)$",
            "--generation-database",
            "none",
            "--no-color",
            *headers,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-8000:]
    assert " passed" in result.stdout
