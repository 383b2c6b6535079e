"""SDK configuration (api host): GET /client/v1/sdk/config."""

from flask import Blueprint, request

from ..auth.writekey import HEADER, QUERY
from ..domain import catalog
from ..domain import sdk_config as sdkconfig
from ..openapi.declare import KEY_OR_QUERY, declare
from .common import base_url, call, ok, write_key_auth

bp = Blueprint("sdk_config", __name__, url_prefix="/client/v1/sdk")


@bp.get("/config")
@declare("SDK configuration (data.mobile)", "config", KEY_OR_QUERY, "SdkConfig")
def sdk_config():
    """Answer {success, data: {mobile}} for the writeKey's tenant (header or ?x-api-key=)."""
    c = call()
    tenant = write_key_auth(c, (HEADER, QUERY))
    settings = catalog.sdk_settings(c.rt.store, tenant["id"])
    mobile = sdkconfig.mobile_config(settings, [request.host, base_url()])
    return ok({"mobile": mobile})
