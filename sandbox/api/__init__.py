"""The emulated CustomerGlu API: one blueprint per emulated host."""

from flask import Flask

BLUEPRINTS: list = []


def init_app(app: Flask) -> None:
    """Register every emulated host's blueprint."""
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
