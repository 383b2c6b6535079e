"""Onboarding: the conformance kit against three receivers (and JUnit), a tenant with only a
refused request, GPG round trips of secrets, and no secret in clear without --show."""

import json

from tests import receivers
from tests.conftest import DEMO_TENANT
from tests.helpers import event, other_tenant

ADMIN = {"X-Sandbox-Admin-Token": "test-admin-token"}


def _secret(app, tenant_id=DEMO_TENANT):
    return app.extensions["sandbox.store"].one(
        "SELECT webhook_secret FROM tenants WHERE id = ?", (tenant_id,)
    )["webhook_secret"]


def _kit(client, url):
    client.patch(f"/_sandbox/tenants/{DEMO_TENANT}", json={"rewardWebhookUrl": url}, headers=ADMIN)
    resp = client.post(f"/_sandbox/tenants/{DEMO_TENANT}/conformance", headers=ADMIN)
    assert resp.status_code == 200, resp.get_json()
    return {r["case"]: r for r in resp.get_json()["results"]}


def test_the_kit_passes_a_correct_receiver_and_flags_the_two_broken_ones(app, client):
    secret = _secret(app)
    good, url, _ = receivers.start(secret)
    lax, lax_url, _ = receivers.start(secret, verify=False)
    greedy, greedy_url, _ = receivers.start(secret, dedupe=False)
    try:
        results = _kit(client, url)
        assert all(r["passed"] for r in results.values()), results
        assert "skipped" in results["stale_timestamp"]["note"]
        forged = _kit(client, lax_url)
        assert not forged["forged_signature"]["passed"]
        assert "skips signature checks" in forged["forged_signature"]["note"]
        assert forged["duplicate_reward"]["passed"]
        double = _kit(client, greedy_url)
        assert not double["duplicate_reward"]["passed"] and double["forged_signature"]["passed"]
        assert "credited twice" in double["duplicate_reward"]["note"]
        checklist = client.get(f"/_sandbox/tenants/{DEMO_TENANT}/onboarding", headers=ADMIN)
        kit_item = checklist.get_json()["steps"][3]["items"][2]
        assert kit_item["done"] and kit_item["evidence"].startswith("/_sandbox/conformance/")
    finally:
        for server in (good, lax, greedy):
            receivers.stop(server)


def test_a_receiver_that_verifies_a_reserialised_body_is_diagnosed(app, client):
    import hashlib
    import hmac

    secret = _secret(app)
    server, url, handler = receivers.start(secret)

    class Spaced(handler):
        def do_POST(self):  # verifies json.dumps(body) with spaces: the classic mistake
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            spaced = json.dumps(json.loads(raw), ensure_ascii=False).encode()
            ok = hmac.compare_digest(
                hmac.new(secret.encode(), spaced, hashlib.sha1).hexdigest(),
                self.headers.get("X-CG-SIGNATURE", ""),
            )
            self._answer(200 if ok else 401, {"credited": ok})

    server.RequestHandlerClass = Spaced
    try:
        results = _kit(client, url)
        assert not results["signed"]["passed"]
        assert "'spaces' variant" in results["signed"]["note"]
        assert "re-serialised with spaces" in results["signed"]["note"]
    finally:
        receivers.stop(server)


def test_the_cli_writes_junit_and_fails_on_a_broken_receiver(app, runner, tmp_path):
    server, url, _ = receivers.start(_secret(app), dedupe=False)
    try:
        out = runner.invoke(
            args=["conformance", DEMO_TENANT, "--receiver", url, "--junit", str(tmp_path / "k.xml")]
        )
        assert out.exit_code == 1, out.output
        # A case the kit could not run (no timestamp in X-CG-SIGNATURE) says skip, not pass.
        skipped = [line for line in out.output.splitlines() if "skipped:" in line]
        assert skipped and all(line.startswith("skip ") for line in skipped), out.output
        xml = (tmp_path / "k.xml").read_text()
        import xml.etree.ElementTree as ET

        suite = ET.fromstring(xml)
        assert suite.get("failures") == "1"
        failed = [c.get("name") for c in suite if c.find("failure") is not None]
        assert failed == ["duplicate_reward"]
    finally:
        receivers.stop(server)


def test_a_tenant_with_only_a_refused_request_is_told_what_to_do(app, client):
    other = other_tenant(app)
    key = other["write_key"]
    refused = client.post("/server/v4", json=event(), headers={"x-api-key": key[:-1] + "#"})
    assert refused.status_code == 401
    got = client.get(f"/_sandbox/tenants/{other['id']}/onboarding", headers=ADMIN).get_json()
    step1 = got["steps"][0]
    assert not step1["done"] and got["ready"] is False
    assert "writekey_typo" in step1["items"][0]["next"]
    assert got["businessDays"] >= 1  # the refused request was its first


