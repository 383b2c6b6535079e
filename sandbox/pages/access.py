"""Who opens a page: the page chain over the URL's query, noted on the call."""

from flask import request

from .. import auth
from ..auth import tokens
from ..http.current import call
from ..http.path import Call


def open_page() -> tuple[Call, dict, dict, str]:
    """Run the page checks; return (call, tenant, user, a page token for the page's links)."""
    c = call()
    now = c.rt.clock.time()
    tenant, user, c.chain = auth.require_page(c.rt.store, request.args, now)
    c.note(tenant_id=tenant["id"], user_id=user["userId"])
    # Links on the page carry a fresh page token, never the credentials it was opened with
    # (a user token or a writeKey in a URL would leak further than the page).
    return c, tenant, user, tokens.issue_page_token(tenant, user, now)
