"""Request capture: one normalised record per request, exactly as it arrived."""

from ..ids import new_id


def new_request_id() -> str:
    """Return a fresh journal request id."""
    return new_id("req")


def _headers(environ: dict) -> dict:
    # Straight from the WSGI environ: the same names werkzeug's EnvironHeaders gives,
    # at a fraction of the cost on the ingest path.
    out = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out[key[5:].replace("_", "-").title()] = value
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            out[name] = environ[key]
    return out


def capture_environ(environ: dict, path: str, body: bytes, clock, body_max: int) -> dict:
    """Return the normalised record of a WSGI request whose body has been read."""
    now = clock.time()
    return {
        "request_id": new_request_id(),
        "ts": clock.isoformat(now),
        "ts_epoch": now,
        "method": environ["REQUEST_METHOD"].upper(),
        "host": environ.get("HTTP_HOST", ""),
        "path": path,
        "query": environ.get("QUERY_STRING", ""),
        "client_addr": environ.get("REMOTE_ADDR"),
        "headers": _headers(environ),
        "body": body[:body_max] if body else None,
        "body_size": len(body),
    }
