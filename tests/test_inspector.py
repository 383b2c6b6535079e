"""The inspector without sockets: the feed's cursor over several journal files and the core
tables, cURL and the corrected cURL, replay of the exact bytes, exports, "did you receive it?",
the causal timeline, and what a tenant viewer can and cannot see."""

import json

import pytest

from sandbox.journal import feed
from sandbox.journal.filters import Filters
from sandbox.masking import Masker
from sandbox.store import connect
from sandbox.store.shards import SLOT_BITS, shard_path
from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import event, other_tenant, register, viewer_headers

KEY = {"x-api-key": DEMO_KEY}
ADMIN = {"X-Sandbox-Admin-Token": "test-admin-token"}


def _store(app):
    return app.extensions["sandbox.store"]


def _read(app, cursor, kinds=feed.KINDS, **exact):
    return feed.read(_store(app), cursor, Filters(exact=dict(exact)), kinds, Masker([]))


def test_the_feed_resumes_every_file_and_table_without_gap_or_repeat(make_app):
    a, b = make_app(), make_app()  # two writers on one data dir: two journal files
    start = feed.encode(*feed.heads(_store(a)))
    for n, app in enumerate((a, b, a)):
        resp = app.test_client().post("/server/v4", json=event(event_id=f"f{n}"), headers=KEY)
        assert resp.status_code == 200
    items, cursor, more = _read(a, start, kinds=("request",))
    assert len(items) == 3 and not more
    seen = {i["id"] for i in items}
    # A late commit in b's file with an id below the newest read: the cursor still finds it.
    slot_b = _store(b).writer.slot
    positions, _d, _a = feed.decode(cursor)
    late = positions[slot_b] + (1 << SLOT_BITS)
    assert late < max(positions.values())
    conn = connect(shard_path(_store(b).data_dir, slot_b))
    conn.execute(
        "INSERT INTO journal (id, request_id, ts, ts_epoch, method, path, tenant_id) VALUES "
        "(?, 'req_late', '2026-12-02T00:00:00Z', 0, 'POST', '/server/v4', ?)",
        (late, DEMO_TENANT),
    )
    conn.close()
    again, cursor2, _ = _read(a, cursor, kinds=("request",))
    assert [i["id"] for i in again] == ["req_late"] and "req_late" not in seen
    assert _read(a, cursor2, kinds=("request",))[0] == []  # and never twice


def test_draws_and_attempts_join_the_timeline_and_filters_apply(app, client):
    cursor = feed.encode(*feed.heads(_store(app)))
    client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/plays",
        json={"userId": "feed-user", "campaignId": "demo-wheel", "count": 2},
        headers=ADMIN,
    )
    client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/trigger",
        json={"kind": "reward", "userId": "feed-user"},
        headers=ADMIN,
    )
    items, _c, _m = _read(app, cursor)
    kinds = [i["kind"] for i in items]
    assert kinds.count("draw") == 2 and kinds.count("attempt") == 0  # held: no URL set
    only = _read(app, cursor, kinds=("draw",), user_id="nobody")[0]
    assert only == []
    with pytest.raises(feed.BadCursor):
        feed.decode("f1.garbage!")


def test_the_feed_masks_draws_and_attempts_as_every_other_view(app, client):
    """The live feed (the inspector, `tail`, a viewer's page) shows an attempt's URL as the
    deliveries do: userinfo and secret-looking query values masked; a known secret or a JWT
    anywhere in a draw or an attempt (a token sent as a user id) masked too."""
    from sandbox.http.current import runtime

    hook = "https://alice:pw-not-shown@127.0.0.1:9/in?token=tok-not-shown&plain=kept"
    jwt_user = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLW5vdC1zaG93bg"
    cursor = feed.encode(*feed.heads(_store(app)))
    assert (
        client.patch(
            f"/_sandbox/tenants/{DEMO_TENANT}", json={"rewardWebhookUrl": hook}, headers=ADMIN
        ).status_code
        == 200
    )
    for user in ("feed-user", jwt_user):
        client.post(
            f"/_sandbox/tenants/{DEMO_TENANT}/plays",
            json={"userId": user, "campaignId": "demo-wheel", "count": 1},
            headers=ADMIN,
        )
    client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/trigger",
        json={"kind": "reward", "userId": "feed-user"},
        headers=ADMIN,
    )
    with app.test_request_context():
        masker = runtime().masker()
    store = _store(app)
    items, _c, _m = feed.read(store, cursor, Filters(), feed.KINDS, masker)
    backfilled, _c = feed.backfill(store, 50, Filters(), feed.KINDS, masker)
    for shown in (items, backfilled):
        kinds = {i["kind"] for i in shown}
        assert {"draw", "attempt"} <= kinds
        text = json.dumps(shown)
        for secret in ("pw-not-shown", "tok-not-shown", "c2lnbmF0dXJlLW5vdC1zaG93bg"):
            assert secret not in text
        attempt = next(i for i in shown if i["kind"] == "attempt")
        assert attempt["url"].startswith("https://") and "plain=kept" in attempt["url"]


