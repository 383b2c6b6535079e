"""The admin token: from SANDBOX_ADMIN_TOKEN, or generated once and kept in the data dir."""

import hmac
import os
import secrets
from pathlib import Path

TOKEN_FILE = "admin_token"


def load(data_dir: Path, configured: str = "") -> str:
    """Return the configured token, else the stored one, else "" (the admin surface closed).

    Only the server's start makes one (load_or_create): a command line run beside it
    never writes a token of its own that the server would not know.
    """
    if configured:
        return configured
    path = Path(data_dir) / TOKEN_FILE
    return path.read_text().strip() if path.exists() else ""


def load_or_create(data_dir: Path, configured: str = "") -> str:
    """Return the configured token, else the stored one, else a new stored one."""
    found = load(data_dir, configured)
    if found:
        return found
    path = Path(data_dir) / TOKEN_FILE
    token = "adm_" + secrets.token_urlsafe(24)
    # Written with owner-only permissions: it opens every tenant's journal.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    return token


def presented(headers, args) -> str | None:
    """Return the token a request presents: X-Sandbox-Admin-Token, Bearer, or ?token=."""
    value = headers.get("X-Sandbox-Admin-Token")
    if value:
        return value.strip()
    auth = headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return args.get("token")


def matches(expected: str, given: str | None) -> bool:
    """Compare tokens in constant time."""
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())
