"""Moving the virtual clock through deliveries: every retry and end-of-day run on the way is
done at its own time, and the move returns only once everything due has been attempted."""

from . import endofday

MAX_STEPS = 100_000


def advance(engine, seconds: float, save) -> dict:
    """Advance the virtual clock by `seconds`, stopping at each due time; return what ran.

    `save()` shares the clock with the other processes after each step.
    """
    clock, store = engine.clock, engine.store
    left = seconds  # what the clock still moves: the steps add up to exactly `seconds`
    attempted, runs = engine.drain(), endofday.run_due(engine)
    for _ in range(MAX_STEPS):
        now = clock.time()
        times = [engine.next_due(), endofday.next_any(store, now)]
        due = [t for t in times if t is not None and t <= now + left]
        if not due:
            break
        step = min(left, max(0.0, min(due) - now))
        if step == 0.0 and attempted == 0 and not runs:
            break  # due but leased by another process: it is sending them
        clock.advance(step)
        left -= step
        save()
        sent, ran = engine.drain(), endofday.run_due(engine)
        attempted, runs = attempted + sent, runs + ran
        if step == 0.0 and not sent and not ran:
            break
    clock.advance(left)
    save()
    attempted += engine.drain()
    runs += endofday.run_due(engine)
    return {"attempted": attempted, "endOfDay": runs}
