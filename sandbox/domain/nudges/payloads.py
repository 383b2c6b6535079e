"""What a nudge sends on each channel (spec sections 8 and 9), and where a click takes the user."""

from ...store import settings
from .. import page_tokens, tenants


def sse(nudge_id: str, c: dict, click: str) -> dict:
    """Return the in-app frame's data (spec section 8: heights and opacity as strings)."""
    return {
        "nudgeId": nudge_id,
        "clickAction": click,
        "notificationType": "in-app",
        "pageType": c.get("pageType") or "middle-popup",
        "absoluteHeight": "0",
        "relativeHeight": "70",
        "campaignId": c.get("campaignId") or "",
        "opacity": "0.5",
        "title": c.get("title") or "",
        "body": c.get("body") or "",
    }


def push(nudge_id: str, c: dict, click: str) -> dict:
    """Return the FCM/APNs data payload the SDK recognises (spec section 8)."""
    return {
        "type": "CustomerGlu",
        "nudge_url": click,
        "page_type": c.get("pageType") or "middle-popup",
        "glu_message_type": "push",
        "title": c.get("title") or "",
        "body": c.get("body") or "",
        "image": c.get("image") or "",
        "absoluteHeight": "0",
        "relativeHeight": "70",
        "closeOnDeepLink": "true",
        "nudge_id": nudge_id,
        "campaign_id": c.get("campaignId") or "",
    }


def webhook(tenant_id: str, user_id: str, c: dict, click: str, expiry) -> dict:
    """Return the nudge webhook body (spec section 9, `timeRemaning` as the docs spell it)."""
    return {
        "client": tenant_id,
        "campaignId": c.get("campaignId") or "",
        "userId": user_id,
        "notificationType": "push",
        "pageType": c.get("pageType") or "middle-popup",
        "content": {
            "button": {"text": c.get("button") or "", "action": click},
            "title": c.get("title") or "",
            "body": c.get("body") or "",
            "clickAction": click,
            "image": c.get("image") or "",
        },
        "timeRemaning": "",
        "expiry": "" if expiry is None else str(int(expiry)),
        "webhookType": "nudge",
    }


def click(
    conn, tenant_id: str, user_id: str, nudge_id: str, c: dict, now: float, until: float | None
) -> str:
    """Return the click action: the definition's, else the sandbox's nudge page for the user.

    The nudge page is the one the SDK itself opens for a nudge id (spec section 4),
    /fragment-map/?fragmentMapId=<nudgeId>, with a page token valid while the nudge is:
    the link goes out on the open /sse stream and in webhooks, so it never carries the
    writeKey (the SDK's own link does; the page accepts both).
    """
    if c.get("clickAction"):
        return c["clickAction"]
    base = settings.get_in(conn, "public_url") or ""
    seconds = (until - now) if until else page_tokens.NUDGE_LINK_SECONDS
    secret = tenants.secret_in(conn, tenant_id)
    token = page_tokens.page_token(tenant_id, secret, user_id, now, seconds)
    return f"{base}/fragment-map/?fragmentMapId={nudge_id}&token={token}"