def test_curl_corrected_curl_and_replay_of_the_exact_bytes(app, client):
    body = (
        b'{"event_id":"r1","event_name":"appOpen","user_id":"u","timestamp":'
        b'"2026-12-02T10:00:00Z","event_properties":{"n":123456789012345678901234567890}}'
    )
    refused = client.post(
        "/server/v4",
        data=body,
        headers={"Content-Type": "application/json", "api-key": f" {DEMO_KEY} "},
    )
    assert refused.status_code == 401
    rid = refused.headers["X-Sandbox-Request-Id"]
    shown = client.get(f"/_sandbox/journal/{rid}/curl", headers=ADMIN).get_json()
    assert DEMO_KEY not in shown["curl"]  # masked unless asked
    clear = client.get(f"/_sandbox/journal/{rid}/curl?reveal=true", headers=ADMIN).get_json()
    assert "x-api-key: " + DEMO_KEY in clear["corrected"] and "renamed" in clear["fix"]
    import hashlib

    assert clear["bodySha256"] == hashlib.sha256(body).hexdigest()
    assert clear["bodySize"] == len(body)
    # The corrected request answers 200: send what the corrected cURL says.
    fixed = client.post(
        "/server/v4", data=body, headers={"Content-Type": "application/json", "x-api-key": DEMO_KEY}
    )
    assert fixed.status_code == 200
    replayed = client.post(f"/_sandbox/journal/{rid}/replay", headers=ADMIN).get_json()
    assert replayed["status"] == 401 and replayed["replayOf"] == rid
    new = client.get(f"/_sandbox/journal/{replayed['requestId']}", headers=ADMIN).get_json()
    assert new["headers"]["X-Sandbox-Replay-Of"] == rid
    raw = _store(app).journal_one(
        "SELECT body FROM journal WHERE request_id = ?", (replayed["requestId"],)
    )["body"]
    assert bytes(raw) == body  # byte for byte, the 30-digit number as sent


def test_a_bearer_failure_is_corrected_with_a_fresh_token(client):
    register(client, "expired-user")
    bad = client.get("/reward/v1.1/user", headers={"Authorization": "eyJhbGciOi.broken"})
    rid = bad.headers["X-Sandbox-Request-Id"]
    assert bad.status_code == 401
    answer = client.get(f"/_sandbox/journal/{rid}/curl?reveal=true", headers=ADMIN).get_json()
    assert answer["corrected"] is None  # no user to give a token to: the hint says what to do
    token, _ = register(client, "fresh-user")
    quoted = client.get("/reward/v1.1/user", headers={"Authorization": f'Bearer "{token}"'})
    rid = quoted.headers["X-Sandbox-Request-Id"]
    fixed = client.get(f"/_sandbox/journal/{rid}/curl?reveal=true", headers=ADMIN).get_json()
    assert "fresh token of fresh-user" in fixed["fix"]
    sent = fixed["corrected"].split("Authorization: Bearer ")[1].split("'")[0]
    ok = client.get("/reward/v1.1/user", headers={"Authorization": f"Bearer {sent}"})
    assert ok.status_code == 200


def test_exports_parse_and_mask_credentials_unless_asked(client):
    client.post("/server/v4", json=event(event_id="x1"), headers=KEY)
    har = json.loads(client.get("/_sandbox/export?format=har", headers=ADMIN).data)
    assert har["log"]["version"] == "1.2" and har["log"]["entries"]
    headers = {
        h["name"].lower(): h["value"] for h in har["log"]["entries"][0]["request"]["headers"]
    }
    assert headers["x-api-key"] != DEMO_KEY
    clear = json.loads(client.get("/_sandbox/export?format=har&reveal=true", headers=ADMIN).data)
    headers = {
        h["name"].lower(): h["value"] for h in clear["log"]["entries"][0]["request"]["headers"]
    }
    assert headers["x-api-key"] == DEMO_KEY
    text = client.get("/_sandbox/export?format=csv", headers=ADMIN).get_data(as_text=True)
    assert text.splitlines()[0].startswith("request_id,ts,tenant_id")
    data = json.loads(client.get("/_sandbox/export?format=json", headers=ADMIN).data)
    assert data["entries"][0]["path"] == "/server/v4"


