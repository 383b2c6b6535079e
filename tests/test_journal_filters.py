"""The journal search's filters: one grammar, every bad value a 400 that names it, never a 500."""

import pytest

from tests.conftest import DEMO_KEY, DEMO_TENANT
from tests.helpers import event

KEY = {"x-api-key": DEMO_KEY}


def _search(client, admin_headers, query):
    return client.get(f"/_sandbox/journal?{query}", headers=admin_headers)


def test_an_unknown_tenant_is_a_404_and_a_blank_filter_no_filter(client, admin_headers):
    resp = _search(client, admin_headers, "tenant=No%20Such%20Partner")
    assert resp.status_code == 404 and resp.get_json()["reason"] == "tenant_not_found"
    client.post("/server/v4", json=event(), headers=KEY)
    assert _search(client, admin_headers, "q=%20%20&user=").get_json()["count"] == 1


@pytest.mark.parametrize(
    "query, reason",
    [
        ("q=%00", "bad_filter"),
        ("user=a%00b", "bad_filter"),
        ("before=99999999999999999999", "bad_cursor"),
        ("before=%C2%B2", "bad_cursor"),  # a superscript two: a digit to str.isdigit
        ("before=" + "9" * 5000, "bad_filter"),  # longer than any value may be
        ("after=99999999999999999999", "bad_cursor"),
        ("status=99999999999999999999", "bad_status"),
        ("status=%C2%B2xx", "bad_status"),
        ("status=999", "bad_status"),
        ("flag=bogus", "bad_flag"),
        ("since=nan", "bad_time"),
        ("since=1e300", "bad_time"),
        ("until=9999-99-99", "bad_time"),
        ("limit=0", "bad_limit"),
        ("limit=" + "9" * 5000, "bad_filter"),
        ("limit=%C2%B2", "bad_limit"),
        ("evnt_id=e1", "unknown_filter"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client, admin_headers, query, reason):
    resp = _search(client, admin_headers, query)
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["reason"] == reason


@pytest.mark.parametrize("ref", [DEMO_TENANT, "Demo%20Partner", DEMO_KEY])
def test_tenant_is_found_by_id_name_or_write_key(client, admin_headers, ref):
    client.post("/server/v4", json=event(), headers=KEY)
    found = _search(client, admin_headers, f"tenant={ref}").get_json()
    assert found["count"] == 1 and found["entries"][0]["tenant_id"] == DEMO_TENANT


def test_flags_and_status_classes_filter(client, admin_headers):
    client.post("/server/v4", json=event(timestamp="yesterday"), headers=KEY)
    client.post("/server/v4", json=event(), headers={"x-api-key": "nope-nope-nope-nope"})
    assert _search(client, admin_headers, "flag=invalid").get_json()["count"] == 1
    assert _search(client, admin_headers, "status=4xx").get_json()["count"] == 1
    assert _search(client, admin_headers, "status=200&flag=duplicate").get_json()["count"] == 0


def _pages(client, admin_headers, query):
    """Follow a search's next links to the end; return (request ids in order, answers)."""
    got, answers, before = [], [], ""
    while True:
        page = _search(client, admin_headers, query + before).get_json()
        answers.append(page)
        got += [e["request_id"] for e in page["entries"]]
        if page["next"] is None:
            return got, answers
        before = f"&before={page['next']['before']}"


@pytest.mark.parametrize("leading", ["", f"tenant={DEMO_TENANT}&", "q=windowed&"])
def test_a_filter_tested_entry_by_entry_walks_a_window_and_pages_on(
    app, client, admin_headers, monkeypatch, leading
):
    from sandbox.journal import window

    for n in range(13):  # the demo tenant's: a broken body every fourth request (a 400)
        sent = f'{{"event_id": "windowed-{n}"' + ("" if n % 4 == 0 else "}")
        headers = {**KEY, "Content-Type": "application/json"}
        client.post("/server/v4", data=sent, headers=headers)
    app.extensions["sandbox.store"].writer.maintain_now()  # the full-text index catches up
    query = f"{leading}status=4xx&limit=2"
    everything, _ = _pages(client, admin_headers, query)
    assert len(everything) == 4  # no window below WINDOW entries: pages of two
    monkeypatch.setattr(window, "WINDOW", 3)
    monkeypatch.setattr(window, "FIRST", 2)  # a small window first, then the large one
    windowed, answers = _pages(client, admin_headers, query)
    assert windowed == everything  # the same entries in the same order: none skipped, none twice
    cut = [a for a in answers if "window" in a]
    assert cut and all(a["count"] <= 2 for a in answers)
    assert cut[0]["window"]["entries"] == 3 and "follow next" in cut[0]["window"]["message"]
    assert cut[0]["next"] == {"before": cut[0]["window"]["reached"]}
    # A request id leads its own (unique) index: the oldest entry is found on the first page.
    oldest = everything[-1]
    found = _search(client, admin_headers, f"request_id={oldest}&status=4xx").get_json()
    assert [e["request_id"] for e in found["entries"]] == [oldest] and "window" not in found
    # A filter matching nothing answers an empty page with a way on, not a walk of it all.
    none, answers = _pages(client, admin_headers, f"{leading}status=5xx")
    assert none == [] and len(answers) > 1 and answers[0]["entries"] == []
    # An export of it stops at one window too, with the Link to the next page.
    exported = client.get(
        f"/_sandbox/export?format=json&{leading}status=5xx", headers=admin_headers
    )
    assert exported.status_code == 200 and 'rel="next"' in exported.headers["Link"]
