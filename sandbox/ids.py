"""Unique ids for journal entries and stored events: cheap, ordered within a process.

A per-process random prefix plus a counter: unique across processes and restarts
without a system call per id (os.urandom per request showed up in profiles).
"""

import itertools
import os
import secrets

_state = {"pid": None, "prefix": "", "counter": itertools.count()}


def new_id(kind: str) -> str:
    """Return a fresh id such as req_3f9a1c2e0000001a (kind "req", "evt", ...)."""
    if _state["pid"] != os.getpid():  # a forked worker must not repeat its parent's ids
        _state.update(pid=os.getpid(), prefix=secrets.token_hex(5), counter=itertools.count())
    return f"{kind}_{_state['prefix']}{next(_state['counter']):010x}"