def test_did_you_receive_it_answers_yes_or_no_with_the_record(client):
    client.post("/server/v4", json=event(event_id="got-1", user_id="buyer"), headers=KEY)
    yes = client.get("/_sandbox/received?event_id=got-1", headers=ADMIN).get_json()
    assert yes["received"] is True and yes["events"][0]["userId"] == "buyer"
    assert yes["events"][0]["case"] == "received" and yes["events"][0]["valid"] is True
    client.post("/server/v4", json=event(event_id="lost-1"), headers={"x-api-key": "typo"})
    no = client.get("/_sandbox/received?event_id=lost-1", headers=ADMIN).get_json()
    assert no["received"] is False and "refused" in no["answer"]
    refusal = no["events"][0]["refused"][0]
    assert no["events"][0]["case"] == "refused" and refusal["reason"] == "writekey_unknown"
    assert refusal["journal"].endswith(refusal["requestId"]) and refusal["hint"]
    anything = client.get("/_sandbox/received", headers=ADMIN).get_json()
    assert anything["received"] is True  # no filter: did anything arrive at all?


def test_the_timeline_follows_an_event_to_its_draw_reward_and_delivery(client):
    register(client, "spinner")
    sent = client.post(
        "/server/v4",
        json=event(event_id="spin-1", event_name="appOpen", user_id="spinner"),
        headers=KEY,
    )
    listed = client.get(
        "/reward/v1.1/user", headers={"Authorization": "Bearer " + register(client, "spinner")[0]}
    ).get_json()
    url = next(c["url"] for c in listed["campaigns"] if c["campaignId"] == "demo-wheel")
    client.post(url.split("sandbox.test", 1)[1], headers={"Accept": "application/json"})
    rid = sent.headers["X-Sandbox-Request-Id"]
    steps = client.get(f"/_sandbox/journal/{rid}/timeline", headers=ADMIN).get_json()["steps"]
    names = [s["step"] for s in steps]
    assert names[:2] == ["request", "event"] and "rule" in names
    for step in ("grant", "draw", "reward", "delivery", "nudge"):
        assert step in names, names  # the nudges the event and the reward caused, too


def test_the_timeline_shows_an_attempts_url_masked(client):
    hook = "https://alice:pw-not-shown@127.0.0.1:9/in?token=tok-not-shown"
    client.patch(f"/_sandbox/tenants/{DEMO_TENANT}", json={"rewardWebhookUrl": hook}, headers=ADMIN)
    bearer = register(client, "spinner")[0]
    sent = client.post(
        "/server/v4",
        json=event(event_id="spin-2", event_name="appOpen", user_id="spinner"),
        headers=KEY,
    )
    listed = client.get("/reward/v1.1/user", headers={"Authorization": "Bearer " + bearer})
    url = next(c["url"] for c in listed.get_json()["campaigns"] if c["campaignId"] == "demo-wheel")
    client.post(url.split("sandbox.test", 1)[1], headers={"Accept": "application/json"})
    client.post("/_sandbox/clock/advance", json={"seconds": 1}, headers=ADMIN)  # the first try
    rid = sent.headers["X-Sandbox-Request-Id"]
    steps = client.get(f"/_sandbox/journal/{rid}/timeline", headers=ADMIN).get_json()["steps"]
    tried = [s for s in steps if s["step"] == "attempt"]
    assert tried and all(s["url"].startswith("https://") for s in tried)
    assert "not-shown" not in json.dumps(steps)


