"""Build the Postman collection and environment (postman/*.json).

Folder 0 is made from the sandbox's route declarations (from_openapi.py); the folders after
it walk the integration steps as a partner would, with the chained token and the checks of
each answer's meaning (steps_ui_events.py, steps_nudges_admin.py, auth_failures.py).

Run `python postman/build_collection.py` after changing it; tests/test_postman.py fails when the
committed JSON files differ from what this script writes.
"""

import json
from pathlib import Path

from auth_failures import auth_failures
from from_openapi import every_route
from items import DEMO_KEY, VIP_CAMPAIGN
from steps_nudges_admin import admin, nudges, segments_and_links
from steps_ui_events import events, load_ui

HERE = Path(__file__).resolve().parent
COLLECTION = HERE / "customerglu-sandbox.postman_collection.json"
ENVIRONMENT = HERE / "localhost.postman_environment.json"


def collection() -> dict:
    """Return the whole Postman collection (v2.1)."""
    return {
        "info": {
            "_postman_id": "6f1d2c3b-4a5e-4f60-9a7b-8c9d0e1f2a3b",
            "name": "CustomerGlu sandbox",
            "description": "Runs green against a CustomerGlu sandbox: the integration steps in "
            "order, then the admin journal and every explained 401. Set "
            "baseUrl, writeKey and adminToken in the environment.",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": [
            every_route(),
            load_ui(),
            events(),
            nudges(),
            segments_and_links(),
            admin(),
            auth_failures(),
        ],
        "variable": [
            {"key": k, "value": v}
            for k, v in (
                ("userId", ""),
                ("token", ""),
                ("clientId", ""),
                ("campaignId", ""),
                ("campaignIds", ""),
                ("entrypointId", ""),
                ("eventId", ""),
                ("eventRequestId", ""),
                ("nudgeId", ""),
                ("segmentCampaignId", VIP_CAMPAIGN),
                ("assetTenant", ""),
                ("assetDigest", ""),
                ("journalRequestId", ""),
            )
        ],
    }


def environment() -> dict:
    """Return the environment for a sandbox on localhost:8080 with the demo tenant."""
    return {
        "id": "0b7d3c2a-1e4f-4a5b-8c6d-7e8f9a0b1c2d",
        "name": "CustomerGlu sandbox (localhost)",
        "values": [
            {
                "key": "baseUrl",
                "value": "http://localhost:8080",
                "type": "default",
                "enabled": True,
            },
            {"key": "writeKey", "value": DEMO_KEY, "type": "default", "enabled": True},
            {"key": "adminToken", "value": "", "type": "secret", "enabled": True},
        ],
        "_postman_variable_scope": "environment",
    }


def render(data: dict) -> str:
    """Return the JSON text written for `data` (stable, for diffs and the sync test)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    COLLECTION.write_text(render(collection()))
    ENVIRONMENT.write_text(render(environment()))
    print(f"wrote {COLLECTION.name} and {ENVIRONMENT.name}")
