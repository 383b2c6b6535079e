"""A partner's backend tests against the sandbox, through the `cglu_sandbox` fixture that
`pip install customerglu-sandbox` brings (sandbox/testkit/plugin.py). Run: `pytest examples`."""

import json

import pytest
from rewards import CustomerGlu


def client(sandbox) -> CustomerGlu:
    return CustomerGlu(sandbox.url, sandbox.write_key)


def test_a_purchase_arrives_and_is_attributed_to_the_user(cglu_sandbox):
    answer = client(cglu_sandbox).purchase("dave", "A-1001", 500)
    assert answer.status_code == 200, answer.text
    entries = cglu_sandbox.journal(user="dave")
    assert [e["status"] for e in entries] == [200]
    assert entries[0]["event_id"] == "order-A-1001"


@pytest.mark.parametrize("order", ["B-1", "B-2"])
def test_every_test_starts_from_the_same_state(cglu_sandbox, order):
    # Whichever runs first, each sees no earlier purchase: the baseline is restored per test.
    assert cglu_sandbox.journal(user="erin") == []
    assert client(cglu_sandbox).purchase("erin", order, 100).status_code == 200
    assert len(cglu_sandbox.journal(user="erin")) == 1


def test_a_retried_order_is_counted_once(cglu_sandbox):
    shop = client(cglu_sandbox)
    assert shop.purchase("frank", "C-7", 250).status_code == 200
    again = shop.purchase("frank", "C-7", 250)  # the same order sent again
    assert again.status_code == 200
    events = [e for e in cglu_sandbox.journal(user="frank") if e["event_id"] == "order-C-7"]
    assert len(events) == 2  # both arrived; the sandbox kept the event once
    assert "duplicate" in (events[0].get("flags") or [])


def test_the_reward_webhook_reaches_the_partner(cglu_sandbox):
    url = cglu_sandbox.receiver("partner-webhooks")
    tenant = cglu_sandbox.tenant["id"]
    cglu_sandbox.admin.call("PATCH", f"/tenants/{tenant}", json={"rewardWebhookUrl": url})
    sent = cglu_sandbox.admin.call(
        "POST", f"/tenants/{tenant}/trigger", json={"kind": "reward", "userId": "gina"}
    )
    cglu_sandbox.clock.advance(1)  # the delivery is due now: it runs before this returns
    calls = cglu_sandbox.received("partner-webhooks")
    assert calls, sent
    assert json.loads(calls[0]["body"])["userId"] == "gina"


@pytest.mark.cglu_snapshot("cglu-baseline")
def test_a_named_snapshot_is_restored_before_the_test(cglu_sandbox):
    assert cglu_sandbox.journal(user="dave") == []


def test_a_503_then_a_429_are_ridden_out_and_the_order_counted_once(cglu_sandbox):
    cglu_sandbox.faults(
        {"id": "down", "route": "/server/v4", "status": 503, "count": 1, "retryAfter": 1},
        {"id": "busy", "route": "/server/v4", "status": 429, "count": 1, "retryAfter": 1},
    )
    answer = client(cglu_sandbox).purchase("hana", "D-3", 900)
    assert answer.status_code == 200, answer.text
    tries = cglu_sandbox.journal(user="hana")
    assert [e["status"] for e in tries] == [200, 429, 503]  # newest first
    assert {e["event_id"] for e in tries} == {"order-D-3"}


def test_the_client_kit_grades_this_backend(cglu_sandbox):
    run = cglu_sandbox.start_client_checks()
    shop = CustomerGlu(cglu_sandbox.url, cglu_sandbox.write_key, tries=6, backoff=0.05)
    assert shop.purchase("ivan", "E-1", 100).status_code == 200  # after 503, 429, 502, 502
    assert shop.purchase("ivan", "E-2", 100).status_code == 503  # down for longer: gave up
    graded = cglu_sandbox.client_checks(run)
    assert graded["passed"], graded["results"]
    assert graded["checks"]["reuses_event_id"] == "pass"
    assert graded["checks"]["reregisters_once"] == "not_seen"  # a backend holds no token
