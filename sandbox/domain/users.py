"""Users of a tenant: registration (identified or anonymous), the anonymous merge, attributes."""

import secrets
import uuid

from ..store import CoreWrite, Store, dumps, loads

PROFILE_KEYS = ("firstName", "lastName", "age", "city", "country", "timezone")
IDENTITY_KEYS = (
    "facebook_id",
    "google_id",
    "android_id",
    "ios_id",
    "clevertap_id",
    "mparticle_id",
    "segment_id",
    "moengage_id",
)
# Registration body keys kept as given (section 3 of the API reference).
PLAIN_KEYS = (
    "userName",
    "email",
    "phone",
    "cookieId",
    "appVersion",
    "referredBy",
    "sessionId",
    "deviceId",
    "deviceType",
    "deviceName",
    "firebaseToken",
    "apnsDeviceToken",
)


# The JSON type of every registration field the sandbox reads (checked before use).
BODY_TYPES = {
    **{k: "string" for k in (*PLAIN_KEYS, "userId", "anonymousId", "writeKey", "referralCode")},
    **{k: "object" for k in ("profile", "identities", "customAttributes")},
}


class RegistrationError(ValueError):
    """The registration body cannot be applied."""


def _row_to_user(row: dict | None) -> dict | None:
    if row is None:
        return None
    user = loads(row["data"], {})
    user.update(
        userId=row["user_id"], id=row["id"], gluId=row["glu_id"], anonymousId=row["anonymous_id"]
    )
    return user


def _data_column(user: dict) -> dict:
    """Return the user's fields that live in the JSON `data` column (not in their own columns)."""
    return {k: v for k, v in user.items() if k not in ("userId", "id", "gluId", "anonymousId")}


def get_user(store: Store, tenant_id: str, user_id: str) -> dict | None:
    """Return a user by userId, or by the anonymousId it was registered with before a merge."""
    row = store.one("SELECT * FROM users WHERE tenant_id = ? AND user_id = ?", (tenant_id, user_id))
    if row is None:
        row = store.one(
            "SELECT * FROM users WHERE tenant_id = ? AND anonymous_id = ?", (tenant_id, user_id)
        )
    return _row_to_user(row)


def _merge_attributes(user: dict, body: dict) -> dict:
    for key in PLAIN_KEYS:
        if key in body and body[key] is not None:
            user[key] = body[key]
    if body.get("referralCode"):
        user["referralCode"] = body["referralCode"]
    profile = {k: None for k in PROFILE_KEYS} | (user.get("profile") or {})
    for k, v in (body.get("profile") or {}).items():
        if k in PROFILE_KEYS:
            profile[k] = v
    user["profile"] = profile
    identities = {k: None for k in IDENTITY_KEYS} | (user.get("identities") or {})
    for k, v in (body.get("identities") or {}).items():
        key = "mparticle_id" if k == "mparticle_d" else k  # the docs' typo, the API's name
        if key in IDENTITY_KEYS:
            identities[key] = v
    user["identities"] = identities
    custom = dict(user.get("customAttributes") or {})
    custom.update(body.get("customAttributes") or {})
    user["customAttributes"] = custom
    return user


def _fresh(user_id: str, anonymous_id: str | None, now: str) -> dict:
    return {
        "userId": user_id,
        "id": secrets.token_hex(12),
        "gluId": str(uuid.uuid4()),
        "anonymousId": anonymous_id,
        "referralCode": "SDK-" + secrets.token_hex(3).upper(),
        "createdAt": now,
    }


def _fetch(store: Store, tenant_id: str, user_id: str) -> dict | None:
    row = store.one("SELECT * FROM users WHERE tenant_id = ? AND user_id = ?", (tenant_id, user_id))
    return _row_to_user(row)


def _save(tenant_id: str, user: dict, now: str, replaces: str | None = None) -> CoreWrite:
    """Return the write storing `user` (and removing the anonymous row it replaces)."""
    data = dumps(_data_column(user))
    values = (
        tenant_id,
        user["userId"],
        user["id"],
        user["gluId"],
        user.get("anonymousId"),
        data,
        user.get("createdAt", now),
        now,
    )

    def write(conn):
        if replaces is not None:
            conn.execute(
                "DELETE FROM users WHERE tenant_id = ? AND user_id = ?", (tenant_id, replaces)
            )
        conn.execute(
            "INSERT OR REPLACE INTO users (tenant_id, user_id, id, glu_id, anonymous_id, data, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )

    return CoreWrite(write)


def register(store: Store, tenant_id: str, body: dict, now: str) -> tuple[dict, CoreWrite]:
    """Return the user `body` registers (merging an anonymous user) and the write storing it.

    userId only: identified user. anonymousId only: anonymous user keyed by it.
    Both: the anonymous user becomes (or is merged into) the identified one. Two
    registrations of one user at the same moment: the later commit wins.
    """
    user_id = body.get("userId") or None
    anonymous_id = body.get("anonymousId") or None
    if user_id is None and anonymous_id is None:
        raise RegistrationError("userId (or anonymousId for an anonymous user)")
    key = user_id or anonymous_id
    user = _fetch(store, tenant_id, key)
    replaces = None
    if user_id and anonymous_id and anonymous_id != user_id:
        anon = _fetch(store, tenant_id, anonymous_id)
        if anon is not None:
            # The anonymous user logs in: its history moves to the identified user.
            replaces = anonymous_id
            base = user or {**anon, "userId": user_id}
            for k, v in anon.items():
                base.setdefault(k, v)
            base["mergedFrom"] = anonymous_id
            user = base
    if user is None:
        user = _fresh(key, anonymous_id, now)
    if anonymous_id:
        user["anonymousId"] = anonymous_id
    user["isAnonymous"] = user_id is None
    user["userId"] = key
    _merge_attributes(user, body)
    user["updatedAt"] = now
    return user, _save(tenant_id, user, now, replaces)


def update(tenant_id: str, user: dict, body: dict, now: str) -> tuple[dict, CoreWrite]:
    """Return `user` with new attributes (profile, custom, device fields) and its write."""
    updated = _merge_attributes(dict(user), body)
    updated["updatedAt"] = now
    return updated, _save(tenant_id, updated, now)


def public_view(user: dict, tenant: dict, base_url: str) -> dict:
    """Return the user object exactly as the registration response carries it."""
    profile = user.get("profile") or {k: None for k in PROFILE_KEYS}
    return {
        "id": user["id"],
        "userId": user["userId"],
        "gluId": user["gluId"],
        "anonymousId": user.get("anonymousId"),
        "userName": user.get("userName"),
        "email": user.get("email"),
        "phone": user.get("phone"),
        "cookieId": user.get("cookieId"),
        "appVersion": user.get("appVersion"),
        "client": tenant["id"],
        "referralLink": f"{base_url}/r/{user.get('referralCode', '')}",
        "referredBy": user.get("referredBy"),
        "referralCode": user.get("referralCode"),
        "profile": {k: profile.get(k) for k in PROFILE_KEYS},
        "identities": {k: (user.get("identities") or {}).get(k) for k in IDENTITY_KEYS},
        "customAttributes": user.get("customAttributes") or {},
        "sessionId": user.get("sessionId"),
        "deviceId": user.get("deviceId"),
        "deviceType": user.get("deviceType"),
        "deviceName": user.get("deviceName"),
    }
