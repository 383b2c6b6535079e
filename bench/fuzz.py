"""The long form of tests/test_fuzz.py: many more generated requests to every route.

    python bench/fuzz.py                 # 20,000 requests, a fresh seed each run
    python bench/fuzz.py --examples 500 --seed 1
    python bench/fuzz.py --smoke         # CI: 100 requests

Prints the tally of answers by status class; any 5xx, non-JSON error, unjournaled request or
journal entry that does not open stops the run with the request that broke it (exit 1).
"""

import argparse
import random
import sys
import tempfile
import time

import harness

sys.path.insert(0, str(harness.ROOT))
from flask.testing import FlaskClient  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

from sandbox import create_app  # noqa: E402
from tests.fuzzing import check, operations, requests_for  # noqa: E402


def main(argv=None) -> int:
    """Run the property for --examples generated requests; print the tally."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--smoke", action="store_true", help="100 requests (CI)")
    args = parser.parse_args(argv)
    examples = 100 if args.smoke else args.examples
    run_seed = random.randrange(1 << 32) if args.seed is None else args.seed
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as data:
        app = create_app({"DATA_DIR": data, "TEST_MODE": True, "ADMIN_TOKEN": "test-admin-token"})
        app.test_client_class = FlaskClient
        client, tally = app.test_client(), {}
        admin = {"X-Sandbox-Admin-Token": "test-admin-token"}

        @seed(run_seed)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(requests_for(operations(app)))
        def prop(request):
            kind = check(client, admin, request)
            tally[kind] = tally.get(kind, 0) + 1

        started = time.monotonic()
        try:
            prop()
        finally:
            app.extensions["sandbox.store"].close()
    took = time.monotonic() - started
    print(f"seed {run_seed}: {sum(tally.values()):,} requests in {took:.1f} s, {tally}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
