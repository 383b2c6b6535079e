"""`python -m sandbox ...` and `cglu-sandbox ...`: the sandbox's command line."""

import os
import sys


def _gevent_server(argv: list[str]) -> bool:
    """Return True if this command starts the server with gevent workers."""
    model = os.environ.get("SANDBOX_SERVER_MODEL", "").strip() or "gevent"
    return "serve" in argv[1:] and model == "gevent" and sys.platform != "win32"


def patch_for(argv: list[str]) -> None:
    """Monkey-patch for gevent if `argv` starts the server under it (call before Flask loads)."""
    if _gevent_server(argv):
        # Before Flask, requests and ssl load: patched late, ssl would keep blocking
        # sockets that stall a worker's event loop (gevent's MonkeyPatchWarning).
        from gevent import monkey

        monkey.patch_all()


def run() -> None:
    """Run the command line; for `serve` under gevent, monkey-patch first of all."""
    patch_for(sys.argv)
    from .cli import main

    main()


if __name__ == "__main__":
    run()
