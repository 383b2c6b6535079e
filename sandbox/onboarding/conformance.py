"""The receiver conformance kit: what the partner's webhook receiver does against what it should.

Cases: a correctly signed delivery (accepted), a forged signature (rejected), a stale
timestamp (rejected; Standard Webhooks only: X-CG-SIGNATURE has no time in it), the same
rewardId twice (acknowledged without a second credit), deliveries out of order (both
accepted), an answer slower than the timeout (the retry is acknowledged without a second
credit). A repeat is judged by the receiver's answer: a 409, or a 2xx whose JSON says
`"duplicate": true` or `"credited": false` (README, "Receiver conformance kit").

When the receiver rejects the correctly signed delivery, labelled variants find what it
verifies instead: a body re-serialised with spaces or with non-ASCII escaped, the writeKey
as the secret, a base64 or a SHA-256 digest, and (Standard Webhooks) a skewed timestamp.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time

from ..outgoing import delivery_settings, send, signing

STALE_SECONDS = 600


def _payload(user: str, reward_id: str) -> dict:
    return {
        "campaignId": "sandbox-conformance",
        "type": "scratchcard",
        "userId": user,
        "rewardId": reward_id,
        "rewardType": "coins",
        "status": "redeemable-unseen",
        "transactionId": base64.urlsafe_b64encode(secrets.token_bytes(9)).decode(),
        "rewardName": "Zoë's 200 Coins",  # non-ASCII: a verifier that escapes it shows here
        "rewardAmount": 200,
        "rewardExpiry": -1,
        "code": "",
        "details": {"conformance": True},
    }


class Kit:
    """One run against one URL with the tenant's secret and settings."""

    def __init__(self, tenant: dict, url: str, now: float):
        self.tenant, self.url, self.now = tenant, url, now
        self.s = delivery_settings.of(tenant)
        self.session = send.session()

    def post(self, payload: dict, body: bytes | None = None, sign=None, read=None, stamp=None):
        """Send a delivery; `sign(body) -> headers` replaces the right signature."""
        body = body if body is not None else signing.body_bytes(payload)
        secret = self.tenant["webhook_secret"]
        msg_id = "dlv_kit_" + secrets.token_hex(6)
        headers = {"Content-Type": "application/json", "X-CG-Delivery-Id": msg_id}
        if sign is None:
            headers[signing.SIGNATURE_HEADER] = signing.cg_signature(secret, body)
            if self.s["standardWebhooks"]:
                headers.update(
                    signing.standard_headers(secret, msg_id, int(stamp or self.now), body)
                )
        else:
            headers.update(sign(body, msg_id))
        return send.post(
            self.session,
            self.url,
            body,
            headers,
            self.s["connectTimeout"],
            read if read is not None else self.s["readTimeout"],
        )


def _answer(out) -> dict:
    try:
        parsed = json.loads(out.body) if out.body else None
    except ValueError:
        parsed = None
    return {
        "status": out.status,
        "error": out.summary if not out.ok and out.error_class != "http_status" else None,
        "json": parsed if isinstance(parsed, dict) else None,
    }


def _repeat_ok(out) -> bool:
    """A repeat acknowledged without a second credit: 409, or 2xx saying it is a duplicate."""
    if out.status == 409:
        return True
    got = _answer(out)["json"] or {}
    return out.ok and (got.get("duplicate") is True or got.get("credited") is False)


def _case(name, expected, passed, got, note=None) -> dict:
    return {"case": name, "expected": expected, "passed": passed, "got": got, "note": note}


