"""A partner's backend code, as it would call CustomerGlu: the code these example tests test.

It sends a purchase as an event (the order id as the event id, so a retry is never counted
twice) and retries what the service may answer under load (429, 502, 503) with backoff,
waiting at least what Retry-After asks.
"""

import time

import requests

RETRIED = {429, 500, 502, 503, 504}


class CustomerGlu:
    """The partner's client of the CustomerGlu events API."""

    def __init__(self, base_url: str, write_key: str, tries: int = 4, backoff: float = 0.2):
        self.base_url, self.write_key = base_url.rstrip("/"), write_key
        self.tries, self.backoff = tries, backoff

    def purchase(self, user_id: str, order_id: str, amount: int) -> requests.Response:
        """Report a completed purchase; return the final answer."""
        event = {
            "event_id": f"order-{order_id}",  # the same id on every try
            "event_name": "completePurchase",
            "user_id": user_id,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "event_properties": {"amount": amount, "orderId": order_id},
        }
        for attempt in range(self.tries):
            answer = requests.post(
                f"{self.base_url}/server/v4",
                json=event,
                headers={"x-api-key": self.write_key},
                timeout=10,
            )
            if answer.status_code not in RETRIED or attempt == self.tries - 1:
                return answer
            asked = float(answer.headers.get("Retry-After") or 0)
            time.sleep(max(asked, self.backoff * 2**attempt))
        return answer
