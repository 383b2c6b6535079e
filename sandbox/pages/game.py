"""The game page (/reward/?token=&rewardUserId=): a scratch card, a wheel or a gift box that
plays the user's granted play once and reveals the drawn outcome."""

from flask import current_app, jsonify, redirect, render_template, request

from ..domain import campaigns
from ..domain.rewards import games, plays, rules, sheet_rows
from ..errors import ApiError
from ..openapi.declare import PAGE, declare, param
from ..openapi.declare import PAGE_TOKEN_EXAMPLE as TOKEN
from . import bp, wants_html
from .access import open_page

# Which game a campaign type plays as; any other type opens as a gift box.
GAMES = {"spinthewheel": "wheel", "scratchcard": "scratch", "activity-scratchcard": "scratch"}
PARAMS = [
    param("token", required=True, example=TOKEN),
    param(
        "rewardUserId",
        required=True,
        schema={"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
        example="ru_postman",
    ),
]


def _grant(c, tenant: dict, user: dict) -> dict:
    """Return the granted play the URL names, or raise the explained 404/403/409."""
    rid = (request.args.get("rewardUserId") or "").strip()
    if not rid or len(rid) > 200:
        raise ApiError(
            400,
            "The game URL needs a rewardUserId (at most 200 characters)",
            "reward_user_id_missing",
            "Open the campaign's url from GET /reward/v1.1/user as it is.",
        )
    grant = games.find_grant(c.rt.store, tenant["id"], rid)
    listed = None
    if grant is None:
        listed = campaigns.catalog_game(c.rt.store, tenant["id"], user["userId"], rid)
    if listed is not None and sheet_rows.known(c.rt.store, tenant["id"], listed["campaignId"]):
        # A catalog game the wallet lists to this user, with variants in the reward sheet:
        # its link is the user's first play of it, granted when first opened.
        now = c.rt.clock.isoformat()
        c.rt.store.write(
            rules.grant(
                tenant["id"],
                listed["campaignId"],
                user["userId"],
                "listed",
                now,
                c.entry["request_id"],
                reward_user_id=rid,
            )
        )
        grant = games.find_grant(c.rt.store, tenant["id"], rid)
    if grant is None:
        if listed is not None:
            raise ApiError(
                409,
                f"Campaign {listed['campaignId']} ({listed['type']}) is in the catalog but has "
                "no reward variants, so there is nothing to draw",
                "campaign_not_playable",
                "Import a reward sheet with this Campaign ID "
                "(POST /_sandbox/tenants/<ref>/campaigns/import) and send its trigger event.",
                campaignId=listed["campaignId"],
                bridge="CG_INVALID_CAMPAIGN_ID",
            )
        raise ApiError(
            404,
            f"No granted play {rid!r} for {tenant['name']}",
            "play_not_found",
            "Plays are granted by events that meet a campaign's trigger; load campaigns "
            "again (GET /reward/v1.1/user) for the current links.",
            bridge="CG_INVALID_CAMPAIGN_ID",
        )
    if grant["user_id"] != user["userId"]:
        raise ApiError(
            403,
            f"Play {rid} belongs to another user than {user['userId']!r}",
            "play_of_another_user",
            "Open the link from this user's own campaign list.",
        )
    return grant


@bp.get("/reward/")
@declare(
    "The game page of a granted play (HTML; JSON errors unless a browser asks)",
    "pages",
    PAGE,
    None,
    errors=(400, 401, 403, 404, 409),
    params=PARAMS,
    ok_type="text/html",
    expect=(200, 400, 401, 404),
)
def game_page():
    """Show the game: the variants and their odds, and the outcome once played."""
    c, tenant, user, token = open_page()
    grant = _grant(c, tenant, user)
    drawn = grant["draw"]
    shown = games.outcome(c.rt.store, tenant["id"], drawn, grant["variants"]) if drawn else None
    return render_template(
        "pages/game.html",
        grant=grant,
        campaign=grant["campaign"],
        variants=grant["variants"],
        no_reward=max(0.0, 100 - sum(v["chance"] for v in grant["variants"])),
        game=GAMES.get(grant["campaign"]["type"], "gift"),
        outcome=shown,
        token=token,
        user=user,
    )


@bp.post("/reward/")
@declare(
    "Play a granted play once (the game page's button): the outcome, explained",
    "pages",
    PAGE,
    "GameOutcome",
    errors=(400, 401, 403, 404, 409),
    params=PARAMS,
    expect=(200, 400, 401, 404),
)
def play_page():
    """Draw for the play (once; again answers the same draw); JSON, or back to the page."""
    c, tenant, user, _token = open_page()
    grant = _grant(c, tenant, user)
    # Committed here, before the request's journal entry: the answer is the draw.
    result = c.rt.store.write(
        plays.play(
            tenant,
            grant["campaign_id"],
            user["userId"],
            current_app.config["SEED"],
            c.rt.clock.isoformat(),
            reward_user_id=grant["reward_user_id"],
        )
    )
    if result is None:  # the campaign was removed between the look-up and the play
        raise ApiError(404, "The campaign of this play is gone", "campaign_not_found")
    shown = games.outcome(c.rt.store, tenant["id"], result, grant["variants"])
    if wants_html():  # a form post without script: show the page again, with the outcome
        return redirect(request.full_path, code=303)
    return jsonify(shown)
