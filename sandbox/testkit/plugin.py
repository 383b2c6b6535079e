"""pytest plugin (entry point `pytest11`): a sandbox per test session, the same state per test.

    def test_purchase_earns_a_play(cglu_sandbox):
        cglu_sandbox.register("dave")
        assert cglu_sandbox.send_event("dave", "completePurchase", {"amount": 500}).ok
        assert cglu_sandbox.journal(user="dave")[0]["status"] == 200

The session starts a sandbox in test mode (or uses --cglu-url and --cglu-token), saves its
fresh state as the snapshot `cglu-baseline` (or uploads --cglu-snapshot FILE), and restores
it before each test, so every test starts from the same campaigns, pools, users and clock.
`@pytest.mark.cglu_snapshot("name")` restores another snapshot of that sandbox instead.
"""

from pathlib import Path

import pytest

from .handle import CgluSandbox, Server

BASELINE = "cglu-baseline"


def pytest_addoption(parser):
    """Add the --cglu-* options."""
    group = parser.getgroup("cglu-sandbox", "CustomerGlu sandbox")
    group.addoption("--cglu-url", help="Use this running sandbox instead of starting one.")
    group.addoption("--cglu-token", help="Its admin token (default: SANDBOX_ADMIN_TOKEN).")
    group.addoption(
        "--cglu-snapshot", help="A snapshot file to upload and restore before each test."
    )
    group.addoption("--cglu-tenant", default="Demo Partner", help="The tenant tests act as.")


def pytest_configure(config):
    """Declare the cglu_snapshot marker."""
    config.addinivalue_line(
        "markers", "cglu_snapshot(name): restore this snapshot before the test (cglu_sandbox)"
    )


@pytest.fixture(scope="session")
def cglu_session(request):
    """The session's sandbox: (url, admin token, baseline snapshot name), stopped at the end."""
    import os

    opts = request.config.option
    server = None
    if opts.cglu_url:
        url, token = opts.cglu_url, opts.cglu_token or os.environ.get("SANDBOX_ADMIN_TOKEN", "")
    else:
        server = Server()
        url, token = server.url, server.admin_token
    try:
        sandbox = CgluSandbox(url, token, opts.cglu_tenant)
        baseline = BASELINE
        if opts.cglu_snapshot:
            path = Path(opts.cglu_snapshot)
            baseline = path.name.split(".snapshot")[0]
            with open(path, "rb") as fh:
                sandbox.admin.call(
                    "PUT",
                    f"/snapshots/{baseline}",
                    params={"replace": "true"},
                    data=fh,
                    headers={"Content-Type": "application/octet-stream"},
                )
        else:
            sandbox.snapshot(BASELINE)
        yield url, token, baseline
    finally:
        if server is not None:
            server.stop()


@pytest.fixture
def cglu_sandbox(cglu_session, request) -> CgluSandbox:
    """A handle on the session's sandbox, restored to the baseline (or the marker's snapshot)."""
    url, token, baseline = cglu_session
    marker = request.node.get_closest_marker("cglu_snapshot")
    sandbox = CgluSandbox(url, token, request.config.option.cglu_tenant)
    sandbox.restore(marker.args[0] if marker else baseline)
    return sandbox
