"""Internals: what one commit takes from the writer's intake, and when it lingers for more."""

from sandbox.store import CoreWrite, intake
from sandbox.store.intake import STOP, Intake, Item


def _items(n: int) -> list[Item]:
    return [Item(CoreWrite(lambda conn: None)) for _ in range(n)]


def test_a_lone_client_never_waits(monkeypatch):
    slept = []
    monkeypatch.setattr(intake, "os_sleep", slept.append)
    box = Intake(max_batch=256)
    for item in _items(3):  # one at a time, as a client that waits for each answer
        batch, stop = box.batch(item, linger=True)
        assert (len(batch), stop) == (1, False)
    assert slept == []


def test_after_a_busy_batch_it_takes_what_keeps_arriving_and_stops_when_nothing_does(
    monkeypatch,
):
    box = Intake(max_batch=256)
    arriving = [_items(3), _items(2), []]  # what the requests submit during each wait
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        for item in arriving.pop(0):
            box.put(item)

    monkeypatch.setattr(intake, "os_sleep", sleep)
    first, second = _items(2)
    box.put(second)
    batch, _ = box.batch(first, linger=True)  # a batch of two: busy from now on
    assert len(batch) == 2 and slept == []
    batch, stop = box.batch(_items(1)[0], linger=True)
    assert (len(batch), stop) == (6, False)
    assert len(slept) == 3  # three waits: two brought writes, the third none


def test_it_waits_at_most_its_bound_and_hands_on_a_stop(monkeypatch):
    box = Intake(max_batch=10_000)
    box._last = 2
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        box.put(_items(1)[0])  # a write arrives in every wait

    monkeypatch.setattr(intake, "os_sleep", sleep)
    batch, stop = box.batch(_items(1)[0], linger=True)
    assert not stop and sum(slept) <= intake.LINGER_MOST + 1e-9
    assert len(batch) == 1 + len(slept)

    def stop_meanwhile(seconds):
        box.put(STOP)

    monkeypatch.setattr(intake, "os_sleep", stop_meanwhile)
    batch, stop = box.batch(_items(1)[0], linger=True)
    assert stop and len(batch) == 1