def test_a_viewer_sees_only_its_tenant_everywhere(app, client):
    other = other_tenant(app)
    client.post("/server/v4", json=event(event_id="mine"), headers=KEY)
    theirs = client.post(
        "/server/v4", json=event(event_id="theirs"), headers={"x-api-key": other["write_key"]}
    )
    their_id = theirs.headers["X-Sandbox-Request-Id"]
    viewer = viewer_headers(app)
    found = client.get("/_sandbox/journal", headers=viewer).get_json()["entries"]
    assert found and all(e["tenant_id"] == DEMO_TENANT for e in found)
    # Another tenant's id, name or key answers as an unknown one does: no oracle.
    unknown = client.get("/_sandbox/journal?tenant=nobody-at-all", headers=viewer)
    for ref in (other["id"], other["name"], other["write_key"]):
        asked = client.get(f"/_sandbox/journal?tenant={ref}", headers=viewer)
        assert asked.status_code == unknown.status_code == 404, ref
        assert asked.get_json()["reason"] == unknown.get_json()["reason"]
    for path in (
        f"/_sandbox/journal/{their_id}",
        f"/_sandbox/journal/{their_id}/curl",
        f"/_sandbox/journal/{their_id}/timeline",
        f"/_sandbox/tenants/{other['id']}",
    ):
        assert client.get(path, headers=viewer).status_code == 404, path
    assert client.post(f"/_sandbox/journal/{their_id}/replay", headers=viewer).status_code == 404
    har = json.loads(client.get("/_sandbox/export?format=har", headers=viewer).data)
    assert har["log"]["entries"] and all(e["_requestId"] != their_id for e in har["log"]["entries"])
    assert client.get("/_sandbox/export?reveal=true", headers=viewer).status_code == 403
    assert [
        t["id"] for t in client.get("/_sandbox/tenants", headers=viewer).get_json()["tenants"]
    ] == [DEMO_TENANT]
    # A viewer changes no setting.
    for method, path in (
        ("POST", "/_sandbox/clock/advance"),
        ("PATCH", f"/_sandbox/tenants/{DEMO_TENANT}"),
        ("POST", f"/_sandbox/tenants/{DEMO_TENANT}/campaigns/import"),
    ):
        resp = client.open(path, method=method, headers=viewer, json={})
        assert resp.status_code == 403 and resp.get_json()["reason"] == "viewer_not_allowed"
    assert (
        client.get("/_sandbox/journal", headers={"X-Sandbox-Admin-Token": "vwr_x.y"}).status_code
        == 401
    )


def test_the_page_trades_its_token_for_a_cookie_and_guards_changes(client):
    # A navigation the user made (Sec-Fetch-Site: none) trades the token for a session.
    opened = client.get(
        "/_sandbox/inspector?token=test-admin-token", headers={"Sec-Fetch-Site": "none"}
    )
    assert opened.status_code == 303 and opened.headers["Location"] == "/_sandbox/inspector"
    cookie = opened.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "test-admin-token" not in cookie and "cglu_inspector=ses_" in cookie
    page = client.get("/_sandbox/inspector")
    assert (
        page.status_code == 200
        and "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    )
    csrf = page.get_data(as_text=True).split('data-csrf="')[1].split('"')[0]
    assert client.get("/_sandbox/journal").status_code == 200  # the cookie reads
    forged = client.post("/_sandbox/clock/advance", json={"seconds": 1})
    assert forged.status_code == 403 and forged.get_json()["reason"] == "csrf_token_missing"
    ok = client.post("/_sandbox/clock/advance", json={"seconds": 1}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert client.get("/_sandbox/", headers={"Accept": "text/html"}).status_code == 303


def test_tail_prints_a_line_per_entry_and_resumes_from_its_cursor(app, client, runner):
    client.post("/server/v4", json=event(event_id="tail-1", user_id="tailer"), headers=KEY)
    client.post("/server/v4", json=event(event_id="tail-2"), headers={"x-api-key": "wrong"})
    out = runner.invoke(args=["tail", "--once", "--kind", "request"])
    assert out.exit_code == 0, out.output
    lines = [line for line in out.output.splitlines() if "/server/v4" in line]
    assert len(lines) == 2 and "user=tailer" in lines[0] and "writekey_unknown" in lines[1]
    cursor = out.output.split("--cursor ")[1].split()[0]
    client.post("/server/v4", json=event(event_id="tail-3"), headers=KEY)
    more = runner.invoke(args=["tail", "--once", "--json", "--cursor", cursor])
    found = [json.loads(line) for line in more.output.splitlines() if line.startswith("{")]
    assert [f["event"] for f in found] == ["tail-3"]
    bad = runner.invoke(args=["tail", "--once", "--cursor", "nope"])
    assert bad.exit_code != 0 and "feed cursor" in bad.output
