"""The virtual clock's internals: a move and its save are one step for the process, so a request
or the delivery loop adopting the shared state in between cannot put the clock back."""

import threading
import time

from sandbox.clock import VirtualClock
from sandbox.store import Store, migrate, settings


def test_adopting_the_shared_state_waits_for_a_move_and_its_save(tmp_path):
    migrate(tmp_path / "sandbox.db")
    store = Store(tmp_path / "sandbox.db")
    clock = VirtualClock()
    settings.save_clock(store, clock)
    start = clock.time()
    in_save = threading.Event()

    def slow_save():
        in_save.set()
        time.sleep(0.2)  # the window in which another thread adopts the stored state
        settings.save_clock(store, clock)

    def mover():
        with clock.moving():
            clock.advance(3600)
            slow_save()

    moving = threading.Thread(target=mover)
    moving.start()
    in_save.wait(5)
    settings.load_clock(store, clock)  # a request's sync, or the delivery loop's tick
    moving.join(5)
    assert clock.time() - start >= 3600, "the clock went back to the state before the move"
    settings.load_clock(store, clock)
    assert clock.time() - start >= 3600
