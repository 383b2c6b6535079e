"""Day ten, not day one: reads that stay bounded as the record grows, and the surfaces anyone can
reach hardened (the receiver's budget, chunked bodies, a zip bomb, secrets in paths, CSV
formulas, non-finite numbers, the remaining 500s, the log limiter, login CSRF, warnings)."""

import csv
import io
import json
import logging
import re
import zipfile

import pytest
import requests

from sandbox.masking import csv_cell
from sandbox.store import marks
from sandbox.store.health import FailureLog
from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import event, register

KEY = {"x-api-key": DEMO_KEY}
ADMIN = {"X-Sandbox-Admin-Token": "test-admin-token"}


def _statements(app, fn):
    """Run fn() and return every SQL statement the store's journal reader ran for it."""
    store = app.extensions["sandbox.store"]
    seen: list[str] = []
    conns = [store._conn(journal=True), store._conn(journal=False)]
    for conn in conns:
        conn.set_trace_callback(seen.append)
    try:
        fn()
    finally:
        for conn in conns:
            conn.set_trace_callback(None)
    return seen


# Tables that grow with traffic: a read of one must go by an index (SEARCH), never a SCAN.
GROWING = {"journal", "events", "reward_users", "event_repeats", "draws", "outbox", "attempts"}
GROWING |= {"nudge_log", "rewards", "users", "hook_calls", "coupons", "viewer_token_uses"}


def _scans(app, fn) -> list[tuple[str, str]]:
    """Run fn(); return (plan step, statement) of each full scan of a growing table it made."""
    conn = app.extensions["sandbox.store"]._conn(journal=True)  # sees every file's tables
    found = []
    for sql in _statements(app, fn):  # as run: the values bound in
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        for *_ids, step in conn.execute("EXPLAIN QUERY PLAN " + sql):
            scanned = re.match(r"SCAN ([\w.]+)", step)
            if scanned and scanned.group(1).rsplit(".", 1)[-1] in GROWING:
                found.append((step, sql))
    return found


def _sorts(app, fn) -> list[tuple[str, str]]:
    """Run fn(); return (plan step, statement) of each read that sorted its rows to order
    them: a sort reads every row its filter matched before the first is answered. A sort
    of a window (the newest 20,000 rows, `LIMIT 20000)`) is bounded, so it is not one."""
    conn = app.extensions["sandbox.store"]._conn(journal=True)
    found = []
    for sql in _statements(app, fn):
        if sql.lstrip().upper().startswith("SELECT") and "LIMIT 20000)" not in sql:
            plan = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
            found += [(step, sql) for *_ids, step in plan if "TEMP B-TREE FOR ORDER BY" in step]
    return found


def _webhooked_user(client, user_id: str) -> str:
    """Give the demo tenant a webhook (on a port nothing answers); register a user; its token."""
    client.patch(
        f"/_sandbox/tenants/{DEMO_TENANT}",
        json={"rewardWebhookUrl": "http://127.0.0.1:9/in"},
        headers=ADMIN,
    )
    return register(client, user_id)[0]


def test_deliveries_and_nudges_list_newest_first_without_sorting_them_all(app, client):
    bearer = _webhooked_user(client, "lister")
    for n in range(3):
        client.post(
            "/server/v4",
            json=event(event_id=f"ls-{n}", event_name="appOpen", user_id="lister"),
            headers=KEY,
        )
    listed = client.get("/reward/v1.1/user", headers={"Authorization": f"Bearer {bearer}"})
    for c in listed.get_json()["campaigns"]:
        if c["campaignId"] == "demo-wheel":
            client.post(
                c["url"].split("sandbox.test", 1)[1], headers={"Accept": "application/json"}
            )
    client.post("/_sandbox/clock/advance", json={"seconds": 1}, headers=ADMIN)
    t = DEMO_TENANT
    routes = [
        f"/_sandbox/deliveries?tenant={t}",
        f"/_sandbox/deliveries?tenant={t}&status=retrying",
        f"/_sandbox/deliveries?tenant={t}&kind=reward_webhook&user=lister",
        "/_sandbox/deliveries?status=retrying",
        "/_sandbox/deliveries",
        f"/_sandbox/nudges?tenant={t}",
        f"/_sandbox/nudges?tenant={t}&user=lister",
        f"/_sandbox/nudges?tenant={t}&state=pending",
        "/_sandbox/nudges?user=lister",
        "/_sandbox/nudges",
    ]
    answers = {}

    def read_all():
        for url in routes:
            answers[url] = client.get(url, headers=ADMIN).get_json()

    assert _sorts(app, read_all) == []
    every = answers[f"/_sandbox/deliveries?tenant={t}"]
    assert every["deliveries"] and every["total"] == len(every["deliveries"])
    assert every["totalCapped"] is False
    ids = [d["deliveryId"] for d in every["deliveries"]]
    assert ids == [d["deliveryId"] for d in answers["/_sandbox/deliveries"]["deliveries"]]
    nudges = answers[f"/_sandbox/nudges?tenant={t}"]["nudges"]
    assert nudges and answers["/_sandbox/nudges?user=lister"]["nudges"] == [
        n for n in nudges if n["userId"] == "lister"
    ]
    times = [n["createdAt"] for n in nudges]
    assert times == sorted(times, reverse=True)


