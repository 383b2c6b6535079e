"""What every surface's views read: the runtime (store, clock, config, masker), the current
request's Call and the base URL of links."""

from flask import current_app, g, request

from ..config import public_url
from .path import Call, Runtime


def runtime() -> Runtime:
    """Return the app's runtime: its store, clock, config, streams and masker."""
    return current_app.extensions["sandbox.runtime"]


def call() -> Call:
    """Return the current request's Call (begun by the request path before the view)."""
    return g.call


def base_url() -> str:
    """Return the base URL for links we hand out: SANDBOX_PUBLIC_URL, else the caller's host."""
    if current_app.config.get("PUBLIC_URL"):
        return public_url(current_app.config)
    return request.host_url.rstrip("/")
