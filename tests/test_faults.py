"""Seeded faults on the emulated API, and the client kit grading four clients written here: one
that behaves, one that retries at once, one that ignores Retry-After, one that sends a new
event_id on each retry; each fails exactly the check it breaks."""

import json
import threading
import time
import uuid

import pytest
import requests

from tests.conftest import DEMO_KEY, DEMO_TENANT, LiveServer
from tests.helpers import event

RETRIED = {429, 500, 502, 503, 504}


def _plan(client, admin_headers, rules, seed=None):
    body = {"rules": rules, **({"seed": seed} if seed else {})}
    return client.put(f"/_sandbox/tenants/{DEMO_TENANT}/faults", json=body, headers=admin_headers)


def _post(client, i):
    return client.post("/server/v4", json=event(event_id=f"f-{i}"), headers={"x-api-key": DEMO_KEY})


def test_a_count_rule_then_a_rate_limit_each_answer_with_their_headers(client, admin_headers):
    rules = [
        {"id": "busy", "route": "/server/v4", "method": "POST", "status": 503, "count": 2,
         "retryAfter": 1},
        {"id": "limit", "route": "/server/v4", "rateLimit": {"requests": 3, "perSeconds": 60}},
    ]  # fmt: skip
    assert _plan(client, admin_headers, rules).status_code == 200
    got = [_post(client, i) for i in range(7)]
    assert [g.status_code for g in got] == [503, 503, 200, 200, 200, 429, 429]
    assert got[0].headers["Retry-After"] == "1"
    assert got[0].json["reason"] == "fault_injected"
    assert got[5].headers["X-RateLimit-Limit"] == "3"
    assert got[5].headers["X-RateLimit-Remaining"] == "0"
    assert int(got[5].headers["Retry-After"]) >= 1
    faulted = client.get("/_sandbox/journal?flag=fault", headers=admin_headers).json
    assert faulted["count"] == 4
    one = client.get(
        f"/_sandbox/journal/{faulted['entries'][0]['request_id']}", headers=admin_headers
    )
    assert one.json["response_headers"]["X-Sandbox-Fault"].startswith("limit: 429")
    shown = client.get(f"/_sandbox/tenants/{DEMO_TENANT}/faults", headers=admin_headers).json
    assert {r["id"]: r["applied"] for r in shown["rules"]} == {"busy": 2, "limit": 2}
    # The admin surface is never faulted, whatever the rules.
    assert client.get("/_sandbox/clock", headers=admin_headers).status_code == 200


def test_probability_is_seeded_and_replays(client, admin_headers):
    rules = [{"id": "flaky", "route": "/server/v4", "status": 502, "probability": 0.5}]
    runs = []
    for _ in range(2):
        assert _plan(client, admin_headers, rules, seed="ci-42").status_code == 200
        runs.append([_post(client, f"{len(runs)}-{i}").status_code for i in range(40)])
    assert runs[0] == runs[1]  # a new plan starts its draws again: the same faults
    assert 5 < runs[0].count(502) < 35
    other = _plan(client, admin_headers, rules, seed="other")
    assert other.status_code == 200
    assert [_post(client, f"o-{i}").status_code for i in range(40)] != runs[0]


def test_a_schedule_on_the_virtual_clock(client, admin_headers):
    now = client.get("/_sandbox/clock", headers=admin_headers).json["now"]
    later = time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600 + _offset(client, admin_headers))
    )
    rules = [{"id": "outage", "route": "/server/*", "status": 500, "from": later}]
    assert _plan(client, admin_headers, rules).status_code == 200, now
    assert _post(client, 1).status_code == 200
    client.post("/_sandbox/clock/advance", json={"seconds": 3700}, headers=admin_headers)
    assert _post(client, 2).status_code == 500


def _offset(client, admin_headers) -> float:
    return client.get("/_sandbox/clock", headers=admin_headers).json["offset"]


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ([{"id": "x", "route": "/_sandbox/*", "status": 503}], "own surface"),
        ([{"id": "x", "status": 418}], "status must be one of"),
        ([{"id": "x", "route": "/server/v4"}], "give the rule an effect"),
        ([{"id": "x", "status": 503, "probability": 2}], "probability must be from 0 to 1"),
        ([{"id": "x", "status": 503}, {"id": "x", "status": 502}], "an id of its own"),
        ([{"id": "x", "status": 503, "colour": "red"}], "unknown field"),
        ([], "rules must be a list"),
    ],
)
def test_a_bad_plan_is_refused_with_each_problem(client, admin_headers, rules, problem):
    got = _plan(client, admin_headers, rules)
    assert got.status_code == 400 and got.json["reason"] == "bad_fault_plan"
    assert problem in got.json["message"]


