"""The running server's card in its data dir: where it listens, its pid and version.

Written when the server starts listening and removed on a clean stop, so a command line
run against the same data dir finds the server (its real URL, not the one its own
environment would guess) and calls its admin API. The file is private to the server's user
(mode 0600, as <data dir>/admin_token is): only then does it hold the admin token, so that a
CLI run by the same user reaches a server whose token came from SANDBOX_ADMIN_TOKEN.
"""

import json
import os
from pathlib import Path

FILE = "server.json"


def write(data_dir: str, url: str, version: str, admin_token: str = "", listen: str = "") -> None:
    """Announce this process as the data dir's server (owner-only: it holds the token).

    `url` is the public URL apps use (it may be a proxy's); `listen` where this machine
    reaches the server itself, which is what a CLI beside it calls.
    """
    path = Path(data_dir) / FILE
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    card = {"url": url, "listen": listen or url, "pid": os.getpid(), "version": version}
    if admin_token:
        card["adminToken"] = admin_token
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(card))
    os.chmod(tmp, 0o600)  # an existing file keeps its mode through O_CREAT
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
        found.setdefault("listen", found["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found
