"""The onboarding checklist: the four integration steps, each item lit by real traffic.

Never ticked by hand: an item is done when the journal, the draws, the outgoing requests,
the nudges or the conformance kit show it happened, with its first and last time and the
evidence to open. A missing item says what to do next, from what the tenant did last.
"""

from datetime import datetime, timedelta

from ..journal import search
from ..store import Store, loads

TARGET_BUSINESS_DAYS = 10
# (step, name, items): item = (id, what it shows, how it is found, what to do when missing)
STEPS = (
    (
        1,
        "Load the UI",
        (
            (
                "sdk_config",
                "the SDK read its config",
                ("route", ("sdk_config.sdk_config",)),
                "Initialise the SDK: it reads GET /client/v1/sdk/config with your writeKey.",
            ),
            (
                "device_registered",
                "a device registered",
                ("route", ("user.register", "user.generate_user_token")),
                "Register a user: POST /user/v1/user/sdk?token=true {userId, writeKey}.",
            ),
            (
                "campaigns_loaded",
                "campaigns loaded",
                ("route", ("campaigns.load_campaigns", "campaigns.load_campaign_by_id")),
                "Load campaigns with the user's token: GET /reward/v1.1/user.",
            ),
            (
                "page_opened",
                "the wallet or a game page opened",
                ("route", ("pages.wallet_page", "pages.game_page", "pages.program_page")),
                "Open the wallet (defaultUrl) or a campaign's url in the SDK's webview.",
            ),
            (
                "device_over_tls",
                "a device reached the sandbox over TLS (by a CustomerGlu host name)",
                ("tls", None),
                "Optional: start with SANDBOX_TLS_PORT or SANDBOX_PROXY_PORT and trust the CA "
                "(`python -m sandbox tls setup <platform>`).",
            ),
        ),
    ),
    (
        2,
        "Send events",
        (
            (
                "valid_event",
                "a valid event received",
                ("event", None),
                "Send an event: POST /server/v4 with x-api-key and "
                "{event_id, event_name, user_id, timestamp, event_properties}.",
            ),
            (
                "event_matched",
                "an event met a campaign's trigger",
                ("grant", None),
                "Send the event a campaign's Trigger Event names, with properties that meet its "
                "Trigger Condition (GET /_sandbox/tenants/<ref>/explain says why one did not).",
            ),
        ),
    ),
    (
        3,
        "Configure nudges",
        (
            (
                "nudge_webhook",
                "a nudge webhook answered 2xx",
                ("delivery", "nudge_webhook"),
                "Set nudgeWebhookUrl (PATCH /_sandbox/tenants/<ref>) and trigger a nudge.",
            ),
            (
                "nudge_acknowledged",
                "an in-app nudge acknowledged",
                ("ack", None),
                "Connect the SDK to /sse, show a nudge and POST /ack-nudge.",
            ),
        ),
    ),
    (
        4,
        "Configure rewards",
        (
            (
                "reward_drawn",
                "a reward drawn",
                ("draw", None),
                "Play a granted campaign (its game page) or import a reward sheet first.",
            ),
            (
                "reward_webhook",
                "a reward webhook answered 2xx",
                ("delivery", "reward_webhook"),
                "Set rewardWebhookUrl and win a reward (or `python -m sandbox trigger reward`).",
            ),
            (
                "conformance",
                "the receiver passed the conformance kit",
                ("kit", None),
                "Run the kit: POST /_sandbox/tenants/<ref>/conformance.",
            ),
        ),
    ),
)
# A step is done when any of these items is (nudges go by webhook or in the app).
ANY_OF = {3}
# Counted and shown, but not needed for a step (nor for "ready"): plain HTTP is enough.
OPTIONAL = {"device_over_tls"}


