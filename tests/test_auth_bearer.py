"""Every bearer failure kind gets its own reason code, a WWW-Authenticate header, masked secrets."""

import time

import pytest

from sandbox.store import CoreWrite
from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import assert_masked, bearer, event, mint, other_tenant, register, tenant

LOAD = "/reward/v1.1/user"


def explained(resp, reason):
    assert resp.status_code == 401, resp.get_json()
    body = resp.get_json()
    assert body["success"] is False and body["reason"] == reason, body
    assert body["hint"] and body["checks"][-1]["result"] == "fail"
    assert resp.headers["WWW-Authenticate"].startswith('Bearer realm="customerglu-sandbox"')
    assert "invalid_token" in resp.headers["WWW-Authenticate"]
    return body


@pytest.fixture
def alice(client):
    token, _ = register(client, "alice")
    return token


def test_missing_header(client):
    body = explained(client.get(LOAD), "bearer_missing")
    assert body["checks"][0]["got"] == "nothing"


def test_only_write_key_sent(client):
    body = explained(client.get(LOAD, headers={"x-api-key": DEMO_KEY}), "bearer_missing")
    assert "x-api-key" in body["checks"][0]["got"]


@pytest.mark.parametrize("scheme", ["Basic", "Token", "JWT"])
def test_wrong_scheme(client, alice, scheme):
    resp = client.get(LOAD, headers={"Authorization": f"{scheme} {alice}"})
    explained(resp, "bearer_wrong_scheme")
    assert_masked(resp, alice)


def test_prefix_missing(client, alice):
    resp = client.get(LOAD, headers={"Authorization": alice})
    explained(resp, "bearer_prefix_missing")
    assert_masked(resp, alice)


@pytest.mark.parametrize("value", ["abc", "a.b", "not.a.jwt", "eyJhbGciOiJIUzI1NiJ9.!!!.sig"])
def test_malformed_token(client, value):
    explained(client.get(LOAD, headers=bearer(value)), "token_malformed")


def test_write_key_as_bearer(client):
    resp = client.get(LOAD, headers=bearer(DEMO_KEY))
    explained(resp, "bearer_is_writekey")
    assert_masked(resp, DEMO_KEY)


def test_alg_none(app, client, alice):
    token = mint(None, algorithm="none")
    body = explained(client.get(LOAD, headers=bearer(token)), "token_alg_not_allowed")
    assert "'none'" in body["checks"][-1]["got"]


def test_alg_hs512(app, client, alice):
    token = mint(tenant(app)["jwt_secret"] * 2, algorithm="HS512")
    explained(client.get(LOAD, headers=bearer(token)), "token_alg_not_allowed")


def test_signed_by_another_client(app, client, alice):
    other = other_tenant(app)
    token = mint(other["jwt_secret"])  # claims the demo client, signed by the other
    resp = client.get(LOAD, headers=bearer(token))
    body = explained(resp, "token_signed_by_other_client")
    assert "Other Partner" in body["message"]
    assert_masked(resp, other["jwt_secret"], tenant(app)["jwt_secret"])


def test_signed_with_write_key(client, alice):
    token = mint(DEMO_KEY + "-padding-to-32-bytes")
    explained(client.get(LOAD, headers=bearer(token)), "token_bad_signature")
    token = mint(DEMO_KEY)
    resp = client.get(LOAD, headers=bearer(token))
    explained(resp, "token_signed_with_writekey")
    assert_masked(resp, DEMO_KEY)


def test_bad_signature(client, alice):
    head, payload, sig = alice.split(".")
    forged = f"{head}.{payload}.{sig[:-4]}AAAA"
    explained(client.get(LOAD, headers=bearer(forged)), "token_bad_signature")


def test_expired_shows_exp_server_time_and_skew(app, client, alice, admin_headers):
    assert client.get(LOAD, headers=bearer(alice)).status_code == 200
    client.post("/_sandbox/clock/advance", json={"seconds": 366 * 86400}, headers=admin_headers)
    body = explained(client.get(LOAD, headers=bearer(alice)), "token_expired")
    assert "server time" in body["message"] and "s ago" in body["message"]
    assert "in the past" in body["checks"][-1]["got"]


def test_not_yet_valid(app, client, alice):
    future = int(time.time()) + 3600
    token = mint(tenant(app)["jwt_secret"], iat=future, exp=future + 3600)
    body = explained(client.get(LOAD, headers=bearer(token)), "token_not_yet_valid")
    assert "ahead of server time" in body["message"]


@pytest.mark.parametrize("drop", ["userId", "client", "exp"])
def test_missing_claims(app, client, alice, drop):
    token = mint(tenant(app)["jwt_secret"], **{drop: None})
    body = explained(client.get(LOAD, headers=bearer(token)), "token_claims_missing")
    assert drop in body["message"]


def test_unknown_client(app, client):
    token = mint(tenant(app)["jwt_secret"], client="ffffffff-0000-0000-0000-000000000000")
    explained(client.get(LOAD, headers=bearer(token)), "token_unknown_client")


def test_user_no_longer_exists(app, client, alice):
    app.extensions["sandbox.store"].write(CoreWrite(lambda c: c.execute("DELETE FROM users")))
    body = explained(client.get(LOAD, headers=bearer(alice)), "user_not_found")
    assert "data reset" in body["message"]


def test_token_of_a_with_key_of_b(app, client, alice):
    b = other_tenant(app)
    resp = client.get(LOAD, headers={**bearer(alice), "x-api-key": b["write_key"]})
    explained(resp, "tenant_mismatch")


