"""Support's first question, "did dave's event arrive?", answered for refused requests too: the
support scenario (3 users, 20 events, the usual mistakes) over HTTP."""

import json
import time

import pytest

from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import event, mint, other_tenant, register, tenant, viewer_headers

KEY = {"x-api-key": DEMO_KEY}
ADMIN = {"X-Sandbox-Admin-Token": "test-admin-token"}


@pytest.fixture
def scenario(app, client):
    """Send the 20 events of the support scenario; return what each one should come to."""
    expect = {}

    def send(event_id, user, headers, case, reason=None, body=None, **kw):
        sent = body if body is not None else json.dumps(event(event_id=event_id, user_id=user))
        resp = client.post(
            "/server/v4",
            data=sent,
            headers={"Content-Type": "application/json", **headers},
            **kw,
        )
        expect[event_id] = (user, case, reason, resp.headers.get("X-Sandbox-Request-Id"))
        return resp

    for i in range(1, 6):
        send(f"sup-0{i}", "alice", KEY, "received")
    send("sup-03", "alice", KEY, "received")  # a duplicate of sup-03
    typo = DEMO_KEY[:-1] + ("x" if DEMO_KEY[-1] != "x" else "y")
    send("sup-06", "dave", {"x-api-key": typo}, "refused", "writekey_typo")
    send("sup-07", "dave", {}, "refused", "writekey_missing")
    for i in range(8, 11):
        send(f"sup-{i:02d}", "dave", KEY, "received")
    send(
        "sup-11",
        "bob",
        {**KEY, "Content-Type": "text/plain"},
        "refused",
        "unsupported_content_type",
    )
    broken = b'{"event_id": "sup-12", "user_id": "bob", "event_name": "appOpen",}'
    send("sup-12", "bob", KEY, "refused", "invalid_json", body=broken)
    secret = tenant(app)["jwt_secret"]
    expired = mint(secret, userId="bob", iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    other = other_tenant(app)
    theirs, _ = register(client, "bob", write_key=other["write_key"])
    send(
        "sup-13",
        "bob",
        {**KEY, "Authorization": f"Bearer {theirs}"},
        "refused",
        "tenant_mismatch",
    )
    for i in range(14, 19):
        send(f"sup-{i}", "bob", KEY, "received")
    send("sup-19", "alice", {"x-api-key": "nope-" + DEMO_KEY}, "refused")  # extra characters
    send(
        "sup-20",
        "alice",
        KEY,
        "received",
        body=json.dumps(event(event_id="sup-20", user_id="alice", timestamp="yesterday")),
    )
    # a refused request claimed for bob, with no event: an expired token on the campaigns read
    refused_read = client.get("/reward/v1.1/user", headers={"Authorization": f"Bearer {expired}"})
    assert refused_read.status_code == 401
    return expect


def test_each_event_of_the_support_scenario_gets_its_case_reason_and_link(client, scenario):
    assert len({k for k in scenario}) == 20
    for event_id, (user, case, reason, request_id) in scenario.items():
        got = client.get(f"/_sandbox/received?event_id={event_id}&user={user}", headers=ADMIN)
        assert got.status_code == 200, got.get_json()
        answer = got.get_json()
        assert len(answer["events"]) == 1, (event_id, answer)
        found = answer["events"][0]
        assert found["case"] == case, (event_id, answer)
        if case == "received":
            assert found["journal"].startswith("http") and found["receivedAt"]
            continue
        refusal = found["refused"][0]
        if reason:
            assert refusal["reason"] == reason, (event_id, refusal)
        assert refusal["journal"].endswith(f"/_sandbox/journal/{request_id}"), refusal
        assert refusal["hint"] and "user:claimed" in (refusal["attribution"] or ""), refusal
        assert event_id in answer["answer"] and "refused" in answer["answer"]
    dup = client.get("/_sandbox/received?event_id=sup-03", headers=ADMIN).get_json()
    assert dup["events"][0]["duplicates"] == 1
    invalid = client.get("/_sandbox/received?event_id=sup-20", headers=ADMIN).get_json()
    assert invalid["events"][0]["valid"] is False and "invalid" in invalid["answer"]


def test_not_seen_names_the_nearest_candidates(client, scenario):
    nothing = client.get("/_sandbox/received?event_id=sup-06&user=alice", headers=ADMIN)
    answer = nothing.get_json()
    assert answer["events"] == [] and "not seen" in answer["answer"]
    near = answer["candidates"]
    assert [c["userId"] for c in near["sameEventOtherUser"]] == ["dave"]
    assert {c["eventId"] for c in near["sameUserOtherEvents"]} <= {
        f"sup-0{i}" for i in range(1, 6)
    } | {"sup-20"}
    bob = client.get("/_sandbox/received?event_id=sup-99&user=bob", headers=ADMIN).get_json()
    assert bob["candidates"]["refusedForUser"], bob
    assert "refused" in bob["answer"]


def test_the_journal_finds_refused_entries_by_claimed_user_and_event(client, scenario):
    dave = client.get("/_sandbox/journal?user=dave&status=4xx", headers=ADMIN).get_json()
    ids = {e["event_id"] for e in dave["entries"]}
    assert {"sup-06", "sup-07"} <= ids
    assert all("user:claimed" in e["attribution"] for e in dave["entries"])
    by_id = client.get("/_sandbox/journal?event_id=sup-06", headers=ADMIN).get_json()["entries"]
    assert by_id and by_id[0]["auth_reason"] == "writekey_typo"
    named = client.get("/_sandbox/journal?event_name=completePurchase&status=4xx", headers=ADMIN)
    assert {"sup-06", "sup-07"} <= {e["event_id"] for e in named.get_json()["entries"]}
    accepted = client.get("/_sandbox/journal?event_id=sup-01", headers=ADMIN).get_json()
    assert accepted["entries"][0]["attribution"] == "tenant:verified user:verified event:verified"


def test_a_viewer_sees_its_tenants_claimed_refusals_and_no_one_elses(app, client, scenario):
    mine = viewer_headers(app)
    seen = client.get("/_sandbox/received?event_id=sup-06", headers=mine).get_json()
    assert seen["events"][0]["case"] == "refused"  # a near miss of this tenant's key
    other = other_tenant(app)
    theirs = viewer_headers(app, other["id"])
    for event_id in scenario:
        got = client.get(f"/_sandbox/received?event_id={event_id}", headers=theirs).get_json()
        assert got["events"] == [], (event_id, got)
    journal = client.get("/_sandbox/journal?user=dave", headers=theirs).get_json()
    assert journal["entries"] == []


def test_the_checklist_counts_a_claimed_refusal_for_its_tenant(client):
    client.get("/reward/v1.1/user", headers=KEY)  # the writeKey where the user's token goes
    got = client.get(f"/_sandbox/tenants/{DEMO_TENANT}/onboarding", headers=ADMIN).get_json()
    nxt = got["steps"][0]["items"][0]["next"]
    assert "bearer_missing" in nxt and "writeKey was sent where the user's token goes" in nxt


def test_the_cli_answers_the_same(runner, client, scenario):
    out = runner.invoke(args=["received", "--event-id", "sup-06", "--user", "dave"])
    assert out.exit_code == 0, out.output
    assert (
        "refused" in out.output
        and "writekey_typo" in out.output
        and "/_sandbox/journal/" in out.output
    )
    data = runner.invoke(args=["received", "--event-id", "sup-01", "--json"])
    assert json.loads(data.output)["events"][0]["case"] == "received"
    tail = runner.invoke(args=["tail", "--once", "--kind", "request"])
    line = next(x for x in tail.output.splitlines() if "sup-06" in x)
    assert "completePurchase" in line and "user=dave" in line
