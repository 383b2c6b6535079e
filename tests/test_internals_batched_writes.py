"""A batch of events and their grants, run class by class (store/writes.run_all), leaves what
running them one after the other leaves: the same rows, marks and answers, in order."""

from sandbox.domain import events
from sandbox.domain.rewards import rules
from sandbox.store.writes import Bundle
from tests.conftest import DEMO_TENANT

NOW = "2026-12-07T10:00:00Z"


def _writes() -> list:
    """Events and grants as a batch of ingests would hold them (a repeated event id, a
    stable grant id granted twice), with fixed ids so that two runs can be compared."""
    out = []
    for n, event_id in enumerate(["e1", "e2", "e1", "e3"]):
        body = {"event_id": event_id, "event_name": "completePurchase", "user_id": f"u{n}"}
        row = events.row_for(DEMO_TENANT, body, "server", [], f"req_{n}", NOW, f"evt_{n}")
        grant_id = "ru_stable" if n in (1, 3) else f"ru_{n}"
        out.append(events.store_event(row))
        out.append(rules.grant(DEMO_TENANT, "c1", f"u{n}", f"evt_{n}", NOW, f"req_{n}", grant_id))
    return out


def _state(store) -> dict:
    return {
        "events": store.journal_all(
            "SELECT uid, event_id, duplicates FROM events ORDER BY uid", ()
        ),
        "grants": store.journal_all(
            "SELECT reward_user_id, user_id, event_uid FROM reward_users ORDER BY 1", ()
        ),
        "marks": store.journal_all(
            "SELECT tenant_id, key, first_ref, last_ref, count FROM journal_marks "
            "WHERE key IN ('grant', 'event:valid') ORDER BY key",
            (),
        ),
    }


def test_a_batch_run_by_class_leaves_what_one_by_one_leaves(make_app, tmp_path):
    batched = make_app(DATA_DIR=str(tmp_path / "batched")).extensions["sandbox.store"]
    answers = batched.write(Bundle(_writes()))
    alone = make_app(DATA_DIR=str(tmp_path / "alone")).extensions["sandbox.store"]
    one_by_one = [alone.write(Bundle([w]))[0] for w in _writes()]

    assert answers == one_by_one
    # In order: each event's answer (the third names the first e1), each grant's None.
    assert answers[1::2] == [None] * 4
    assert [a["headers"]["X-Sandbox-Event-Uid"] for a in answers[0::2]] == [
        "evt_0",
        "evt_1",
        "evt_0",
        "evt_3",
    ]
    assert "duplicate" in answers[4]["flags"]
    assert _state(batched) == _state(alone)
    grants = _state(batched)["marks"][1]
    assert (grants["key"], grants["count"], grants["first_ref"], grants["last_ref"]) == (
        "grant",
        4,
        "req_0",
        "req_3",
    )
