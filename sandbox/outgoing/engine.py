"""The engine: claim due requests with a lease, attempt each, store the attempt and its decision.

A claim is a lease on the wall clock (a process that dies mid-delivery loses it and
another sends the row again, with the same delivery id); the schedule runs on the
sandbox clock, so the virtual clock moves retries in test mode.
"""

import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ..domain import outbox, tenants
from ..domain.nudges import life
from ..masking import mask
from ..store import CoreWrite, Store, dumps, loads
from . import attempts, coupons, delivery_settings, outbox_rows, schedule, send, signing

# Leases outlive an attempt (connect + read timeouts) by this margin: a row claimed by a
# process that died goes again this soon after its timeouts.
LEASE_MARGIN = 5.0
PARALLEL = 16  # attempts in flight per drain


class Engine:
    """Sends what is due: claim, attempt, record. Any process may run one; leases keep it once."""

    def __init__(self, store: Store, clock, seed: str, owner: str | None = None):
        self.store, self.clock, self.seed = store, clock, seed
        self.pid = os.getpid()
        self.owner = owner or f"{socket.gethostname()}:{self.pid}"
        self._session = None  # made at the first attempt (send.py: requests loads then)
        self._session_lock = threading.Lock()  # the pool's first attempts race to make it
        self._pool = ThreadPoolExecutor(PARALLEL, thread_name_prefix="deliver")

    @property
    def session(self):
        """The pooled HTTP session this engine's attempts share, made on first use."""
        if self._session is None:
            with self._session_lock:
                if self._session is None:
                    self._session = send.session()
        return self._session

    def claim(self, limit: int = 64) -> list[dict]:
        """Lease up to `limit` due rows to this process and return them."""
        now, wall = self.clock.time(), time.time()  # lease: wall time (see module docstring)

        def run(conn):
            rows = outbox_rows.claimable(conn, now, wall, limit)
            leases: dict = {}
            for row in rows:
                if row["tenant_id"] not in leases:
                    leases[row["tenant_id"]] = _lease(conn, row["tenant_id"])
                outbox_rows.lease(conn, row["id"], wall + leases[row["tenant_id"]], self.owner)
            return rows

        return self.store.write(CoreWrite(run))

    def _claimable(self) -> bool:
        """Return True if some row is due and not leased (a read: cheap, no lock)."""
        return outbox_rows.any_claimable(self.store, self.clock.time(), time.time())

    def claim_one(self, delivery_id: str) -> dict | None:
        """Lease one delivery to this process whatever its status (a manual send); its row, or
        None while another process holds it (the delivery loop is sending it)."""
        wall = time.time()

        def run(conn):
            row = outbox_rows.unleased(conn, delivery_id, wall)
            if row is not None:
                outbox_rows.lease(
                    conn, row["id"], wall + _lease(conn, row["tenant_id"]), self.owner
                )
            return row

        return self.store.write(CoreWrite(run))

    def send_now(self, delivery_id: str, trigger: str = "manual", url: str | None = None):
        """Claim and attempt one delivery now; None when another process is sending it."""
        row = self.claim_one(delivery_id)
        return None if row is None else self.attempt(row, trigger=trigger, url=url)

    def release_nudges(self) -> int:
        """Release the delayed nudges that are due (they queue their deliveries); how many."""
        due = life.next_due(self.store)
        now = self.clock.time()
        if due is None or due > now:
            return 0
        return self.store.write(life.release_due(now, self.clock.isoformat(now)))

    def drain(self, rounds: int = 1000) -> int:
        """Attempt everything due now (in parallel), until nothing is due; return how many.

        Delayed nudges that came due are released first: their webhooks go out with the rest.
        """
        done = 0
        self.release_nudges()
        for _ in range(rounds):
            if not self._claimable():
                break  # a read, not a write: an idle loop takes no lock
            rows = self.claim()
            if not rows:
                break
            list(self._pool.map(self.attempt, rows))
            done += len(rows)
        return done

    def due_now(self) -> int:
        """Return how many requests (and delayed nudges) are due now, claimed or not."""
        now = self.clock.time()
        nudge = life.next_due(self.store)
        return outbox_rows.count_due(self.store, now) + (
            1 if nudge is not None and nudge <= now else 0
        )

    def next_due(self) -> float | None:
        """Return when the next request or delayed nudge is due (sandbox clock), or None."""
        first = outbox_rows.earliest_due(self.store)
        times = [t for t in (first, life.next_due(self.store)) if t is not None]
        return min(times) if times else None

    def attempt(self, row: dict, trigger: str = "schedule", url: str | None = None) -> dict:
        """Send one request now and record the attempt; return the attempt as stored."""
        tenant = tenants.fresh(self.store, row["tenant_id"])
        if tenant is None:
            return self._hold(row, "its tenant was deleted")
        s = delivery_settings.of(tenant)
        kind = row["kind"]
        column = outbox.URL_COLUMNS.get(kind)
        target = url or row["url"] or (tenant.get(column) if column else None)
        if not target:
            field = "rewardWebhookUrl" if kind == "reward_webhook" else "nudgeWebhookUrl"
            return self._hold(
                row,
                f"held: {tenant['name']} has no {kind.replace('_', ' ')} URL; set it with "
                f'PATCH /_sandbox/tenants/<ref> {{"{field}": "https://..."}} and it is sent',
            )
        if trigger == "schedule" and not url and kind in s["disabled"]:
            return self._hold(
                row,
                f"held: the {kind.replace('_', ' ')} endpoint was disabled by a 410 at "
                f"{s['disabled'][kind].get('at')}; set its URL again to re-enable it",
            )
        now = self.clock.time()
        payload = loads(row["payload"], {})
        body = signing.body_bytes(payload)
        tried = row["attempts"] + 1
        headers = {
            "Content-Type": "application/json",
            "X-CG-Delivery-Id": row["delivery_id"],
            "X-CG-Attempt": str(tried),
            signing.SIGNATURE_HEADER: signing.cg_signature(tenant["webhook_secret"], body),
        }
        if s["standardWebhooks"]:
            headers.update(
                signing.standard_headers(
                    tenant["webhook_secret"], row["delivery_id"], int(now), body
                )
            )
        if kind == "coupon_request":
            headers["Idempotency-Key"] = payload.get("transactionId", row["delivery_id"])
        # Kept before it is sent: after a crash mid-send the record shows this attempt as
        # interrupted, and the resend carries the next attempt number.
        started = {
            "delivery_id": row["delivery_id"],
            "tenant_id": row["tenant_id"],
            "n": tried,
            "trigger": trigger,
            "at": self.clock.isoformat(now),
            "url": target,
            "request_headers": dumps(_shown(headers)),
            "request_body": body.decode(errors="replace"),
        }
        attempt_id = self.store.write(attempts.start(row, started))
        out = send.post(self.session, target, body, headers, s["connectTimeout"], s["readTimeout"])
        code = None
        if kind == "coupon_request" and out.ok:
            code, problem = coupons.code_of(out.body, coupons.path_of(self.store, row))
            if code is None:
                out.ok, out.error_class, out.error = False, "no_code", problem
        wait = schedule.wait_after(s, tried, self.seed, row["tenant_id"], row["delivery_id"])
        status, next_at, why = self._decide(row, s, tried, out, now, wait, trigger)
        warning = send.internal_address(target)
        if warning:
            why = f"{why} ({warning})"
        attempt = {
            **started,
            "duration_ms": out.duration_ms,
            "response_status": out.status,
            "response_headers": dumps(out.headers),
            "response_body": out.body.decode(errors="replace"),
            "error_class": out.error_class,
            "error": out.error,
            "decision": why,
            "next_at": self.clock.isoformat(next_at) if next_at else None,
        }
        self.store.write(attempts.finish(attempt_id, row, attempt, status, next_at, out, code))
        return attempt

    def _decide(self, row, s, tried, out, now, wait, trigger):
        if trigger == "schedule":
            return schedule.decide(s, tried, out, now, wait)
        label = "end-of-day retry" if trigger == "end_of_day" else "manual resend"
        if out.ok:
            return "delivered", None, f"delivered by the {label}: {out.summary}"
        if out.status == 410:
            return "disabled", None, f"{label}: 410 Gone disables the endpoint"
        keep = row["status"] if row["status"] in ("retrying", "queued") else "failed"
        return keep, row["next_at"], f"{label} failed ({out.summary}); still {keep}"

    def _hold(self, row: dict, why: str) -> dict:
        now = self.clock.isoformat()
        self.store.write(CoreWrite(lambda conn: outbox_rows.hold(conn, row["id"], why, now)))
        return {"delivery_id": row["delivery_id"], "decision": why}

    def close(self) -> None:
        """Stop the attempt pool and the session."""
        self._pool.shutdown(wait=False)
        if self._session is not None:
            self._session.close()


def _lease(conn, tenant_id: str) -> float:
    """Return how long a claim of this tenant's rows lasts, read on the claim's transaction."""
    s = delivery_settings.from_stored(tenants.stored_delivery(conn, tenant_id))
    return s["connectTimeout"] + s["readTimeout"] + LEASE_MARGIN


def _shown(headers: dict) -> dict:
    """Return request headers as an attempt keeps them (nothing secret is sent, but be sure)."""
    return {k: (mask(v) if k.lower() == "authorization" else v) for k, v in headers.items()}
