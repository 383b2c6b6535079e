"""The wallet (/wallet/), program (/program/) and nudge (/fragment-map/) pages."""

from urllib.parse import urlsplit

from flask import render_template, request

from ..domain import campaigns, catalog, nudges
from ..domain.rewards import games, wallet
from ..errors import ApiError
from ..openapi.declare import PAGE, declare, param
from ..openapi.declare import PAGE_TOKEN_EXAMPLE as TOKEN
from . import bp
from .access import open_page

UNSAFE_SCHEMES = ("javascript", "data", "vbscript", "file")
HTML = {"ok_type": "text/html", "errors": (400, 401, 404), "expect": (200, 400, 401, 404)}


@bp.get("/wallet/")
@declare(
    "The wallet page: the user's campaigns and won rewards with codes (HTML)",
    "pages",
    PAGE,
    None,
    params=[param("token", required=True, example=TOKEN)],
    **HTML,
)
def wallet_page():
    """Show the user's campaigns (linked to their pages) and rewards, newest first."""
    c, tenant, user, token = open_page()
    listed = campaigns.load(c.rt.store, tenant["id"], user["userId"], token, "", {})
    won, total = wallet.user_rewards(c.rt.store, tenant["id"], user["userId"], 1, 100)
    return render_template(
        "pages/wallet.html",
        tenant=tenant,
        user=user,
        campaigns=listed["campaigns"],
        rewards=won,
        total=total,
    )


@bp.get("/program/")
@declare(
    "A program page (referral, multistep, streak...): the campaign and the user's progress",
    "pages",
    PAGE,
    None,
    params=[
        param("token", required=True, example=TOKEN),
        param("campaignId", required=True, example="demo-wheel"),
    ],
    **HTML,
)
def program_page():
    """Show a campaign: its banner, the user's status and steps, what they won in it."""
    c, tenant, user, token = open_page()
    campaign_id = (request.args.get("campaignId") or "").strip()
    listed = campaigns.load(
        c.rt.store, tenant["id"], user["userId"], token, "", {"campaignId": campaign_id}
    )
    item = next(iter(listed["campaigns"]), None) if campaign_id else None
    if item is None:
        raise ApiError(
            404,
            f"No campaign {campaign_id!r} for this user of {tenant['name']}",
            "campaign_not_found",
            "Open a campaign's url from GET /reward/v1.1/user: a segment-only campaign is "
            "listed for its segment's users, a sheet campaign once a play is granted.",
            bridge="CG_INVALID_CAMPAIGN_ID",
        )
    full = catalog.campaign(c.rt.store, tenant["id"], item["campaignId"]) or {}
    won, _total = wallet.user_rewards(
        c.rt.store, tenant["id"], user["userId"], 1, 50, {item["campaignId"]}
    )
    entry = next(
        (
            e
            for e in games.user_entries(c.rt.store, tenant["id"], user["userId"])
            if e["campaignId"] == item["campaignId"]
        ),
        None,
    )
    return render_template(
        "pages/program.html",
        item=item,
        name=full.get("name") or (entry or {}).get("name") or item["campaignId"],
        banner=item.get("banner") or {},
        entry=entry,
        rewards=won,
        token=token,
    )


@bp.get("/fragment-map/")
@declare(
    "The page a nudge opens (the SDK's nudge-by-id link): the nudge's content (HTML)",
    "pages",
    PAGE,
    None,
    params=[
        param("fragmentMapId", required=True, example="ndg_postman"),
        param("token", example=TOKEN),
        param("userId"),
        param("writeKey"),
    ],
    **HTML,
)
def nudge_page():
    """Show a nudge sent to the user: title, body, image and its button."""
    c, tenant, user, token = open_page()
    nudge_id = (request.args.get("fragmentMapId") or "").strip()
    found = nudges.find(c.rt.store, tenant["id"], user["userId"], nudge_id) if nudge_id else None
    if found is None:
        raise ApiError(
            404,
            f"No nudge {nudge_id!r} was sent to {user['userId']!r}",
            "nudge_not_found",
            "Open the link of a nudge the user received (its nudgeId is the fragmentMapId).",
        )
    action = found.get("clickAction") if isinstance(found.get("clickAction"), str) else ""
    # A link a script could run (javascript:, data:) is shown, never followed.
    if urlsplit(action.strip()).scheme.lower() in UNSAFE_SCHEMES:
        action = ""
    # The definition's Button Text (text), or the webhook's {"text", "action"} shape.
    button = found.get("button")
    label = button.get("text") if isinstance(button, dict) else button
    return render_template(
        "pages/nudge.html",
        nudge=found,
        action=action,
        token=token,
        label=label if isinstance(label, str) and label else "Open",
    )
