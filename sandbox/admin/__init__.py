"""The sandbox's own surface under /_sandbox: health (open), admin API (token required)."""

from flask import Blueprint, Flask, current_app, request

from ..errors import ApiError
from . import token_file

bp = Blueprint("admin", __name__, url_prefix="/_sandbox")
# Endpoints that answer without the admin token (a container health check calls it).
OPEN_ENDPOINTS = {"admin.health"}


@bp.before_request
def require_token():
    """Reject every admin request without the admin token, naming where to put it."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    given = token_file.presented(request.headers, request.args)
    if token_file.matches(current_app.config["ADMIN_TOKEN"], given):
        return None
    reason = "admin_token_missing" if not given else "admin_token_invalid"
    raise ApiError(
        401,
        "The admin surface needs the admin token."
        if not given
        else "The admin token does not match.",
        reason,
        "Send it as the X-Sandbox-Admin-Token header or ?token=; the start-up banner prints "
        "it, and it is kept in <data dir>/admin_token.",
        headers={"WWW-Authenticate": 'Bearer realm="sandbox-admin"'},
    )


def init_app(app: Flask) -> None:
    """Register the admin blueprint."""
    from . import deliveries, hooks, rewards, sockets, views  # noqa: F401  (routes join bp)

    app.config["SOCK_SERVER_OPTIONS"] = sockets.server_options(
        app.config["STREAM_HEARTBEAT_SECONDS"]
    )
    app.register_blueprint(bp)