def test_reset_and_truncate_over_a_real_connection(tmp_path):
    server = LiveServer(tmp_path / "data", {"SANDBOX_ADMIN_TOKEN": "flt"})
    admin = {"X-Sandbox-Admin-Token": "flt"}
    try:
        rules = [
            {"id": "drop", "route": "/server/v4", "reset": True, "count": 1},
            {"id": "cut", "route": "/server/v4", "truncate": True, "count": 1},
            {"id": "slow", "route": "/server/v4", "latencyMs": 300, "count": 1},
        ]
        put = requests.put(
            f"{server.url}/_sandbox/tenants/{DEMO_TENANT}/faults",
            json={"rules": rules},
            headers=admin,
            timeout=10,
        )
        assert put.status_code == 200, put.text

        def post(i):
            return requests.post(
                f"{server.url}/server/v4",
                json=event(event_id=f"net-{i}"),
                headers={"x-api-key": DEMO_KEY},
                timeout=10,
            )

        with pytest.raises(requests.ConnectionError):
            post(1)
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
            post(2)
        started = time.monotonic()
        assert post(3).status_code == 200
        assert time.monotonic() - started >= 0.3
        assert post(4).status_code == 200
        entries = requests.get(
            f"{server.url}/_sandbox/journal?flag=fault", headers=admin, timeout=10
        ).json()["entries"]
        assert len(entries) == 3
    finally:
        server.stop()
    assert "Traceback" not in server.output()


def _client(url: str, key: str, *, honour=True, backoff=0.05, new_id=False, tries=6):
    """A partner's event sender, as the tests' four clients differ."""

    def send(user: str, amount: int):
        event_id = str(uuid.uuid4())
        for attempt in range(tries):
            got = requests.post(
                f"{url}/server/v4",
                json=event(event_id=event_id, user_id=user, event_properties={"amount": amount}),
                headers={"x-api-key": key},
                timeout=10,
            )
            if got.status_code not in RETRIED or attempt == tries - 1:
                return got
            wait = backoff * 2**attempt
            asked = got.headers.get("Retry-After")
            if honour and asked:
                wait = max(wait, float(asked))
            time.sleep(wait)
            if new_id:
                event_id = str(uuid.uuid4())
        return got

    return send


CLIENTS = {
    "behaves": ({}, set()),
    "retries_at_once": ({"backoff": 0}, {"backs_off"}),
    "ignores_retry_after": ({"honour": False}, {"waits_retry_after"}),
    "new_event_id": ({"new_id": True}, {"reuses_event_id"}),
}


@pytest.mark.heavy
def test_the_client_kit_fails_each_client_on_exactly_the_check_it_breaks(tmp_path):
    server = LiveServer(tmp_path / "data", {"SANDBOX_ADMIN_TOKEN": "kit"})
    admin = {"X-Sandbox-Admin-Token": "kit"}
    try:
        runs = {}
        for name in CLIENTS:
            made = requests.post(
                f"{server.url}/_sandbox/tenants", json={"name": name}, headers=admin, timeout=10
            )
            assert made.status_code == 200, made.text
            started = requests.post(
                f"{server.url}/_sandbox/tenants/{name}/client-checks", headers=admin, timeout=10
            ).json()
            assert {r["result"] for r in started["results"]} == {"not_seen"}
            runs[name] = (started["runId"], made.json()["writeKey"])

        def flow(name):
            send = _client(server.url, runs[name][1], **CLIENTS[name][0])
            assert send("dave", 500).status_code == 200  # through 503, 429, 502, 502
            assert send("dave", 900).status_code == 503  # down for longer: it gives up

        threads = [threading.Thread(target=flow, args=(n,)) for n in CLIENTS]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name, (_options, breaks) in CLIENTS.items():
            graded = requests.get(
                f"{server.url}/_sandbox/client-checks/{runs[name][0]}", headers=admin, timeout=10
            ).json()
            results = {r["check"]: r["result"] for r in graded["results"]}
            failed = {c for c, r in results.items() if r == "fail"}
            assert failed == breaks, (name, graded["results"])
            assert results["reregisters_once"] == "not_seen"  # a backend sends no Bearer calls
            assert all(
                results[c] == "pass" for c in results if c not in breaks | {"reregisters_once"}
            )
        junit = requests.get(
            f"{server.url}/_sandbox/client-checks/{runs['new_event_id'][0]}?format=junit",
            headers=admin,
            timeout=10,
        )
        assert junit.headers["Content-Type"].startswith("application/xml")
        assert 'failures="1"' in junit.text and "reuses_event_id" in junit.text
    finally:
        server.stop()
    assert "Traceback" not in server.output()


