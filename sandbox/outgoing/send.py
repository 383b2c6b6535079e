"""One HTTP attempt, through a pooled requests.Session, classified when it fails.

requests (with urllib3, charset_normalizer, idna, http.client) is imported by the first
session, not with this module: it is ~5 MB a process, and a sandbox that sends no webhook
or coupon request never needs it (every gunicorn worker imports this module).
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import requests

BODY_KEPT = 16_384  # what an attempt keeps of a response body
USER_AGENT = "CustomerGlu-Sandbox-Webhooks/1"


@dataclass
class Outcome:
    """How one attempt ended: an HTTP answer or an error below HTTP, in words."""

    ok: bool
    status: int | None = None
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    error_class: str | None = None  # dns, refused, timeout, tls, connection, bad_url, http_status
    error: str | None = None
    duration_ms: float = 0.0

    @property
    def summary(self) -> str:
        """The outcome in a few words: "HTTP 500", "timeout: ...", "refused: ..."."""
        if self.error_class and self.error_class != "http_status":
            return f"{self.error_class}: {self.error}"
        if self.status is not None and 300 <= self.status < 400:
            return f"HTTP {self.status}: a 3xx is a failure (redirects are not followed)"
        return f"HTTP {self.status}" + (f": {self.error}" if self.error else "")


# The sandbox's own receiver (/_sandbox/hooks/<name>) is on this machine by design.
_OWN_RECEIVER = "/_sandbox/hooks/"


@functools.lru_cache(maxsize=256)
def _addresses(host: str) -> tuple:
    try:
        return tuple({info[4][0] for info in socket.getaddrinfo(host, None)})
    except (OSError, UnicodeError):
        return ()


def internal_address(url) -> str | None:
    """Return a warning when a delivery URL reaches this machine or a private network.

    Such a target answers from inside the sandbox's network, and its answer is kept where
    the tenant's viewer reads it: allowed (a partner's local receiver), but said.
    """
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if not host:
        return None
    for address in _addresses(host):
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            continue
        if ip.is_loopback and parts.path.startswith(_OWN_RECEIVER):
            return None  # the sandbox's own receiver, as documented
        kind = (
            "loopback"
            if ip.is_loopback
            else "link-local"
            if ip.is_link_local
            else "private"
            if ip.is_private
            else None
        )
        if kind:
            return (
                f"warning: {host} resolves to {ip} ({kind}): the request reaches a service "
                "inside the sandbox's network, and its answer is kept where this tenant's "
                "viewer can read it"
            )
    return None


def session() -> requests.Session:
    """Return a pooled session for deliveries (connections kept per host)."""
    import requests

    s = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=32, pool_maxsize=64, max_retries=0)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.headers["User-Agent"] = USER_AGENT
    return s


def _cause(exc: BaseException) -> BaseException:
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__
    return exc


def _classify(exc: requests.RequestException, connect: float, read: float) -> tuple[str, str]:
    import requests
    from urllib3.exceptions import NameResolutionError, ProtocolError, ReadTimeoutError

    text = " ".join(str(a) for a in exc.args)[:300]
    root = _cause(exc)
    if isinstance(exc, requests.ConnectTimeout):
        return "timeout", f"no connection within {connect:g} s"
    if isinstance(exc, requests.ReadTimeout) or isinstance(root, ReadTimeoutError | TimeoutError):
        return "timeout", f"no answer within {read:g} s"
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls", text
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "bad_url", text
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return "bad_url", text
    if (
        isinstance(root, socket.gaierror)
        or "NameResolution" in text
        or isinstance(root, NameResolutionError)
    ):
        return "dns", "the host name does not resolve"
    if isinstance(root, ConnectionRefusedError) or "Connection refused" in text:
        return "refused", "connection refused (nothing listens there)"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or isinstance(root, ProtocolError):
        return "connection", "the connection closed before the answer was complete"
    return "connection", text or type(root).__name__


def post(s: requests.Session, url: str, body: bytes, headers: dict, connect: float, read: float):
    """POST `body` to `url` once (no redirect followed); return its Outcome."""
    import requests  # loaded already: `s` is one of its sessions

    t0 = time.perf_counter()
    try:
        with s.post(
            url,
            data=body,
            headers=headers,
            timeout=(connect, read),
            allow_redirects=False,
            stream=True,
        ) as r:
            kept = bytearray()
            for chunk in r.iter_content(8192):
                kept += chunk[: BODY_KEPT - len(kept)]
                if len(kept) >= BODY_KEPT:
                    break
            out = Outcome(200 <= r.status_code < 300, r.status_code, dict(r.headers), bytes(kept))
            if not out.ok:
                out.error_class = "http_status"
    except requests.RequestException as exc:
        kind, text = _classify(exc, connect, read)
        out = Outcome(False, error_class=kind, error=text)
    except (ValueError, OSError) as exc:  # a URL requests cannot even parse; a socket error
        out = Outcome(
            False,
            error_class="bad_url" if isinstance(exc, ValueError) else "connection",
            error=str(exc)[:300],
        )
    out.duration_ms = round((time.perf_counter() - t0) * 1000, 3)
    return out
