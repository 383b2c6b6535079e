"""The clock on the admin surface: read it; move the virtual one through what falls due."""

import json
import math
import time

from flask import request

from ..clock import MAX_ADVANCE_SECONDS, MAX_OFFSET_SECONDS
from ..errors import ApiError
from ..http.current import runtime
from ..openapi.declare import declare_admin
from ..outgoing import advance
from . import bp, viewer_allowed
from .common import engine


@bp.get("/clock")
@viewer_allowed
@declare_admin("The clock", "Clock", errors=(401,))
def clock_state():
    """Show the clock: real, or virtual with its offset."""
    return runtime().clock.describe()


@bp.post("/clock/advance")
@declare_admin(
    "Move the virtual clock forward (test mode)",
    "Clock",
    errors=(400, 401, 409),
    body="ClockAdvance",
    example={"seconds": 60},
    expect=(200, 409),
)
def clock_advance():
    """Move the virtual clock forward (test mode only): {"seconds": N}."""
    clock = _virtual()
    seconds = _seconds()
    ahead = clock.time() - time.time() + seconds
    if ahead > MAX_OFFSET_SECONDS:  # checked first: the move below goes in steps
        raise ApiError(
            400,
            f"the clock would run {ahead:.0f} s ahead of real time; "
            f"at most {MAX_OFFSET_SECONDS:.0f} (100 years)",
            "bad_seconds",
            limits=_CLOCK_LIMITS,
        )

    try:
        # Stops at every retry and end-of-day run on the way, each at its own time, and
        # returns once everything that became due was attempted (the request path adopted
        # the shared clock state first).
        ran = advance.advance(engine(), seconds, runtime().save_clock)
    except ValueError as exc:
        raise ApiError(400, str(exc), "bad_seconds", limits=_CLOCK_LIMITS) from exc
    return {**clock.describe(), "deliveries": ran}


@bp.post("/clock/freeze")
@declare_admin(
    "Stop the virtual clock where it stands (test mode): a replay gets the same timestamps",
    "Clock",
    errors=(401, 409),
    expect=(200, 409),
)
def clock_freeze():
    """Stop the virtual clock; advance still moves it, unfreeze lets it run from there."""
    return _set(_virtual().freeze)


@bp.post("/clock/unfreeze")
@declare_admin(
    "Let the virtual clock run again from where it stands (test mode)",
    "Clock",
    errors=(401, 409),
    expect=(200, 409),
)
def clock_unfreeze():
    """Let a frozen virtual clock run again."""
    return _set(_virtual().unfreeze)


def _virtual():
    """Return the clock if it is virtual, else refuse: the real one is not ours to change."""
    clock = runtime().clock
    if not clock.virtual:
        raise ApiError(
            409,
            "The clock is real; start with SANDBOX_TEST_MODE=1 to move it.",
            "clock_not_virtual",
        )
    return clock


def _set(change) -> dict:
    clock = runtime().clock
    with clock.moving():  # the change and its save are one step for this process
        change()
        runtime().save_clock()
    return clock.describe()


_CLOCK_LIMITS = {"maxSeconds": MAX_ADVANCE_SECONDS, "maxAheadSeconds": MAX_OFFSET_SECONDS}


def _seconds() -> float:
    """Return the step of a clock advance: a finite JSON number, or a number in ?seconds=."""
    try:
        body = json.loads(request.get_data() or b"{}")
    except (ValueError, RecursionError):
        body = None
    raw = body.get("seconds") if isinstance(body, dict) else None
    if raw is None:
        text = request.args.get("seconds", "")
        raw = text if len(text) <= 32 else None
    # true is not one second; "1e400" and NaN are not numbers of seconds.
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raw = None
    try:
        seconds = float(raw) if raw is not None else math.nan
    except (ValueError, OverflowError):
        seconds = math.nan
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_ADVANCE_SECONDS:
        raise ApiError(
            400,
            f"seconds must be a number from 0 to {MAX_ADVANCE_SECONDS:.0f} (10 years); "
            "the virtual clock only moves forward",
            "bad_seconds",
            'Send {"seconds": 3600} to move the clock one hour.',
            limits=_CLOCK_LIMITS,
        )
    return seconds
