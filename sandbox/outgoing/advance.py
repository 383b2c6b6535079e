"""Moving the virtual clock through deliveries: every retry and end-of-day run on the way is
done at its own time, and the move returns only once everything due has been attempted."""

import time

from . import endofday

MAX_STEPS = 100_000
# How long a move waits for requests another process has claimed (a lease is at most the
# tenant's timeouts plus a margin, so this is a guard, not a schedule).
SETTLE_SECONDS = 120.0


def settle(engine) -> tuple[int, list]:
    """Attempt what is due now here, and wait for what another process claimed; return
    (attempts made here, end-of-day runs done here)."""
    attempted, runs = 0, []
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        attempted += engine.drain()
        runs += endofday.run_due(engine)
        if not engine.due_now() and not endofday.running(engine.store):
            return attempted, runs
        if time.monotonic() > deadline:
            return attempted, runs
        time.sleep(0.02)  # claimed by another process (the delivery loop): it sends them


def advance(engine, seconds: float, save) -> dict:
    """Advance the virtual clock by `seconds`, stopping at each due time; return what ran.

    `save()` shares the clock with the other processes after each step.
    """
    clock, store = engine.clock, engine.store
    since = clock.isoformat()
    left = seconds  # what the clock still moves: the steps add up to exactly `seconds`
    attempted, runs = settle(engine)
    for _ in range(MAX_STEPS):
        now = clock.time()
        times = [engine.next_due(), endofday.next_any(store, now)]
        due = [t for t in times if t is not None and t <= now + left]
        if not due:
            break
        step = min(left, max(0.0, min(due) - now))
        with clock.moving():
            clock.advance(step)
            save()
        left -= step
        sent, ran = settle(engine)
        attempted, runs = attempted + sent, runs + ran
        if step == 0.0 and not sent and not ran:
            break
    with clock.moving():
        clock.advance(left)
        save()
    sent, _ran = settle(engine)
    # Every run of the move, whichever process did it (the delivery loop may have).
    return {"attempted": attempted + sent, "endOfDay": endofday.runs_since(store, since)}
