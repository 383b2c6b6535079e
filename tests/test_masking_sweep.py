"""Every view of stored data goes through the masker: a sweep of every admin GET route over a
sandbox whose record holds a JWT sent as a user id and a webhook URL carrying credentials."""

import re

from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import event

ADMIN = {"X-Sandbox-Admin-Token": "test-admin-token"}
SIGNATURE = "c2lnbmF0dXJlLW5vdC1zaG93bg"
JWT_USER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0." + SIGNATURE
HOOK = "https://alice:pw-not-shown@127.0.0.1:9/in?token=tok-not-shown"


def _record_with_secrets(client) -> str:
    """Put a JWT user id and a credentialed webhook URL into every table a view reads."""
    tenant = f"/_sandbox/tenants/{DEMO_TENANT}"
    client.patch(tenant, json={"rewardWebhookUrl": HOOK, "nudgeWebhookUrl": HOOK}, headers=ADMIN)
    sent = client.post(
        "/server/v4",
        json=event(event_id="e-jwt", user_id=JWT_USER, event_name="appOpen"),
        headers={"x-api-key": DEMO_KEY},
    )
    assert sent.status_code == 200
    play = {"userId": JWT_USER, "campaignId": "demo-wheel", "count": 1}
    assert client.post(f"{tenant}/plays", json=play, headers=ADMIN).status_code == 200
    for kind in ("reward", "nudge"):
        client.post(f"{tenant}/trigger", json={"kind": kind, "userId": JWT_USER}, headers=ADMIN)
    client.post("/_sandbox/clock/advance", json={"seconds": 120}, headers=ADMIN)  # the tries
    return sent.headers["X-Sandbox-Request-Id"]


def test_no_admin_view_shows_a_jwt_user_id_or_a_webhook_urls_credentials(app, client):
    request_id = _record_with_secrets(client)
    deliveries = client.get("/_sandbox/deliveries", headers=ADMIN).get_json()["deliveries"]
    assert deliveries  # the sweep reads a delivery and its attempts, not a 404
    given = {
        "ref": DEMO_TENANT,
        "campaign_id": "demo-wheel",
        "request_id": request_id,
        "delivery_id": deliveries[0]["deliveryId"],
    }
    swept = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/_sandbox"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: given.get(m.group(1), "x"), rule.rule)
        for query in ("", f"?tenant={DEMO_TENANT}&format=json"):
            answer = client.get(path + query, headers=ADMIN)
            text = answer.get_data(as_text=True)
            assert SIGNATURE not in text, f"{path}{query} shows the JWT"
            assert "not-shown" not in text, f"{path}{query} shows the URL's credentials"
            swept.append((path, answer.status_code))
    assert sum(status == 200 for _, status in swept) >= 40, swept
