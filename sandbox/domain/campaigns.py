"""Load-campaigns / wallet: which campaigns a user sees, and the webview URLs for them."""

import io
import json
import uuid
import zipfile
from hashlib import sha256
from urllib.parse import quote

from ..store import Store
from . import catalog, segments
from .rewards import games, wallet

BANNER_KEYS = (
    "title",
    "body",
    "imageUrl",
    "tag",
    "userCampaignStatus",
    "totalUsers",
    "completedUsers",
    "inProgressUsers",
    "totalSteps",
    "stepsCompleted",
    "stepsRemaining",
)
# Filter keys that select on the campaign itself; any other key matches `attributes`.
DIRECT_FILTERS = ("type", "campaignId", "status")


def reward_user_id_of(tenant_id: str, user_id: str, campaign_id: str) -> str:
    """Return the stable id of one user's play of one campaign."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cglu:{tenant_id}:{user_id}:{campaign_id}"))


def campaign_url(base: str, token: str, tenant_id: str, user_id: str, c: dict) -> str:
    """Return the webview URL of a campaign; it always contains "?" (the SDK appends &...)."""
    if catalog.campaign_kind(c["type"]) == "game":
        rid = reward_user_id_of(tenant_id, user_id, c["campaignId"])
        return f"{base}/reward/?token={token}&rewardUserId={rid}"
    return f"{base}/program/?token={token}&campaignId={quote(c['campaignId'])}"


def wallet_url(base: str, token: str) -> str:
    """Return the wallet URL (defaultUrl)."""
    return f"{base}/wallet/?token={token}"


def banner(c: dict) -> dict | None:
    """Return the campaign's banner with every value as a string (the SDK models read strings)."""
    raw = c.get("banner")
    if not raw:
        return None
    return {k: ("" if raw[k] is None else str(raw[k])) for k in BANNER_KEYS if k in raw}


def matches(c: dict, filters: dict, status: str = "pristine") -> bool:
    """Return True if campaign `c`, with the user's `status` of it, passes every filter."""
    for key, want in filters.items():
        if key == "campaignId":
            if want not in (c["campaignId"], (c.get("banner") or {}).get("tag")):
                return False
        elif key == "status":
            if want != status:
                return False
        elif key == "type":
            if c["type"] != want:
                return False
        elif str((c.get("attributes") or {}).get(key)) != want:
            return False
    return True


def unknown_filter_keys(store: Store, tenant_id: str, filters: dict) -> list[str]:
    """Return the filter keys that no campaign of the tenant has as an attribute."""
    known = set(DIRECT_FILTERS)
    for c in catalog.campaigns(store, tenant_id):
        known.update((c.get("attributes") or {}).keys())
    return sorted(set(filters) - known)


def game_url(base: str, token: str, reward_user_id: str) -> str:
    """Return the game page URL of one granted play."""
    return f"{base}/reward/?token={token}&rewardUserId={quote(reward_user_id)}"


def load(store: Store, tenant_id: str, user_id: str, token: str, base: str, filters: dict) -> dict:
    """Return the load-campaigns body for a user: defaultUrl, defaultBanner, campaigns[].

    A sheet campaign shows once an event granted the user a play of it, linked to the
    play's game page; a catalog campaign with the same id takes that link and status.
    """
    live = [c for c in catalog.campaigns(store, tenant_id) if c.get("status", "active") == "active"]
    member_of = segments.memberships(store, tenant_id, user_id)
    # A segment-only campaign is live for the users added to its segment (API segmentation).
    live = [c for c in live if c.get("audience") != "segment" or c["campaignId"] in member_of]
    held = {e["campaignId"]: e for e in games.user_entries(store, tenant_id, user_id)}
    for e in held.values():
        if all(c["campaignId"] != e["campaignId"] for c in live):
            title = {"title": e["name"] or e["campaignId"]}
            live.append({"campaignId": e["campaignId"], "type": e["type"], "banner": title})
    out = []
    for c in live:
        entry = held.get(c["campaignId"])
        status = entry["status"] if entry else games.UNPLAYED
        if not matches(c, filters, status):
            continue
        url = (
            game_url(base, token, entry["rewardUserId"])
            if entry
            else campaign_url(base, token, tenant_id, user_id, c)
        )
        item = {"campaignId": c["campaignId"], "url": url, "type": c["type"], "status": status}
        b = banner(c)
        if entry:
            b = {**(b or {}), "userCampaignStatus": status, "body": plays_left(entry)}
        if b is not None:
            item["banner"] = b
        out.append(item)
    won = wallet.count(store, tenant_id, user_id)
    return {
        "success": True,
        "defaultUrl": wallet_url(base, token),
        "defaultBanner": {"liveCampaignCount": len(live), "totalRewardCount": won},
        "campaigns": out,
    }


def plays_left(entry: dict) -> str:
    """Return a granted campaign's banner line: how many plays are left."""
    left = entry["playsLeft"]
    return f"{left} play{'s' if left != 1 else ''} left" if left else "played"


def paging(body: dict) -> tuple[int, int]:
    """Return the (page, limit) a webview's page request asks for (1-based; limit <= 500)."""

    def number(key, default):
        value = body.get(key, default)
        # Bounded: a page past 1,000,000 is past any data (SQLite's OFFSET is 64-bit).
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 1_000_000
        return value if ok else default

    return number("page", 1), min(number("limit", 50), 500)


def filter_ids(body: dict) -> set[str] | None:
    """Return the campaign ids a page request's filter names (None: every campaign)."""
    wanted = body.get("filter")
    wanted = wanted.get("campaignId") if isinstance(wanted, dict) else None
    return {k for k, v in wanted.items() if v} if isinstance(wanted, dict) else None


def programs(store: Store, tenant_id: str, ids: set | None, page: int, limit: int) -> dict:
    """Return one page of the tenant's active programs (campaigns), as the webview reads it."""
    items = [
        {
            "campaignId": c["campaignId"],
            "type": c["type"],
            "name": c.get("name"),
            "status": "pristine",
            "banner": banner(c),
        }
        for c in catalog.campaigns(store, tenant_id)
        if c.get("status", "active") == "active" and (ids is None or c["campaignId"] in ids)
    ]
    start = (page - 1) * limit
    return {
        "programs": items[start : start + limit],
        "page": page,
        "limit": limit,
        "total": len(items),
    }


def asset_bundle(store: Store, tenant_id: str) -> tuple[str, bytes]:
    """Return (hash, zip bytes) of the tenant's precache bundle; same content, same hash."""
    files = {
        "campaigns.json": catalog.campaigns(store, tenant_id),
        "entrypoints.json": catalog.entrypoints(store, tenant_id),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            # A fixed timestamp keeps the bytes (and so the hash) stable between calls.
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            zf.writestr(info, json.dumps(content, sort_keys=True, indent=1))
    data = buf.getvalue()
    return sha256(data).hexdigest()[:32], data


def catalog_game(store: Store, tenant_id: str, user_id: str, reward_user_id: str) -> dict | None:
    """Return the catalog campaign whose game URL for this user carries `reward_user_id`."""
    for c in catalog.campaigns(store, tenant_id):
        if reward_user_id == reward_user_id_of(tenant_id, user_id, c["campaignId"]):
            return c
    return None
