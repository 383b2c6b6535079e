"""Faults on the request path: whose request it is, what its tenant's plan gives it
(domain/faults.py), and the fault made real: a late answer, a refusal with its headers, a
connection reset before the answer, an answer cut short. The Flask hooks and the ingest door
both call these, so a faulted request is journaled as any other (flag `fault`, and the
X-Sandbox-Fault header naming the rule)."""

import time
from urllib.parse import parse_qs

from ..auth import tokens
from ..domain import faults, tenants
from ..errors import ApiError
from .path import Call, Runtime

HEADER = "X-Sandbox-Fault"


def _tenant_of(rt: Runtime, call: Call) -> str | None:
    """Return the tenant the request's credential names (before any check: a fault comes
    first, as the real service's load balancer answers before its auth)."""
    environ = call.environ
    key = environ.get("HTTP_X_API_KEY")
    if not key and environ.get("QUERY_STRING"):
        query = parse_qs(environ["QUERY_STRING"])
        key = next((query[n][0] for n in ("writeKey", "writekey", "x-api-key") if n in query), "")
    if not key and call.body[:1] == b"{" and b"writeKey" in call.body:
        data = call.sent.json()
        key = data.get("writeKey") if isinstance(data, dict) else None
    if isinstance(key, str) and key:
        found = tenants.by_write_key(rt.store, key.strip())
        return found["id"] if found else None
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if auth[:7].lower() == "bearer ":
        token = auth[7:].strip()
        claims = tokens.unverified_claims(token) or {}
        found = tenants.by_id(rt.store, str(claims.get("client", "")))
        # Signed by the tenant's secret: a token that only names a tenant (forged, or another
        # tenant's) must not spend its fault rules nor be journaled under it.
        if found and tokens.signature_valid(token, found["jwt_secret"]):
            return found["id"]
    return None


def before(rt: Runtime, call: Call) -> faults.Fault | None:
    """Apply the fault a request gets before its answer (its latency; its status, raised as
    the ApiError that answers it); return the fault, or None (almost free without plans)."""
    plans = faults.plans(rt.store)
    if not plans:
        return None
    tenant_id = _tenant_of(rt, call)
    if tenant_id is None:
        return None
    method = call.environ.get("REQUEST_METHOD", "GET")
    fault = faults.decide(
        rt.store, plans, rt.config["SEED"], tenant_id, method, call.path, rt.clock.time()
    )
    if fault is None:
        return None
    call.flag("fault", f"fault injected by rule {fault.rule_id}")
    call.note(tenant_id=tenant_id)
    if fault.latency_ms:
        time.sleep(fault.latency_ms / 1000)
    if fault.status is not None:
        raise ApiError(
            fault.status,
            f"Fault injected by the tenant's fault plan (rule {fault.rule_id})",
            "fault_injected",
            "This answer was rehearsed: GET /_sandbox/tenants/<ref>/faults shows the plan, "
            "DELETE removes it.",
            headers={**fault.headers, HEADER: fault.label()},
        )
    return fault


def after(fault: faults.Fault | None, payload: bytes, headers: dict):
    """Return (headers, body iterable) of an answer a reset or a cut makes; None to send it
    as it is. The iterable raises ConnectionResetError: the server drops the connection."""
    if fault is None or not (fault.reset or fault.truncate):
        return None

    def cut():
        if fault.truncate and not fault.reset:
            yield payload[: len(payload) // 2]
        raise ConnectionResetError(104, f"fault injected by rule {fault.rule_id}")

    sent = {**headers, "Content-Length": str(len(payload)), "Connection": "close"}
    return sent, cut()


def label(fault: faults.Fault | None) -> dict:
    """Return the header that names the fault in the journal (none without one)."""
    return {HEADER: fault.label()} if fault is not None else {}
