"""Entry points (banners, embeds, floating buttons, popups, PiP) and each user's view state."""

import copy
import hashlib
import json

from ..store import CoreWrite, Store
from . import catalog

PLATFORMS = ("android", "ios")
# The app-screen id lists POST /entrypoints/v1/config adds to, per platform.
ID_LISTS = ("activityIdList", "bannerIds", "embedIds")
_CONTAINER_DEFAULTS = {
    "bannerId": "",
    "height": "0",
    "width": "0",
    "position": "BOTTOM-RIGHT",
    "borderRadius": "0",
    "vertical_padding": "0",
    "horizontal_padding": "0",
}
_SIDE = {"allowedActitivityList": [], "disallowedActitivityList": []}


def normalise(ep: dict, visibility: dict | None = None) -> dict:
    """Return an entry point with every field the iOS SDK force-unwraps present and typed.

    Heights, widths and paddings are strings ("310"): the SDK reads them as strings and
    converts with Int(), so a banner's height must be a whole number in a string.
    """
    ep = copy.deepcopy(ep)
    ep.setdefault("consumer", "MOBILE")
    ep.setdefault("status", "ACTIVE")
    ep.setdefault("visible", True)
    ep.setdefault("triggerType", "STATIC")
    ep.setdefault("availability", "FOREVER")
    mobile = ep.setdefault("mobile", {})
    mobile.setdefault("_id", ep["_id"] + "-m")
    container = mobile.setdefault("container", {})
    container.setdefault("type", "BANNER")
    for key, default in _CONTAINER_DEFAULTS.items():
        value = container.get(key, default)
        container[key] = str(int(value)) if isinstance(value, int | float) else str(value)
    container.setdefault("android", copy.deepcopy(_SIDE))
    container.setdefault("ios", copy.deepcopy(_SIDE))
    mobile.setdefault("content", [])
    for item in mobile["content"]:
        item.setdefault("campaignId", "")
        item.setdefault("openLayout", "FULL-DEFAULT")
        item.setdefault("closeOnDeepLink", False)
    conditions = mobile.setdefault("conditions", {})
    conditions.setdefault("showCount", {"count": 1, "dailyRefresh": False})
    conditions["showCount"].setdefault("count", 1)
    conditions.setdefault("delay", 0)
    conditions.setdefault("priority", 1)
    conditions.setdefault("backendValidations", "NOT_REQUIRED")
    ep["visibility"] = visibility or {
        "entryPointClicked": False,
        "entryPointCompleteStateViewed": False,
    }
    return ep


def campaign_ids(ep: dict) -> set[str]:
    """Return the campaign ids an entry point's content opens."""
    return {c.get("campaignId", "") for c in ep.get("mobile", {}).get("content", [])}


def listing(
    store: Store,
    tenant_id: str,
    user_id: str | None = None,
    consumer: str = "MOBILE",
    only_ids: set[str] | None = None,
    campaigns: set[str] | None = None,
) -> list[dict]:
    """Return the tenant's entry points for a consumer, with the user's visibility state."""
    states = (
        {s["entrypointId"]: s for s in user_states(store, tenant_id, user_id)} if user_id else {}
    )
    out = []
    for ep in catalog.entrypoints(store, tenant_id):
        if ep.get("consumer", "MOBILE") != consumer:
            continue
        if only_ids is not None and ep["_id"] not in only_ids:
            continue
        if campaigns is not None:
            # Wallet ("") and static-URL content always apply; campaign content only
            # when the campaign is one the app loaded.
            targets = campaign_ids(ep)
            if not any(t == "" or t.startswith("http") or t in campaigns for t in targets):
                continue
        state = states.get(ep["_id"])
        visibility = (
            None
            if state is None
            else {
                "entryPointClicked": state["entryPointClicked"],
                "entryPointCompleteStateViewed": state["entryPointCompleteStateViewed"],
            }
        )
        item = normalise(ep, visibility)
        # The tenant's own id, whatever the fixtures it was made from say.
        item["client"] = tenant_id
        out.append(item)
    return out