def test_secrets_go_out_and_come_in_under_gpg_and_never_in_clear(
    app, runner, partner_gpg, tmp_path
):
    gpg, _fingerprint, public = partner_gpg
    secret = _secret(app)
    out = runner.invoke(args=["secrets", "export", DEMO_TENANT, "--to", str(public)])
    assert out.exit_code == 0, out.output
    assert secret not in out.output and "-----BEGIN PGP MESSAGE-----" in out.output
    clear = json.loads(str(gpg.decrypt(out.output[out.output.index("-----BEGIN") :])))
    assert clear["webhookSecret"] == secret and clear["tenantId"] == DEMO_TENANT

    # The other way: the partner encrypts a new secret to the sandbox's own key.
    sandbox_key = runner.invoke(args=["secrets", "public-key"]).output
    imported = gpg.import_keys(sandbox_key[sandbox_key.index("-----BEGIN") :])
    new = "partner-chosen-secret-0123456789"
    message = gpg.encrypt(
        json.dumps({"webhookSecret": new}), imported.fingerprints[0], always_trust=True
    )
    (tmp_path / "secret.asc").write_text(str(message))
    done = runner.invoke(args=["secrets", "import", DEMO_TENANT, str(tmp_path / "secret.asc")])
    assert done.exit_code == 0, done.output
    assert new not in done.output and _secret(app) == new
    shown = runner.invoke(args=["tenants", "show", DEMO_TENANT])
    assert new not in shown.output
    revealed = runner.invoke(args=["tenants", "show", DEMO_TENANT, "--reveal"])
    assert new in revealed.output  # only when asked
    fetched = app.test_client().get("/_sandbox/gpg/public-key", headers=ADMIN)
    assert fetched.status_code == 200 and fetched.get_data(as_text=True).startswith("-----BEGIN")


def test_the_readiness_report_in_three_formats_and_encrypted(app, client, partner_gpg):
    gpg, _fingerprint, public = partner_gpg
    md = client.get(f"/_sandbox/tenants/{DEMO_TENANT}/readiness?format=md", headers=ADMIN)
    assert md.get_data(as_text=True).startswith("# Readiness report: Demo Partner")
    data = client.get(f"/_sandbox/tenants/{DEMO_TENANT}/readiness", headers=ADMIN).get_json()
    assert set(data) >= {"checklist", "conformance", "failedDeliveries", "openProblems", "ready"}
    none = client.get(f"/_sandbox/tenants/{DEMO_TENANT}/readiness?encrypt=true", headers=ADMIN)
    assert none.status_code == 409
    client.patch(
        f"/_sandbox/tenants/{DEMO_TENANT}",
        json={"gpgPublicKey": public.read_text()},
        headers=ADMIN,
    )
    sealed = client.get(
        f"/_sandbox/tenants/{DEMO_TENANT}/readiness?format=md&encrypt=true", headers=ADMIN
    ).get_data(as_text=True)
    assert str(gpg.decrypt(sealed)).startswith("# Readiness report")


def test_a_receiver_with_a_skewed_clock_is_diagnosed(app, client):
    import time

    from standardwebhooks.webhooks import Webhook

    from sandbox.outgoing.signing import standard_secret

    secret = _secret(app)
    server, url, handler = receivers.start(secret)

    class Skewed(handler):
        def do_POST(self):  # a receiver whose clock runs 5 minutes ahead
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            stamp = int(self.headers.get("webhook-timestamp", "0"))
            try:
                Webhook(standard_secret(secret)).verify(raw, dict(self.headers.items()))
                fresh = abs(time.time() + 300 - stamp) < 60
            except Exception:
                fresh = False
            self._answer(200 if fresh else 401, {"credited": fresh})

    server.RequestHandlerClass = Skewed
    client.patch(
        f"/_sandbox/tenants/{DEMO_TENANT}",
        json={"delivery": {"standardWebhooks": True}},
        headers=ADMIN,
    )
    try:
        results = _kit(client, url)
        assert not results["signed"]["passed"]
        assert "300 s in the future" in results["signed"]["note"]
    finally:
        receivers.stop(server)


def test_a_kept_run_shows_its_receiver_url_masked(app):
    """A receiver URL may carry credentials (user:password@, ?token=): the run's views (the admin
    route, the readiness report) show it as the deliveries do."""
    from sandbox.onboarding import runs

    store = app.extensions["sandbox.store"]
    url = "https://alice:pw-not-shown@hooks.test/in?token=tok-not-shown&plain=kept"
    run_id, write = runs.store_run(DEMO_TENANT, url, [], "2026-12-07T00:00:00Z")
    store.write(write)
    shown = runs.get_run(store, run_id)
    assert "not-shown" not in json.dumps(shown)
    assert shown["url"].startswith("https://") and "plain=kept" in shown["url"]
    assert "not-shown" not in json.dumps(runs.latest(store, DEMO_TENANT))
