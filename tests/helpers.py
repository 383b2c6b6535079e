"""Test helpers: register users, mint tokens, read tenants' secrets."""

import time

import jwt

from tests.conftest import DEMO_KEY, DEMO_TENANT


def register(client, user_id="alice", write_key=DEMO_KEY, **extra):
    """Register a user through the API; return (token, response json)."""
    body = {"userId": user_id, "writeKey": write_key, "deviceType": "android", **extra}
    resp = client.post("/user/v1/user/sdk?token=true", json=body)
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    return data["data"]["token"], data


def bearer(token):
    """Return the Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def tenant(app, ref=DEMO_TENANT):
    """Return a tenant row with its secrets."""
    from sandbox.domain.tenants import get_tenant

    return get_tenant(app.extensions["sandbox.store"], ref)


def other_tenant(app, name="Other Partner"):
    """Create (or return) a second tenant."""
    from sandbox.domain.tenants import create_tenant, get_tenant

    store = app.extensions["sandbox.store"]
    found = get_tenant(store, name)
    if found is None:
        found, write = create_tenant(store, "2026-01-01T00:00:00Z", name)
        store.write(write)
    return found


def mint(secret, algorithm="HS256", headers=None, **claims):
    """Return a JWT with the given claims (defaults: the demo tenant's alice, valid now)."""
    now = int(time.time())
    payload = {"userId": "alice", "client": DEMO_TENANT, "iat": now, "exp": now + 3600}
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, secret, algorithm=algorithm, headers=headers)


def event(**overrides):
    """Return a valid server event body."""
    body = {
        "event_id": "evt-1",
        "event_name": "completePurchase",
        "user_id": "alice",
        "timestamp": "2026-11-27T10:00:00+0530",
        "event_properties": {"amount": 500},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def assert_masked(resp, *secrets):
    """Assert that no secret appears whole in a response's body or headers."""
    text = resp.get_data(as_text=True) + str(dict(resp.headers))
    for secret in secrets:
        assert secret not in text, "a secret was echoed in full"


def viewer_headers(app, tenant_id=DEMO_TENANT, ttl_days: float = 30.0):
    """Return headers carrying a new viewer token of the tenant (made in the app's store)."""
    from sandbox.domain import viewer_tokens

    store = app.extensions["sandbox.store"]
    made, write = viewer_tokens.issue(store, tenant_id, time.time(), ttl_days)
    store.write(write)
    return {"X-Sandbox-Admin-Token": made["token"]}
