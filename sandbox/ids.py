"""Unique ids for journal entries and stored events: cheap, ordered within a process.

A per-process random prefix plus a counter: unique across processes and restarts
without a system call per id (os.urandom, then os.getpid, per request showed up in
profiles); a fork draws a fresh prefix in the child.
"""

import itertools
import os
import secrets

_state: dict = {}


def _fresh() -> None:
    _state.update(prefix=secrets.token_hex(5), counter=itertools.count())


_fresh()
if hasattr(os, "register_at_fork"):  # a forked worker must not repeat its parent's ids
    os.register_at_fork(after_in_child=_fresh)


def new_id(kind: str) -> str:
    """Return a fresh id such as req_3f9a1c2e0000001a (kind "req", "evt", ...)."""
    return f"{kind}_{_state['prefix']}{next(_state['counter']):010x}"
