"""The running server's card in its data dir: where it listens, its pid and version.

Written when the server starts listening and removed on a clean stop, so a command line
run against the same data dir finds the server (its real URL, not the one its own
environment would guess). It never holds the admin token.
"""

import json
import os
from pathlib import Path

FILE = "server.json"


def write(data_dir: str, url: str, version: str) -> None:
    """Announce this process as the data dir's server."""
    path = Path(data_dir) / FILE
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"url": url, "pid": os.getpid(), "version": version}))
    tmp.replace(path)  # whole or not at all: a reader never sees half a card


def remove(data_dir: str) -> None:
    """Take the card down (a clean stop), if it is still this process's."""
    path = Path(data_dir) / FILE
    found = read(data_dir)
    if found is not None and found["pid"] == os.getpid():
        path.unlink(missing_ok=True)


def read(data_dir: str) -> dict | None:
    """Return the card of a server that runs for this data dir, or None (none, or it died)."""
    try:
        found = json.loads((Path(data_dir) / FILE).read_text())
        pid = int(found["pid"])
        os.kill(pid, 0)  # alive? (a card left by kill -9 names a dead pid)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found