def test_a_requests_timeline_reads_every_table_by_index(app, client):
    bearer = _webhooked_user(client, "spinner")
    sent = client.post(
        "/server/v4",
        json=event(event_id="tl-1", event_name="appOpen", user_id="spinner"),
        headers=KEY,
    )
    again = client.post(
        "/server/v4",
        json=event(event_id="tl-1", event_name="appOpen", user_id="spinner"),
        headers=KEY,
    )
    no_id = client.post(
        "/server/v4", json={"event_name": "appOpen", "user_id": "spinner"}, headers=KEY
    )
    listed = client.get("/reward/v1.1/user", headers={"Authorization": f"Bearer {bearer}"})
    url = next(c["url"] for c in listed.get_json()["campaigns"] if c["campaignId"] == "demo-wheel")
    client.post(url.split("sandbox.test", 1)[1], headers={"Accept": "application/json"})
    client.post("/_sandbox/clock/advance", json={"seconds": 1}, headers=ADMIN)  # the first try
    timelines = {}

    def read_all():
        for name, resp in (("sent", sent), ("again", again), ("no_id", no_id)):
            rid = resp.headers["X-Sandbox-Request-Id"]
            got = client.get(f"/_sandbox/journal/{rid}/timeline", headers=ADMIN)
            timelines[name] = [s["step"] for s in got.get_json()["steps"]]

    assert _scans(app, read_all) == []
    for step in ("event", "grant", "draw", "reward", "delivery", "attempt"):
        assert step in timelines["sent"], timelines["sent"]
    assert "event" not in timelines["again"]  # a repeat stored no event of its own
    assert "event" in timelines["no_id"]  # found by the uid its answer named
    # The entry keeps the answer as sent: the stored uid, and a repeat's naming of the first.
    entry = client.get(
        f"/_sandbox/journal/{again.headers['X-Sandbox-Request-Id']}", headers=ADMIN
    ).get_json()
    answered = entry["response_headers"]
    assert answered["X-Sandbox-Event-Uid"] == sent.headers["X-Sandbox-Event-Uid"]
    assert answered["X-Sandbox-Duplicate"].startswith("true; first=")


def test_the_checklist_reads_marks_not_the_record(app, client):
    for i in range(30):
        client.post("/server/v4", json=event(event_id=f"dt-{i}", user_id=f"u{i}"), headers=KEY)
    client.post("/server/v4", json=event(event_id="typo"), headers={"x-api-key": "nope"})
    ran = _statements(
        app, lambda: client.get(f"/_sandbox/tenants/{DEMO_TENANT}/onboarding", headers=ADMIN)
    )
    reads = [s for s in ran if s.lstrip().upper().startswith("SELECT")]
    assert reads, ran
    for sql in reads:
        # The journal is opened by one entry's unique id only (the last refusal's hint);
        # no join, no scan of events, attempts, draws or nudges.
        if " journal " in f" {sql} " or "FROM journal" in sql:
            assert "request_id = ?" in sql or "journal_marks" in sql, sql
        for table in ("FROM events", "FROM attempts", "FROM draws", "FROM nudges"):
            assert table not in sql, sql
    got = client.get(f"/_sandbox/tenants/{DEMO_TENANT}/onboarding", headers=ADMIN).get_json()
    items = {i["id"]: i for s in got["steps"] for i in s["items"]}
    assert items["valid_event"]["done"] and items["valid_event"]["evidence"].startswith(
        "/_sandbox/journal/req_"
    )