def test_an_sdk_that_registers_once_after_a_401_passes(client, admin_headers):
    started = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/client-checks", headers=admin_headers
    ).json

    def register():
        got = client.post(
            "/user/v1/user/sdk?token=true", json={"userId": "sdk-user", "writeKey": DEMO_KEY}
        )
        return got.json["data"]["token"]

    token = register()
    first = client.get("/reward/v1.1/user", headers={"Authorization": f"Bearer {token}"})
    assert first.status_code == 401 and first.json["reason"] == "fault_injected"
    token = register()
    assert (
        client.get("/reward/v1.1/user", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    graded = client.get(f"/_sandbox/client-checks/{started['runId']}", headers=admin_headers).json
    results = {r["check"]: r["result"] for r in graded["results"]}
    assert results["reregisters_once"] == "pass", graded


def test_the_cli_sets_shows_and_clears_a_plan_and_grades_a_run(runner, client, tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps({"rules": [{"id": "busy", "route": "/server/v4", "status": 429, "count": 1}]})
    )
    set_ = runner.invoke(args=["faults", "set", DEMO_TENANT, str(plan)])
    assert set_.exit_code == 0, set_.output
    assert "busy" in set_.output and "status=429" in set_.output and "count=1" in set_.output
    assert _post(client, 1).status_code == 429
    assert _post(client, 2).status_code == 200  # not faulted: tail --flag leaves it out
    tailed = runner.invoke(args=["tail", "--flag", "fault", "--once", "--kind", "request"])
    assert tailed.exit_code == 0, tailed.output
    lines = [x for x in tailed.output.splitlines() if "/server/v4" in x]
    assert len(lines) == 1 and "429" in lines[0] and "fault" in lines[0], tailed.output
    plan.write_text("{not json")
    assert "is not JSON" in runner.invoke(args=["faults", "set", DEMO_TENANT, str(plan)]).output
    cleared = runner.invoke(args=["faults", "clear", DEMO_TENANT])
    assert cleared.exit_code == 0 and "removed" in cleared.output

    none_yet = runner.invoke(args=["client-checks", "show", DEMO_TENANT])
    assert none_yet.exit_code == 1 and "client-checks start" in none_yet.output
    started = runner.invoke(args=["client-checks", "start", DEMO_TENANT])
    assert started.exit_code == 0 and "started cck_" in started.output
    shown = runner.invoke(args=["faults", "show", DEMO_TENANT])
    assert "kit-down" in shown.output and "skip=1 count=12" in shown.output
    junit = tmp_path / "client.xml"
    graded = runner.invoke(args=["client-checks", "show", DEMO_TENANT, "--junit", str(junit)])
    # Nothing has been sent yet: every check is not seen, none failed, so the run passes.
    assert graded.exit_code == 0, graded.output
    assert "not_seen" in graded.output and 'failures="0"' in junit.read_text()


def test_a_forged_bearer_token_does_not_spend_a_tenants_fault_rules(client, admin_headers):
    """The plan finds its tenant before auth, but only by a token the tenant's secret signed."""
    import jwt

    rules = [{"id": "once", "route": "/reward/*", "status": 503, "count": 1}]
    assert _plan(client, admin_headers, rules).status_code == 200
    forged = jwt.encode({"client": DEMO_TENANT, "userId": "mallory"}, "not-the-secret" * 3)
    got = client.get("/reward/v1.1/user", headers={"Authorization": f"Bearer {forged}"})
    assert got.status_code == 401 and got.json["reason"] != "fault_injected"
    token = client.post(
        "/user/v1/user/sdk?token=true", json={"userId": "dave", "writeKey": DEMO_KEY}
    ).json["data"]["token"]
    real = client.get("/reward/v1.1/user", headers={"Authorization": f"Bearer {token}"})
    assert real.status_code == 503 and real.json["reason"] == "fault_injected"  # still unspent


def test_a_spent_rule_costs_its_requests_no_more_writes(app, client, admin_headers):
    """Once a count rule has run out, requests on its route no longer bump its counter."""
    rules = [{"id": "once", "route": "/server/v4", "status": 503, "count": 1}]
    assert _plan(client, admin_headers, rules).status_code == 200
    assert [_post(client, i).status_code for i in range(6)] == [503] + [200] * 5
    counted = app.extensions["sandbox.store"].one(
        "SELECT n FROM fault_counts WHERE rule_id = 'once' AND window = 'count'"
    )
    assert counted["n"] == 2  # the fault, then the one request that found it spent
