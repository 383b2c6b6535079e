"""Schemas of the inspector's routes: cURL, replay, "did you receive it?", the timeline."""

from .schema_kit import BOOL, INT, NSTR, OBJ, STR, obj

ARRAY = {"type": "array"}

INSPECTOR_SCHEMAS = {
    "Curl": obj(
        {
            "curl": STR,
            "corrected": NSTR,
            "fix": STR,
            "bodySize": INT,
            "bodySha256": STR,
            "truncated": BOOL,
        }
    ),
    "Replayed": obj(
        {"replayOf": STR, "requestId": NSTR, "status": INT, "body": STR, "bodySha256": STR}
    ),
    "Received": obj(
        {
            "received": BOOL,
            "answer": STR,
            "events": {
                "type": "array",
                "items": obj({"case": {"enum": ["received", "refused"]}, "refused": ARRAY}),
            },
            "more": {"type": ["object", "null"]},
        }
    ),
    "Onboarding": obj(
        {
            "steps": {"type": "array", "items": obj({"step": INT, "name": STR, "done": BOOL})},
            "businessDays": {"type": ["integer", "null"]},
            "ready": BOOL,
        }
    ),
    "Conformance": obj({"runId": STR, "passed": BOOL, "results": ARRAY}),
    "Timeline": obj({"requestId": STR, "steps": {"type": "array", "items": OBJ}}),
}