def etag(items: list[dict]) -> str:
    """Return a stable etag for a listing (Android skips redrawing when it is unchanged)."""
    digest = hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()
    return f'"{digest[:24]}"'


def _state_rows(store: Store, tenant_id: str, user_id: str) -> list[dict]:
    return store.all(
        "SELECT rowid, * FROM entrypoint_state WHERE tenant_id = ? AND user_id = ? "
        "ORDER BY updated_at, rowid",
        (tenant_id, user_id),
    )


def _state(tenant_id: str, user_id: str, r: dict) -> dict:
    return {
        "id": r["id"],
        "entrypointId": r["entrypoint_id"],
        "client": tenant_id,
        "userId": user_id,
        "campaignId": r["campaign_id"] or "",
        "v": r["version"],
        "entryPointClicked": bool(r["clicked"]),
        "entryPointCompleteStateViewed": bool(r["complete_viewed"]),
    }


def user_states(store: Store, tenant_id: str, user_id: str) -> list[dict]:
    """Return a user's entry-point states in the shape the SDKs decode (oldest change first)."""
    return [_state(tenant_id, user_id, r) for r in _state_rows(store, tenant_id, user_id)]


def save_state(
    store: Store, tenant_id: str, user_id: str, body: dict, state_id: str, now: str
) -> tuple[list[dict], CoreWrite]:
    """Return the user's states after a click / complete-view, and the write recording it.

    The states are computed as the write will leave the rows, in the same order.
    """
    clicked = bool(body.get("entryPointClicked"))
    viewed = bool(body.get("entryPointCompleteStateViewed"))
    rows = _state_rows(store, tenant_id, user_id)
    old = next((r for r in rows if r["entrypoint_id"] == body["entrypointId"]), None)
    if old is None:
        rowid = max((r["rowid"] for r in rows), default=0) + 1
        new = {"rowid": rowid, "id": state_id, "entrypoint_id": body["entrypointId"]}
        new.update(campaign_id=body.get("campaignId"), version=0, clicked=clicked)
        new.update(complete_viewed=viewed)
    else:
        rows.remove(old)
        # As the upsert: flags only turn on, COALESCE(the new campaign id, the old one).
        new = {**old, "version": old["version"] + 1}
        new.update(
            clicked=old["clicked"] or clicked, complete_viewed=old["complete_viewed"] or viewed
        )
        if body.get("campaignId") is not None:
            new["campaign_id"] = body["campaignId"]
    new["updated_at"] = now
    rows = sorted([*rows, new], key=lambda r: (r["updated_at"], r["rowid"]))
    states = [_state(tenant_id, user_id, r) for r in rows]
    values = (
        tenant_id,
        user_id,
        body["entrypointId"],
        state_id,
        body.get("campaignId"),
        int(clicked),
        int(viewed),
        now,
    )
    return states, CoreWrite(
        lambda conn: conn.execute(
            "INSERT INTO entrypoint_state (tenant_id, user_id, entrypoint_id, id, campaign_id, "
            "clicked, complete_viewed, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) "
            "ON CONFLICT (tenant_id, user_id, entrypoint_id) DO UPDATE SET "
            "clicked = MAX(clicked, excluded.clicked), "
            "complete_viewed = MAX(complete_viewed, excluded.complete_viewed), "
            "campaign_id = COALESCE(excluded.campaign_id, campaign_id), "
            "version = version + 1, updated_at = excluded.updated_at",
            values,
        )
    )


def add_platform_ids(
    store: Store, tenant_id: str, platform: str, body: dict
) -> tuple[dict, CoreWrite]:
    """Return the app's id lists with `body`'s ids added for `platform`, and their write.

    The lists (activity, banner and embed ids) say which screens of the app show entry
    points; each is kept per platform and only grows.
    """
    settings = catalog.sdk_settings(store, tenant_id)
    merged = {}
    for key in ID_LISTS:
        current = settings.get(key) or {p: [] for p in PLATFORMS}
        current[platform] = sorted(set(current.get(platform, [])) | set(body.get(key) or []))
        merged[key] = current

    def write(conn):
        for key, value in merged.items():
            catalog.set_sdk_setting(conn, tenant_id, key, value)

    return merged, CoreWrite(write)