def run(tenant: dict, url: str, now: float) -> list[dict]:
    """Run every case against `url`; return one result per case (and a diagnosis if needed)."""
    kit = Kit(tenant, url, now)
    results = []
    user = "conformance-user"
    first = kit.post(_payload(user, "rwd_kit_" + secrets.token_hex(6)))
    results.append(_case("signed", "2xx", first.ok, _answer(first)))
    if not first.ok:
        results[-1]["note"] = diagnose(kit, user)

    def forged(body, msg_id):
        return {signing.SIGNATURE_HEADER: "0" * 40}

    out = kit.post(_payload(user, "rwd_kit_" + secrets.token_hex(6)), sign=forged)
    results.append(
        _case(
            "forged_signature",
            "4xx",
            400 <= (out.status or 0) < 500,
            _answer(out),
            None
            if not out.ok
            else "the receiver skips signature checks: anyone who knows its URL can credit rewards",
        )
    )
    if kit.s["standardWebhooks"]:
        out = kit.post(_payload(user, "rwd_kit_" + secrets.token_hex(6)), stamp=now - STALE_SECONDS)
        results.append(
            _case(
                "stale_timestamp",
                "4xx",
                400 <= (out.status or 0) < 500,
                _answer(out),
                None
                if not out.ok
                else f"a delivery {STALE_SECONDS} s old was accepted: replays pass",
            )
        )
    else:
        results.append(
            _case(
                "stale_timestamp",
                "4xx (Standard Webhooks only)",
                True,
                None,
                "skipped: X-CG-SIGNATURE carries no time; enable "
                "delivery.standardWebhooks to check replay protection",
            )
        )
    repeated = _payload(user, "rwd_kit_" + secrets.token_hex(6))
    once, twice = kit.post(repeated), kit.post(repeated)
    results.append(
        _case(
            "duplicate_reward",
            "2xx, then 409 or 2xx {duplicate: true}",
            once.ok and _repeat_ok(twice),
            {"first": _answer(once), "second": _answer(twice)},
            None
            if _repeat_ok(twice)
            else "the same rewardId was credited twice: dedupe on rewardId",
        )
    )
    later, earlier = (
        _payload(user, "rwd_kit_b" + secrets.token_hex(5)),
        _payload(user, "rwd_kit_a" + secrets.token_hex(5)),
    )
    a, b = kit.post(later), kit.post(earlier)
    results.append(
        _case(
            "out_of_order",
            "2xx for both",
            a.ok and b.ok,
            {"later_first": _answer(a), "earlier_second": _answer(b)},
        )
    )
    slow = _payload(user, "rwd_kit_" + secrets.token_hex(6))
    cut = kit.post(slow, read=0.001)  # the sandbox gives up at once: the receiver goes on
    time.sleep(0.2)
    retry = kit.post(slow)
    passed = retry.ok or retry.status == 409  # acknowledged, as new or as a repeat
    results.append(
        _case(
            "slow_answer_retried",
            "the retry acknowledged",
            passed,
            {"first": _answer(cut), "retry": _answer(retry)},
            "the first try timed out on purpose; the retry carries the same rewardId"
            if cut.error_class == "timeout"
            else None,
        )
    )
    kit.session.close()
    return results


VARIANTS = (
    (
        "spaces",
        "your receiver verifies the body re-serialised with spaces "
        "(JSON.stringify with spacing, json.dumps without separators): sign and verify "
        "the raw body bytes",
    ),
    (
        "ascii_escaped",
        "your receiver verifies the body re-serialised with non-ASCII escaped "
        "(json.dumps default ensure_ascii=True): verify the raw bytes",
    ),
    (
        "writekey",
        "your receiver uses the writeKey as the secret: use the webhook secret "
        "(`tenants show --reveal`)",
    ),
    ("base64", "your receiver compares a base64 digest: X-CG-SIGNATURE is hex"),
    ("sha256", "your receiver computes HMAC-SHA256: X-CG-SIGNATURE is HMAC-SHA1"),
)


def diagnose(kit: Kit, user: str) -> str:
    """Send labelled variants of a right signature; say which one the receiver accepts."""
    secret, key = kit.tenant["webhook_secret"], kit.tenant["write_key"]
    for label, meaning in VARIANTS:
        payload = _payload(user, "rwd_kit_d" + secrets.token_hex(5))
        body = signing.body_bytes(payload)
        if label == "spaces":
            signed = json.dumps(payload, ensure_ascii=False).encode()
        elif label == "ascii_escaped":
            signed = json.dumps(payload, separators=(",", ":")).encode()
        else:
            signed = body
        if label == "writekey":
            digest = hmac.new(key.encode(), signed, hashlib.sha1).hexdigest()
        elif label == "base64":
            digest = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha1).digest())
            digest = digest.decode()
        elif label == "sha256":
            digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        else:
            digest = hmac.new(secret.encode(), signed, hashlib.sha1).hexdigest()

        def sign(_body, _msg_id, digest=digest):
            return {signing.SIGNATURE_HEADER: digest}

        if kit.post(payload, body=body, sign=sign).ok:
            return f"accepted the '{label}' variant: {meaning}"
    if kit.s["standardWebhooks"]:
        for skew in (-300, 300, -3600, 3600):
            payload = _payload(user, "rwd_kit_t" + secrets.token_hex(5))
            if kit.post(payload, stamp=kit.now + skew).ok:
                return (
                    f"accepted a webhook-timestamp {abs(skew)} s in the "
                    f"{'past' if skew < 0 else 'future'}: the receiver's clock is off by about "
                    "that much (sync it with NTP), or it checks the wrong unit"
                )
    return (
        "no variant was accepted either: check that the receiver answers 2xx at all, and "
        "that it reads X-CG-SIGNATURE (header names are case-insensitive)"
    )
