"""Real OS threads, locks and queues for the store, whatever server model runs it.

Under gunicorn's gevent worker, `threading` and `queue` are monkey-patched into
greenlets: a writer "thread" would then run its commits on the event loop and stall
every connection while SQLite works. The store's writer and checkpoint threads take
their primitives from here, which hands out the originals (docs/architecture.md,
"The process model"). The waits requests do on a commit stay on the patched `threading`
lock, which a real thread can release (gevent >= 20.12 wakes the waiting greenlet).
"""

import contextlib
import ctypes
import importlib
import os
import sys
import threading

_PR_SET_NAME = 15  # linux/prctl.h
# The running process's own symbols, libc's prctl among them (Linux only).
_LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None


# How many forks led to this process: a handle made under another count belongs to an
# ancestor (a gunicorn worker inherits its master's). Counted at fork, so the hot paths
# compare a number instead of asking the OS for the pid on every request.
_forks = [0]


def _forked() -> None:
    _forks[0] += 1


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_forked)


def fork_count() -> int:
    """Return how many forks led to this process (compare it to tell a child apart)."""
    return _forks[0]


def name_os_thread(name: str) -> None:
    """Give the calling thread `name` (15 bytes at most) in the OS; a no-op off Linux."""
    # Python 3.11 names threads for itself only: without this every thread of a worker
    # shows as "python" in top -H and /proc/<pid>/task/*/comm.
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)


def _original(module: str, name: str):
    """Return module.name as the interpreter made it, before any gevent patching."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched(module):
        return monkey.get_original(module, name)
    return getattr(importlib.import_module(module), name)


def os_lock():
    """Return a lock of the OS: waiting on it blocks a thread, never yields to greenlets."""
    return _original("_thread", "allocate_lock")()


def os_queue():
    """Return a SimpleQueue of the OS (the standard library's C one)."""
    return _original("queue", "SimpleQueue")()


def os_sleep(seconds: float) -> None:
    """Sleep this OS thread (never a greenlet's sleep, which would start a hub here)."""
    _original("time", "sleep")(seconds)


def os_local():
    """Return a thread-local of the OS: one value per real thread, shared by its greenlets."""
    return _original("_thread", "_local")()


class OsThread:
    """A daemon OS thread running `target` (threading.Thread's start/is_alive/join)."""

    def __init__(self, target, name: str):
        self._target, self.name = target, name
        self._finished = os_lock()
        self._started = False
        self.native_id: int | None = None  # the OS's id of the thread, once it runs

    def start(self) -> None:
        """Start the thread."""
        self._finished.acquire()
        self._started = True
        _original("_thread", "start_new_thread")(self._run, ())

    def _run(self) -> None:
        # get_native_id is not patched by gevent: it is the OS thread's id.
        self.native_id = threading.get_native_id()
        try:
            self._target()
        finally:
            self._finished.release()

    def is_alive(self) -> bool:
        """Return True while the target runs."""
        return self._started and self._finished.locked()

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to `timeout` seconds for the target to return; return whether it did."""
        if not self._started:
            return True
        if self._finished.acquire(timeout=-1 if timeout is None else timeout):
            self._finished.release()
            return True
        return False


def call_in_os_thread(fn, name: str, nice: int = 0):
    """Return fn() run in a real OS thread (or raise what it raised); only the calling greenlet
    waits: the worker's other connections go on while a long SQLite call (a backup) runs.

    `nice` > 0 lowers that thread's CPU priority (Linux schedules threads one by one): a
    background copy then takes the CPU the requests leave."""
    done = threading.Lock()  # patched under gevent: waiting on it yields to other greenlets
    done.acquire()
    box: dict = {}

    def run():
        name_os_thread(name)
        if nice > 0:
            with contextlib.suppress(OSError, AttributeError):  # not Linux: full priority
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller, raised there
            box["error"] = exc
        finally:
            done.release()

    OsThread(run, name).start()
    done.acquire()
    if "error" in box:
        raise box["error"]
    return box["value"]