def _seen(marked: dict, tenant_id: str, how: tuple) -> tuple[str | None, str | None, str | None]:
    """Return (first seen, last seen, evidence) of one item from the tenant's marks, or Nones."""
    kind, arg = how
    keys = {
        "route": [f"ok:{route}" for route in arg or ()],
        "event": ["event:valid"],
        "grant": ["grant"],
        "delivery": [f"delivered:{arg}"],
        "ack": ["nudge:acked"],
        "draw": ["draw"],
        "kit": ["kit:passed"],
        "tls": ["tls"],
    }[kind]
    found = [marked[k] for k in keys if k in marked]
    if not found:
        return None, None, None
    first = min(m["first"] for m in found)
    last = max(found, key=lambda m: m["last"])
    ref = last["lastRef"]
    evidence = {
        "route": f"/_sandbox/journal/{ref}",
        "event": f"/_sandbox/journal/{ref}",
        "grant": f"/_sandbox/journal/{ref}/timeline",
        "delivery": f"/_sandbox/deliveries/{ref}",
        "ack": f"/_sandbox/nudges/{ref}",
        "draw": f"/_sandbox/tenants/{tenant_id}/campaigns/{ref}/draws",
        "kit": f"/_sandbox/conformance/{ref}",
        "tls": f"/_sandbox/journal/{ref}",
    }[kind]
    return first, last["last"], evidence if ref else None


def _last_refusal(store: Store, marked: dict) -> str | None:
    refused = marked.get("refused")
    if refused is None:
        return None
    # One entry, by its unique request id: the hint the refusal's answer gave.
    row = search.answer_of(store, refused["lastRef"])
    if row is None:  # dropped by retention since: the mark still says why
        return f"your last request was refused ({refused['detail']})."
    body = row["response_body"]
    try:
        said = loads(body.decode(errors="replace") if isinstance(body, bytes) else body, {})
    except ValueError:
        said = {}
    said = said if isinstance(said, dict) else {}
    message = str(said.get("message") or "").removeprefix("Unauthorized: ")
    reason = f"{row['status']} {row['auth_reason']}" + (f": {message}" if message else "")
    return f"your last request was refused ({reason}). {said.get('hint') or ''}"


def _last_failed_delivery(marked: dict, kind: str) -> str | None:
    failed = marked.get(f"failed:{kind}")
    if failed is None:
        return None
    return (
        f"the last {kind.replace('_', ' ')} failed ({failed['detail']}): see "
        f"/_sandbox/deliveries/{failed['lastRef']}"
    )


def business_days(first: str | None, zone, now: float) -> int | None:
    """Return the business days (Mon-Fri) from the tenant's first request to now, local time."""
    if not first:
        return None
    start = datetime.fromisoformat(first.replace("Z", "+00:00")).astimezone(zone).date()
    end = datetime.fromtimestamp(now, zone).date()
    days, day = 0, start
    while day <= end and days < 10_000:
        if day.weekday() < 5:
            days += 1
        day += timedelta(days=1)
    return days


def of(store: Store, tenant: dict, zone, now: float) -> dict:
    """Return the tenant's checklist: steps with their items, business days, ready or not."""
    marked = store.marks(tenant["id"])
    refusal = _last_refusal(store, marked)
    steps = []
    for number, name, items in STEPS:
        shown = []
        for item_id, what, how, todo in items:
            first, last, evidence = _seen(marked, tenant["id"], how)
            next_step = None
            if not first:
                next_step = todo
                if how[0] == "delivery":
                    next_step = _last_failed_delivery(marked, how[1]) or todo
                elif number == 1 and refusal and item_id not in OPTIONAL:
                    next_step = f"{refusal} Then: {todo}"
            shown.append(
                {
                    "id": item_id,
                    "what": what,
                    "done": bool(first),
                    "firstSeen": first,
                    "lastSeen": last,
                    "evidence": evidence,
                    "next": next_step,
                    "optional": item_id in OPTIONAL,
                }
            )
        counted = [i for i in shown if not i["optional"]]
        done = (
            any(i["done"] for i in counted) if number in ANY_OF else all(i["done"] for i in counted)
        )
        steps.append({"step": number, "name": name, "done": done, "items": shown})
    first = marked.get("request", {}).get("first")
    days = business_days(first, zone, now)
    return {
        "tenant": tenant["name"],
        "tenantId": tenant["id"],
        "steps": steps,
        "firstRequest": first,
        "businessDays": days,
        "targetBusinessDays": TARGET_BUSINESS_DAYS,
        "ready": all(s["done"] for s in steps),
    }


def summary(result: dict) -> str:
    """Return one line for the banner: which steps are done."""
    marks = " ".join(f"{s['step']}{'+' if s['done'] else '-'}" for s in result["steps"])
    return f"steps {marks}" + ("  ready" if result["ready"] else "")
