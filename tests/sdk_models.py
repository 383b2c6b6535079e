"""The SDKs' reward models (spec sections 4 and 9) as a Gson-like decoder: a response decodes
only if every field has a type the model's field accepts.

Gson reads a String field from a string, number or boolean, an int field from a whole
number (or a string of one), an object from an object, a list from an array, and fails
on anything else; null is allowed for every field of a class. iOS's Codable is stricter
for the four campaign keys (non-optional): REQUIRED lists them.
"""

STR, INT, BOOL = "String", "int", "Boolean"

BANNER = {
    k: STR
    for k in (
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
}
CAMPAIGN = {"campaignId": STR, "url": STR, "type": STR, "status": STR, "banner": BANNER}
# com.customerglu.sdk's RewardModel: the load-campaigns answer.
REWARD_MODEL = {
    "success": BOOL,
    "message": STR,
    "defaultUrl": STR,
    "defaultBanner": {"liveCampaignCount": INT, "totalRewardCount": INT},
    "campaigns": [CAMPAIGN],
}
REQUIRED = {"campaign": ("campaignId", "url", "type", "status"), "model": ("defaultUrl",)}
# The reward webhook payload (spec section 9) as a partner's typed model reads it.
REWARD_WEBHOOK = {
    "campaignId": STR,
    "type": STR,
    "userId": STR,
    "rewardId": STR,
    "rewardType": STR,
    "status": STR,
    "transactionId": STR,
    "rewardName": STR,
    "rewardAmount": INT,
    "rewardExpiry": INT,
    "code": STR,
    "details": {},
}


def decode(model, value, where: str = "$") -> None:
    """Raise AssertionError naming the path where `value` does not fit `model`."""
    if value is None:
        return
    if isinstance(model, dict):
        assert isinstance(value, dict), f"{where}: an object expected, got {value!r}"
        for key, field in model.items():
            decode(field, value.get(key), f"{where}.{key}")
    elif isinstance(model, list):
        assert isinstance(value, list), f"{where}: an array expected, got {value!r}"
        for i, item in enumerate(value):
            decode(model[0], item, f"{where}[{i}]")
    elif model == STR:
        assert isinstance(value, str | int | float | bool), f"{where}: String from {value!r}"
    elif model == INT:
        whole = isinstance(value, int) and not isinstance(value, bool)
        assert whole or (isinstance(value, str) and value.lstrip("-").isdigit()), (
            f"{where}: int from {value!r}"
        )
    elif model == BOOL:
        assert isinstance(value, bool) or value in ("true", "false"), f"{where}: Boolean"


def decode_campaigns(body: dict) -> None:
    """Decode a load-campaigns answer as Android's RewardModel and iOS's strict keys do."""
    decode(REWARD_MODEL, body)
    for key in REQUIRED["model"]:
        assert isinstance(body.get(key), str), f"$.{key} is required by iOS"
    for i, c in enumerate(body["campaigns"]):
        for key in REQUIRED["campaign"]:
            assert isinstance(c.get(key), str) and c[key] != "", f"$.campaigns[{i}].{key}"


# The Android SDK's SSE model (spec section 8): every value a string, heights and opacity too.
SSE_NUDGE = {
    "data": {
        k: STR
        for k in (
            "nudgeId",
            "clickAction",
            "notificationType",
            "pageType",
            "absoluteHeight",
            "relativeHeight",
            "campaignId",
            "opacity",
            "title",
            "body",
        )
    }
}
STRICT_STRINGS = ("absoluteHeight", "relativeHeight", "opacity")


def decode_sse(frame_data: dict) -> None:
    """Decode an SSE frame's data as the Android model does; heights and opacity must be text."""
    decode(SSE_NUDGE, frame_data)
    for key in STRICT_STRINGS:
        assert isinstance(frame_data["data"][key], str), f"$.data.{key} must be a string"
    float(frame_data["data"]["relativeHeight"])  # the SDK parses it as a number
