"""Every writeKey failure kind gets its own reason code, checks[] and masked secrets."""

import pytest

from tests.conftest import DEMO_KEY
from tests.helpers import assert_masked, bearer, event, mint, other_tenant, register, tenant


def post_event(client, headers=None, **kwargs):
    return client.post("/server/v4", json=event(), headers=headers or {}, **kwargs)


def explained(resp, reason):
    assert resp.status_code == 401, resp.get_json()
    body = resp.get_json()
    assert body["success"] is False and isinstance(body["message"], str)
    assert body["reason"] == reason
    assert body["hint"] and body["checks"][-1]["result"] == "fail"
    assert set(body["checks"][-1]) == {"name", "result", "expected", "got"}
    assert body["journal"].endswith(f"/_sandbox/journal/{body['requestId']}")
    assert resp.headers["X-Sandbox-Request-Id"] == body["requestId"]
    return body


def test_missing_key(client):
    body = explained(post_event(client), "writekey_missing")
    assert body["checks"][0]["name"] == "key_present"


@pytest.mark.parametrize("where", ["authorization", "query", "body"])
def test_key_in_the_wrong_place(client, where):
    if where == "authorization":
        resp = post_event(client, {"Authorization": DEMO_KEY})
    elif where == "query":
        resp = client.post(f"/server/v4?x-api-key={DEMO_KEY}", json=event())
    else:
        resp = client.post("/server/v4", json={**event(), "writeKey": DEMO_KEY})
    body = explained(resp, "writekey_wrong_place")
    assert "x-api-key header" in body["checks"][0]["expected"]
    assert_masked(resp, DEMO_KEY)


def test_registration_key_in_header_only_is_wrong_place(client):
    resp = client.post(
        "/user/v1/user/sdk?token=true", json={"userId": "a"}, headers={"x-api-key": DEMO_KEY}
    )
    body = explained(resp, "writekey_wrong_place")
    assert "writeKey" in body["checks"][0]["expected"]


@pytest.mark.parametrize(
    "value, reason",
    [
        (f'"{DEMO_KEY}"', "writekey_quoted"),
        (f"'{DEMO_KEY}'", "writekey_quoted"),
        (f" {DEMO_KEY}", "writekey_whitespace"),
        (f"{DEMO_KEY}\t", "writekey_whitespace"),
    ],
)
def test_quotes_or_whitespace_around_key(client, value, reason):
    resp = client.post("/user/v1/user/sdk?token=true", json={"userId": "a", "writeKey": value})
    body = explained(resp, reason)
    assert body["checks"][-1]["name"] == "key_clean"
    assert_masked(resp, DEMO_KEY)


@pytest.mark.parametrize(
    "mangle, reason",
    [
        (lambda k: k[:30], "writekey_truncated"),  # 30 of 36: most of the key
        (lambda k: k[:-1], "writekey_truncated"),
        (lambda k: k[:10] + ("X" if k[10] != "X" else "Y") + k[11:], "writekey_typo"),
        (lambda k: k + "z", "writekey_typo"),
        (lambda k: "completely-unrelated-key-000000000", "writekey_unknown"),
    ],
)
def test_near_miss_keys_are_diagnosed(client, mangle, reason):
    resp = post_event(client, {"x-api-key": mangle(DEMO_KEY)})
    body = explained(resp, reason)
    assert body["checks"][-1]["name"] == "key_known"
    assert "sha256:" in body["checks"][-1]["got"]
    assert_masked(resp, DEMO_KEY)


def test_revoked_key(app, client):
    from sandbox.domain.tenants import rotate_write_key

    new_key, write = rotate_write_key(tenant(app)["id"], "2026-11-01")
    app.extensions["sandbox.store"].write(write)
    body = explained(post_event(client, {"x-api-key": DEMO_KEY}), "writekey_revoked")
    assert "rotated out" in body["message"]
    ok = post_event(client, {"x-api-key": new_key})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "column, reason",
    [("jwt_secret", "writekey_is_jwt_secret"), ("webhook_secret", "writekey_is_webhook_secret")],
)
def test_secret_sent_as_key(app, client, column, reason):
    secret = tenant(app)[column]
    resp = post_event(client, {"x-api-key": secret})
    explained(resp, reason)
    assert_masked(resp, secret)