def test_marks_rebuilt_from_the_record_equal_the_ones_kept_live(app, client):
    token, _ = register(client, "marker")
    client.get("/reward/v1.1/user", headers={"Authorization": f"Bearer {token}"})
    client.post("/server/v4", json=event(event_id="m-1", event_name="appOpen"), headers=KEY)
    client.post("/server/v4", json={"user_id": "x"}, headers=KEY)  # invalid: no mark
    client.post("/server/v4", json=event(event_id="m-2"), headers={"x-api-key": "bad"})
    store = app.extensions["sandbox.store"]
    live = store.marks(DEMO_TENANT)
    assert {"request", "event:valid", "ok:user.register", "ok:campaigns.load_campaigns"} <= set(
        live
    )
    assert live["event:valid"]["count"] == 1
    store.close()
    from sandbox.store import connect
    from sandbox.store.shards import shard_paths

    for path in shard_paths(app.config["DATA_DIR"]):
        conn = connect(path)
        conn.execute("BEGIN")
        marks.rebuild_journal_marks(conn)
        conn.execute("COMMIT")
        conn.close()
    rebuilt = store.marks(DEMO_TENANT)
    for key in live:
        assert rebuilt[key]["count"] == live[key]["count"], key
        assert rebuilt[key]["first"] == live[key]["first"], key


def test_the_receiver_keeps_a_byte_budget_and_refuses_big_bodies(make_app):
    app = make_app(HOOK_KEPT_BYTES=20_000, HOOKS_KEPT_BYTES=50_000, HOOK_BODY_MAX_BYTES=8_000)
    client = app.test_client()
    body = "x" * 5_000
    for name in ("a", "b", "c"):
        for _ in range(10):
            assert client.post(f"/_sandbox/hooks/{name}", data=body).status_code == 200
    store = app.extensions["sandbox.store"]
    per_name = store.all("SELECT name, sum(size) AS kept FROM hook_calls GROUP BY name")
    assert all(r["kept"] <= 20_000 for r in per_name), per_name
    total = store.one("SELECT sum(size) AS n FROM hook_calls")["n"]
    assert total <= 50_000
    # the newest calls stay, the oldest went
    shown = client.get("/_sandbox/hooks/c", headers=ADMIN).get_json()
    assert shown["served"] == 10 and shown["calls"][0]["id"] > shown["calls"][-1]["id"]
    big = client.post("/_sandbox/hooks/a", data="y" * 9_000)
    assert big.status_code == 413 and big.get_json()["reason"] == "body_too_large"


def test_the_receiver_is_rate_limited_per_client(make_app):
    app = make_app(HOOKS_RATE=5)
    client = app.test_client()
    answers = [client.post("/_sandbox/hooks/flood", data="{}").status_code for _ in range(30)]
    assert answers.count(200) >= 5 and answers[-1] == 429
    limited = client.post("/_sandbox/hooks/flood", data="{}")
    assert limited.get_json()["reason"] == "rate_limited" and int(limited.headers["Retry-After"])


def _chunks(data: bytes, size: int = 65536):
    for i in range(0, len(data), size):
        yield data[i : i + size]


@pytest.mark.xdist_group("live_server")
def test_chunked_bodies_past_the_limit_are_413_and_nothing_is_imported(live_server):
    admin_token = (live_server.data_dir / "admin_token").read_text().strip()
    base, headers = live_server.url, {"X-Sandbox-Admin-Token": admin_token}
    rows = "".join(f"big-{i},scratchcard,v{i},coupons,,50\n" for i in range(120_000)).encode()
    sheet = b"Campaign ID,Campaign Type,Reward Variant,Reward Type,Coupon Codes,"
    sheet += b"Winning chance Percentage\n"
    sheet += rows
    assert len(sheet) > 4 * 1024 * 1024
    url = f"{base}/_sandbox/tenants/{DEMO_TENANT}/campaigns/import"
    sent = requests.post(
        url, data=_chunks(sheet), headers={**headers, "Content-Type": "text/csv"}, timeout=30
    )
    assert sent.status_code == 413 and sent.json()["reason"] == "body_too_large", sent.text
    listed = requests.get(
        f"{base}/_sandbox/tenants/{DEMO_TENANT}/campaigns", headers=headers, timeout=10
    ).json()
    assert not any(c["campaignId"].startswith("big-") for c in listed["campaigns"])
    flood = requests.post(
        f"{base}/_sandbox/hooks/flood", data=_chunks(b"z" * (5 * 1024 * 1024)), timeout=30
    )
    assert flood.status_code == 413
    small = requests.post(f"{base}/_sandbox/hooks/flood", data=_chunks(b"{}"), timeout=10)
    assert small.status_code == 200


def _bomb() -> bytes:
    from openpyxl import Workbook

    book, out = Workbook(), io.BytesIO()
    book.active.append(["Campaign ID", "Campaign Type"])
    book.save(out)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * 80_000_000)
            dst.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return bomb.getvalue()


