"""`clock` commands: the sandbox's clock (virtual in test mode), and moving it forward."""

import click

from .common import answer, through_sandbox

clock_group = click.Group(
    "clock", help="The sandbox's clock: show it, move it forward, freeze it (test mode)."
)


@clock_group.command("show")
@through_sandbox
def clock_show(sb, as_json):
    """Print the sandbox's time (the virtual one in test mode)."""
    state = sb.get("/clock")
    answer(state, as_json, f"{state['now']}  ({'virtual' if state['virtual'] else 'real'})")


@clock_group.command("advance")
@click.argument("seconds", type=float)
@through_sandbox
def clock_advance(sb, seconds, as_json):
    """Move the virtual clock SECONDS forward; every retry and end-of-day run on the way runs
    at its own time before this returns."""
    state = sb.call("POST", "/clock/advance", json={"seconds": seconds}).json()
    ran = state.get("deliveries") or {}
    said = (
        f"{state['now']}  ({ran.get('attempted', 0)} attempt(s), "
        f"{len(ran.get('endOfDay') or [])} end-of-day run(s) on the way)"
    )
    answer(state, as_json, said)


def _switch(sb, as_json, verb: str, now: str) -> None:
    state = sb.call("POST", f"/clock/{verb}").json()
    answer(state, as_json, f"{state['now']}  ({now})")


@clock_group.command("freeze")
@through_sandbox
def clock_freeze(sb, as_json):
    """Stop the virtual clock where it stands (advance still moves it): replays repeat exactly."""
    _switch(sb, as_json, "freeze", "frozen")


@clock_group.command("unfreeze")
@through_sandbox
def clock_unfreeze(sb, as_json):
    """Let the virtual clock run again from where it stands."""
    _switch(sb, as_json, "unfreeze", "running")


COMMANDS = (clock_group,)
