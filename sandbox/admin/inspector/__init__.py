"""The live inspector, a room of the admin surface: the page, its feed socket, exports, replay
and the corrected cURL.

The record's read model (the feed, its fan-out, exports, the causal timeline) lives in
journal/, where the CLI reads it too; page.py and socket.py put it on the admin surface
(its token, a tenant viewer's, or the page's cookie).
"""


def init_app(app) -> None:
    """Attach the inspector's routes to the admin surface and serve its script and styles."""
    from flask import Blueprint

    from . import page, socket  # noqa: F401  (their routes join the admin blueprint)

    # The page's script and styles carry no data: served without a token, like any asset.
    assets = Blueprint(
        "inspector_assets",
        __name__,
        static_folder="static",
        static_url_path="/_sandbox/assets",
        template_folder="templates",
    )
    app.register_blueprint(assets)