def test_an_xlsx_bomb_is_refused_before_it_is_parsed(client):
    bomb = _bomb()
    assert len(bomb) < 4 * 1024 * 1024
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/campaigns/import",
        data=bomb,
        headers={**ADMIN, "Content-Type": xlsx},
    )
    assert resp.status_code == 422, resp.get_json()
    assert "unpacks" in json.dumps(resp.get_json())


def test_secrets_in_a_path_are_masked_in_curl_har_and_csv(client):
    listed = client.get(f"/entrypoints/v2/list/{DEMO_KEY}")
    rid = listed.headers["X-Sandbox-Request-Id"]
    curl = client.get(f"/_sandbox/journal/{rid}/curl", headers=ADMIN).get_json()
    assert DEMO_KEY not in json.dumps(curl)
    for fmt in ("har", "csv", "json"):
        exported = client.get(f"/_sandbox/export?format={fmt}", headers=ADMIN)
        assert exported.status_code == 200 and DEMO_KEY.encode() not in exported.data, fmt
    revealed = client.get(f"/_sandbox/journal/{rid}/curl?reveal=true", headers=ADMIN)
    assert DEMO_KEY in json.dumps(revealed.get_json())  # the admin may ask for it


def test_csv_exports_never_hold_a_formula(client):
    formula = "=cmd|' /C calc'!A0"
    client.post("/server/v4", json=event(event_id="+SUM(1)", user_id=formula), headers=KEY)
    exported = client.get("/_sandbox/export?format=csv", headers=ADMIN).get_data(as_text=True)
    for row in csv.DictReader(io.StringIO(exported)):
        for value in row.values():
            assert not (value or "").startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert "'=cmd" in exported and "'+SUM(1)" in exported
    assert csv_cell("@x") == "'@x" and csv_cell(5) == 5 and csv_cell("ok") == "ok"


def test_non_finite_numbers_are_flagged_and_meet_no_condition(client):
    body = (
        '{"event_id": "nan-1", "event_name": "completePurchase", "user_id": "nanny", '
        '"timestamp": "2026-11-27T10:00:00Z", "event_properties": {"amount": 1e999, "x": NaN}}'
    )
    resp = client.post("/server/v4", data=body, headers={**KEY, "Content-Type": "application/json"})
    assert resp.status_code == 200 and resp.headers["X-Sandbox-Event-Valid"] == "false"
    assert "not a finite number" in resp.headers["X-Sandbox-Event-Problems"]
    assert "play granted" not in resp.headers.get("X-Sandbox-Rewards", "")
    rid = resp.headers["X-Sandbox-Request-Id"]
    entry = client.get(f"/_sandbox/journal/{rid}", headers=ADMIN)
    exported = client.get("/_sandbox/export?format=json", headers=ADMIN)

    def strict(text):
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))

    strict(entry.get_data(as_text=True))
    strict(exported.get_data(as_text=True))