def test_event_user_differs_from_token_user(client, alice):
    resp = client.post(
        "/server/v4",
        json=event(user_id="mallory"),
        headers={"x-api-key": DEMO_KEY, **bearer(alice)},
    )
    assert resp.status_code == 401
    body = resp.get_json()
    assert body["reason"] == "event_user_mismatch"
    assert body["checks"][-1]["name"] == "event_user"
    ok = client.post(
        "/server/v4", json=event(user_id="alice"), headers={"x-api-key": DEMO_KEY, **bearer(alice)}
    )
    assert ok.status_code == 200


def test_x_glu_auth_alone_is_accepted(client, alice):
    assert client.get(LOAD, headers={"X-GLU-AUTH": f"Bearer {alice}"}).status_code == 200


def test_anonymous_token_still_works_after_merge(client):
    anon_token, data = register(client, user_id=None, anonymousId="anon-42")
    assert data["data"]["user"]["userId"] == "anon-42"
    _token, merged = register(client, user_id="bob", anonymousId="anon-42")
    assert merged["data"]["user"]["userId"] == "bob"
    assert merged["data"]["user"]["anonymousId"] == "anon-42"
    assert client.get(LOAD, headers=bearer(anon_token)).status_code == 200


def test_token_claims(app, client):
    import jwt

    token, data = register(client, "carol", deviceId="dev-1")
    claims = jwt.decode(
        token,
        tenant(app)["jwt_secret"],
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["exp"] - claims["iat"] == 31_536_000
    assert claims["client"] == DEMO_TENANT and claims["userId"] == "carol"
    assert {"gluId", "deviceId", "deviceType", "isLoggedIn"} <= set(claims)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def _damaged(token: str) -> dict:
    head, payload, signature = token.split(".")
    return {
        "token_quoted": f'Bearer "{token}"',
        "bearer_doubled": f"Bearer Bearer {token}",
        "signature": f"Bearer {head}.{payload}.{signature[:20]}",
        "payload": f"Bearer {head}.not-json.{signature}",
        "segments": f"Bearer {head}.{payload}",
    }


@pytest.mark.parametrize(
    "case, reason, part",
    [
        ("token_quoted", "token_quoted", "quotes"),
        ("bearer_doubled", "bearer_doubled", "scheme word is sent twice"),
        ("signature", "token_malformed", "signature is cut short: 20 of 43"),
        ("payload", "token_malformed", "payload segment"),
        ("segments", "token_malformed", "2 dot-separated segment(s)"),
    ],
)
def test_a_damaged_token_names_the_part_that_is_wrong(client, alice, case, reason, part):
    resp = client.get(LOAD, headers={"Authorization": _damaged(alice)[case]})
    body = explained(resp, reason)
    assert part in body["message"], body["message"]
    assert_masked(resp, alice)


@pytest.mark.parametrize("secret", ["admin", "key"])
def test_a_bare_secret_as_the_scheme_is_masked(client, secret):
    value = "test-admin-token" if secret == "admin" else DEMO_KEY
    resp = client.get(LOAD, headers={"Authorization": value})
    assert resp.status_code == 401
    assert value not in resp.get_data(as_text=True)
    assert value not in resp.headers.get("WWW-Authenticate", "")


def test_urls_carry_a_short_lived_page_token_the_api_refuses(client, alice):
    import jwt

    wallet = client.get(LOAD, headers=bearer(alice)).get_json()
    page_token = wallet["defaultUrl"].split("token=", 1)[1]
    claims = jwt.decode(page_token, options={"verify_signature": False})
    assert claims["typ"] == "page" and claims["exp"] - claims["iat"] == 3600
    for campaign in wallet["campaigns"]:
        assert alice not in campaign["url"]
    body = explained(client.get(LOAD, headers=bearer(page_token)), "token_is_page_token")
    assert body["checks"][-1]["name"] == "token_kind"


def test_pyjwt_loads_without_cryptography_and_the_device_ca_still_gets_it(tmp_path):
    """A fresh server process: tokens are issued and checked (HS256), an RS256 one is refused
    as before, and cryptography is loaded only when the device CA makes a certificate."""
    import json
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        f"""
        import json, sys
        from sandbox import create_app
        from sandbox.hs256 import jwt
        app = create_app({{"DATA_DIR": {str(tmp_path)!r}, "ADMIN_TOKEN": "t"}})
        c = app.test_client()
        body = {{"userId": "ann", "writeKey": {DEMO_KEY!r}, "deviceType": "android"}}
        token = c.post("/user/v1/user/sdk?token=true", json=body).get_json()["data"]["token"]
        ok = c.get("/reward/v1.1/user", headers={{"Authorization": "Bearer " + token}})
        header = {{"alg": "RS256", "typ": "JWT"}}
        forged = ".".join([jwt.utils.base64url_encode(json.dumps(header).encode()).decode(),
                           token.split(".")[1], "c2ln"])
        refused = c.get("/reward/v1.1/user", headers={{"Authorization": "Bearer " + forged}})
        before = "cryptography" in sys.modules
        from sandbox.http import ca
        ca.ensure({str(tmp_path)!r})
        print(json.dumps([ok.status_code, refused.status_code, refused.get_json()["reason"],
                          before, "cryptography" in sys.modules, jwt.algorithms.has_crypto]))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    ok, refused, reason, before, after, has_crypto = json.loads(out.stdout.strip().splitlines()[-1])
    assert (ok, refused, reason) == (200, 401, "token_alg_not_allowed")
    assert before is False and after is True and has_crypto is False