def test_token_sent_as_key(client):
    token, _ = register(client)
    resp = post_event(client, {"x-api-key": token})
    explained(resp, "writekey_is_token")
    assert_masked(resp, token)


def test_admin_token_sent_as_key(client):
    resp = post_event(client, {"x-api-key": "test-admin-token"})
    explained(resp, "writekey_is_admin_token")
    assert_masked(resp, "test-admin-token")


def test_key_of_tenant_a_with_token_of_tenant_b(app, client):
    b = other_tenant(app)
    token_b = mint(b["jwt_secret"], client=b["id"])
    resp = post_event(client, {"x-api-key": DEMO_KEY, **bearer(token_b)})
    body = explained(resp, "tenant_mismatch")
    assert "Other Partner" in body["message"]
    assert_masked(resp, token_b, b["jwt_secret"])


def test_path_key_and_header_key_differ(app, client):
    b = other_tenant(app)
    resp = client.get(
        f"/entrypoints/v2/list/{DEMO_KEY}?consumer=MOBILE", headers={"x-api-key": b["write_key"]}
    )
    explained(resp, "writekey_mismatch")


def test_passing_chain_is_journaled(client, admin_headers):
    resp = post_event(client, {"x-api-key": DEMO_KEY})
    assert resp.status_code == 200
    rid = resp.headers["X-Sandbox-Request-Id"]
    entry = client.get(f"/_sandbox/journal/{rid}", headers=admin_headers).get_json()
    assert entry["auth_result"] == "pass"
    assert [c["name"] for c in entry["checks"]][:3] == ["key_present", "key_clean", "key_known"]
    assert entry["headers"]["X-Api-Key"] != DEMO_KEY and "sha256:" in entry["headers"]["X-Api-Key"]


def test_failed_chain_is_journaled_with_reason(client, admin_headers):
    resp = post_event(client, {"x-api-key": "nope-nope-nope"})
    rid = resp.get_json()["requestId"]
    entry = client.get(f"/_sandbox/journal/{rid}", headers=admin_headers).get_json()
    assert entry["status"] == 401 and entry["auth_result"] == "fail"
    assert entry["auth_reason"] == "writekey_unknown"


@pytest.mark.parametrize("length", [1, 6, 7, 12, 15, 20, 26])
def test_a_short_prefix_is_unknown_and_names_no_tenant(client, length):
    """No prefix oracle: below 75 % of the key (and 16 characters) a guess learns nothing."""
    prefix = post_event(client, {"x-api-key": DEMO_KEY[:length]})
    wrong = post_event(client, {"x-api-key": DEMO_KEY[: length - 1] + "~"})
    for resp in (prefix, wrong):
        explained(resp, "writekey_unknown")
        assert "Demo Partner" not in resp.get_data(as_text=True)
    assert prefix.get_json()["message"] == wrong.get_json()["message"]


@pytest.mark.parametrize(
    "host, status",
    [
        ("api-us.customerglu.com", 401),
        ("events-me.customerglu.com", 401),
        ("events.customerglu.com", 200),  # the demo tenant is in India: the default hosts
        ("api-in.customerglu.com", 200),
        ("localhost:8080", 200),
        ("sandbox.partner.test", 200),
    ],
)
def test_a_region_host_knows_only_its_own_tenants(client, host, status):
    resp = client.post("/server/v4", json=event(), headers={"x-api-key": DEMO_KEY, "Host": host})
    assert resp.status_code == status, resp.get_json()
    if status == 401:
        body = explained(resp, "region_mismatch")
        assert "events.customerglu.com" in body["hint"] or "api.customerglu.com" in body["hint"]
