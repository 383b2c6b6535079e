"""OS-level names for the store's threads, so `top -H` and /proc show which one is busy."""

import ctypes
import sys

_PR_SET_NAME = 15  # linux/prctl.h
# The running process's own symbols, libc's prctl among them (Linux only).
_LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None


def name_os_thread(name: str) -> None:
    """Give the calling thread `name` (15 bytes at most) in the OS; a no-op off Linux."""
    # Python 3.11 names threads for itself only: without this every thread of a worker
    # shows as "python" in top -H and /proc/<pid>/task/*/comm.
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)
