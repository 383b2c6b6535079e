"""The emulated CustomerGlu API: one blueprint per emulated service area.

Their paths do not collide, so the api, events, stream and diagnostics hosts are
all served on one origin.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every emulated service's blueprint."""
    from . import (
        campaigns,
        deeplinks,
        entrypoints,
        events,
        integrations,
        nudges,
        sdk_config,
        segments,
        user,
        webhooks,
    )

    for module in (
        user,
        campaigns,
        events,
        sdk_config,
        entrypoints,
        deeplinks,
        segments,
        nudges,
        integrations,
        webhooks,
    ):
        app.register_blueprint(module.bp)


def door_routes() -> dict:
    """Return the routes the ingest door answers beneath Flask (http/door.py)."""
    from .events import DOOR_ROUTES

    return DOOR_ROUTES