def test_the_remaining_500s_are_4xx_or_answers(client):
    tenant = f"/_sandbox/tenants/{DEMO_TENANT}"
    long_zone = client.patch(tenant, json={"timezone": "A" * 300}, headers=ADMIN)
    assert long_zone.status_code == 400 and "IANA" in long_zone.get_json()["message"]
    key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nΩ≈ç√\n-----END PGP PUBLIC KEY BLOCK-----"
    non_latin = client.patch(tenant, json={"gpgPublicKey": key}, headers=ADMIN)
    assert non_latin.status_code == 400 and "gpgPublicKey" in non_latin.get_json()["message"]
    token, _ = register(client, "pager")
    page = client.post(
        "/reward/v2/user/reward",
        json={"page": 2**62},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert page.status_code == 200 and page.get_json()["data"]["page"] == 1


def test_a_nudge_with_a_click_action_and_button_text_opens(client):
    sheet = (
        "Nudge ID,Trigger,Trigger Event,Channel,Title,Body,Click Action,Button Text\n"
        "btn,event,appOpen,inapp,Hello,Tap it,https://example.com/x,Go now\n"
    )
    imported = client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/nudges/import",
        data=sheet,
        headers={**ADMIN, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.get_json()
    token, _ = register(client, "tapper")
    client.post(
        "/server/v4",
        json=event(event_id="tap-1", event_name="appOpen", user_id="tapper"),
        headers=KEY,
    )
    sent = client.get("/_sandbox/nudges?user=tapper", headers=ADMIN).get_json()["nudges"]
    ours = next(n for n in sent if n["definitionId"] == "btn")
    page = client.get(f"/fragment-map/?fragmentMapId={ours['nudgeId']}&token={token}")
    assert page.status_code == 200 and "Go now" in page.get_data(as_text=True)


def test_a_nudge_link_carries_a_page_token_never_the_write_key(app, client):
    sheet = "Nudge ID,Trigger,Trigger Event,Channel,Title,Body\nlink,event,appOpen,inapp,Hi,Open\n"
    client.post(
        f"/_sandbox/tenants/{DEMO_TENANT}/nudges/import",
        data=sheet,
        headers={**ADMIN, "Content-Type": "text/csv"},
    )
    register(client, "linked")
    client.post(
        "/server/v4",
        json=event(event_id="lk-1", event_name="appOpen", user_id="linked"),
        headers=KEY,
    )
    store = app.extensions["sandbox.store"]
    frames = store.all("SELECT payload FROM nudges WHERE user_id = 'linked'")
    assert frames
    for frame in frames:
        assert DEMO_KEY not in frame["payload"] and "token=" in frame["payload"]
    link = json.loads(frames[0]["payload"])["clickAction"]
    opened = client.get(link.replace("http://sandbox.test", ""))
    assert opened.status_code == 200, opened.get_data(as_text=True)[:300]


def test_repeated_failures_log_one_line_per_kind_per_interval(caplog):
    failures = FailureLog(logging.getLogger("test.failures"))
    with caplog.at_level(logging.ERROR, logger="test.failures"):
        for _ in range(5_000):
            failures.failed("could not record POST events.server_event", OSError("disk full"))
        for _ in range(100):
            failures.failed("could not record POST events.server_event", ValueError("bad"))
    assert len(caplog.records) == 2  # one traceback per kind; the counts follow a minute on


def test_a_link_from_another_site_asks_before_it_signs_the_browser_in(client):
    crossed = client.get(
        "/_sandbox/inspector?token=test-admin-token", headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert crossed.status_code == 200 and "Set-Cookie" not in crossed.headers
    assert "Open the inspector?" in crossed.get_data(as_text=True)
    forged = client.post(
        "/_sandbox/inspector/session",
        data={"token": "test-admin-token"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert forged.status_code == 403 and forged.get_json()["reason"] == "cross_site_login"
    confirmed = client.post(
        "/_sandbox/inspector/session",
        data={"token": "test-admin-token"},
        headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
    )
    assert confirmed.status_code == 303
    assert "cglu_inspector=ses_" in confirmed.headers["Set-Cookie"]
    assert client.get("/_sandbox/journal").status_code == 200  # the session reads
    wrong = client.post("/_sandbox/inspector/session", data={"token": "nope"})
    assert wrong.status_code == 401


def test_a_delivery_url_into_the_sandboxs_network_is_warned_about(client):
    url = "http://admin:hunter2@127.0.0.1:9/hook?api_key=sekrit&x=1"
    patched = client.patch(
        f"/_sandbox/tenants/{DEMO_TENANT}", json={"rewardWebhookUrl": url}, headers=ADMIN
    )
    assert patched.status_code == 200
    warnings = patched.get_json()["warnings"]
    assert warnings and "loopback" in warnings[0]
    shown = json.dumps(client.get(f"/_sandbox/tenants/{DEMO_TENANT}", headers=ADMIN).get_json())
    assert "hunter2" not in shown and "sekrit" not in shown and "127.0.0.1:9/hook" in shown


def test_an_export_is_a_page_with_a_link_to_the_next(client):
    for i in range(5):
        client.post("/server/v4", json=event(event_id=f"pg-{i}"), headers=KEY)
    first = client.get("/_sandbox/export?format=json&limit=2", headers=ADMIN)
    shown = [e["event_id"] for e in first.get_json()["entries"]]
    assert shown == ["pg-4", "pg-3"]
    link = first.headers["Link"]
    assert link.endswith('>; rel="next"') and "before=" in link and "limit=2" in link
    url = link[1 : link.index(">")].replace("http://localhost", "")
    second = client.get(url, headers=ADMIN).get_json()
    assert [e["event_id"] for e in second["entries"]] == ["pg-2", "pg-1"]
    bad = client.get("/_sandbox/export?limit=5001", headers=ADMIN)
    assert bad.status_code == 400 and bad.get_json()["reason"] == "bad_limit"


def test_an_export_page_past_500_skips_nothing_to_the_next(client):
    for i in range(503):
        client.post("/server/v4", json=event(event_id=f"pp-{i:03d}"), headers=KEY)
    first = client.get("/_sandbox/export?format=csv&limit=501", headers=ADMIN)
    assert first.get_data(as_text=True).count("pp-") == 501
    link = first.headers["Link"]
    url = link[1 : link.index(">")].replace("http://localhost", "")
    rest = client.get(url, headers=ADMIN).get_data(as_text=True)
    assert rest.count("pp-") == 2 and "pp-000" in rest and "pp-001" in rest
