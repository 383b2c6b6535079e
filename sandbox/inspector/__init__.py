"""The live inspector: the feed (journal entries, draws, outgoing attempts, clock moves on one
timeline), the page that shows it, exports, replay and the corrected cURL.

feed.py, export.py and curl.py are plain functions over the store; views.py and socket.py
put them on the admin surface (its token, a tenant viewer's, or the page's cookie).
"""


def init_app(app) -> None:
    """Attach the inspector's routes to the admin surface and serve its script and styles."""
    from flask import Blueprint

    from . import onboarding, socket, views  # noqa: F401  (their routes join the admin blueprint)

    # The page's script and styles carry no data: served without a token, like any asset.
    assets = Blueprint(
        "inspector_assets",
        __name__,
        static_folder="static",
        static_url_path="/_sandbox/assets",
        template_folder="templates",
    )
    app.register_blueprint(assets)
