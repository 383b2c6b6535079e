"""Masking of secrets for display: the one place every view of stored data goes through.

A value is masked (its prefix, length and fingerprint, never the whole) when it sits
under a secret-looking name, in a header, a query parameter, a form field or a JSON key
at any depth; and, wherever it appears, when it equals a secret the sandbox knows (every
tenant's writeKey and secrets, the admin token) or looks like a JWT (a user token).
"""

import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Header names that carry credentials, besides any name holding a SECRET_WORDS word.
SECRET_HEADERS = {"authorization", "proxy-authorization", "x-glu-auth", "cookie", "set-cookie"}
# A name is secret when, lower-cased without "-", "_", "." and spaces, it holds one of these
# (writeKey, x-api-key, access_token, jwtSecret, Password, firebaseToken, privateKey...).
SECRET_WORDS = ("token", "secret", "password", "passwd", "apikey", "writekey", "privatekey")
SECRET_WORDS += ("credential", "authorization", "cookie", "session")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_SCHEMES = ("bearer", "basic", "token")
_SHORTEST_KNOWN = 8  # a known secret shorter than this would mask ordinary words


def fingerprint(secret: str) -> str:
    """Return a short, stable fingerprint of a secret (first 8 hex of its SHA-256)."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:8]


def mask(secret) -> str | None:
    """Return a secret as prefix, length and fingerprint; never the whole value."""
    if secret is None:
        return None
    secret = str(secret)
    if not secret:
        return "(empty)"
    shown = secret[:4] if len(secret) >= 12 else secret[:1]
    return f"{shown}… ({len(secret)} chars, sha256:{fingerprint(secret)})"


def secret_name(name) -> bool:
    """Return whether a header, parameter or JSON key name says its value is a secret."""
    name = name if isinstance(name, str) else str(name)
    # Only short names are cached: a body's keys may be megabytes long.
    return _secret_name(name) if len(name) <= 64 else _secret_name.__wrapped__(name)


# Names repeat (every explained 401 carries the same check keys): the verdict is kept per
# name, in a bounded cache since names also come from callers' bodies.
@functools.lru_cache(maxsize=4096)
def _secret_name(name: str) -> bool:
    squashed = re.sub(r"[-_. ]", "", name.lower())
    return squashed in SECRET_HEADERS or any(word in squashed for word in SECRET_WORDS)


class Masker:
    """Masks what one view shows, knowing the secrets of this sandbox."""

    def __init__(self, known: Iterable[str] = ()):
        # Longest first: a secret that contains another is replaced whole.
        found = {str(s) for s in known if s and len(str(s)) >= _SHORTEST_KNOWN}
        self.known = sorted(found, key=len, reverse=True)
        # One pattern for every known secret and any JWT: one scan of each text (on the
        # path of every explained 401, where a scan per secret cost a measurable share).
        alternatives = [*(re.escape(s) for s in self.known), _JWT.pattern]
        self._secrets = re.compile("|".join(alternatives))

    def text(self, text: str) -> str:
        """Return free text with every known secret and every JWT in it masked."""
        return self._secrets.sub(lambda m: mask(m.group(0)), text)

    def finds(self, text: str) -> bool:
        """Return whether `text` holds a known secret or a JWT."""
        return self._secrets.search(text) is not None

    def value(self, name, value):
        """Return a value shown under `name`: masked whole under a secret name."""
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            if secret_name(name):
                return mask(value)
        return self.json(value)

    def json(self, data):
        """Return parsed JSON with secrets masked at any depth (keys, arrays, strings)."""
        if isinstance(data, dict):
            return {k: self.value(k, v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.json(v) for v in data]
        return self.text(data) if isinstance(data, str) else data

    def header(self, name: str, value: str) -> str:
        """Return a header value, masked when it carries a credential (keeping the scheme)."""
        if not secret_name(name):
            return self.text(value)
        scheme, sep, rest = value.partition(" ")
        if sep and scheme.lower() in _SCHEMES:
            return f"{scheme} {mask(rest)}"
        return mask(value)

    def headers(self, headers: dict | None) -> dict:
        """Return headers with credentials masked."""
        return {k: self.header(k, v) for k, v in (headers or {}).items()}

    def path(self, path: str) -> str:
        """Return a request path with every known secret and JWT in it masked.

        Some routes carry a credential in the path itself (/entrypoints/v2/list/<writeKey>).
        """
        return self.text(path)

    def url(self, url: str) -> str:
        """Return a URL with its userinfo, secret-looking query values and known secrets masked."""
        return self.text(mask_url(url))

    def query(self, query: str) -> str:
        """Return a query string (or form body) with secret parameters masked."""
        pairs = parse_qsl(query, keep_blank_values=True)
        return urlencode([(k, self.value(k, v)) for k, v in pairs])

    def body(self, text: str, content_type: str | None) -> str:
        """Return a stored body's text with secrets masked, by its content type."""
        kind = (content_type or "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            return self.query(text)
        try:
            data = json.loads(text)
            masked = self.json(data)
        except (ValueError, RecursionError):  # not JSON, or nested past any we accept
            return self.text(text)
        if masked == data:
            return text  # nothing secret: the body exactly as it arrived
        # ensure_ascii: a lone surrogate a body may hold stays an escape, not a character.
        return json.dumps(masked, ensure_ascii=True)


def mask_url(url):
    """Return a URL with its userinfo (user:password@) and secret-looking query values masked."""
    if not isinstance(url, str) or not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL at all: shown as text
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{mask(userinfo)}@{host}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, mask(v) if secret_name(k) else v) for k, v in pairs])
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """Return a value safe to put in a CSV cell a spreadsheet opens: a formula stays text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class SecretFilter(logging.Filter):
    """A log handler filter that masks secrets in every line (and traceback) it passes on.

    gunicorn's own lines can quote a request's path and query string; ours name paths.
    The masker is fetched again every few seconds, so new tenants' secrets are known.
    """

    def __init__(self, masker: Callable[[], "Masker"], every: float = 5.0):
        super().__init__()
        self._source, self._every = masker, every
        self._masker, self._at = Masker(), -every

    def _current(self) -> "Masker":
        now = time.monotonic()  # when to refresh; not a domain time read
        if now - self._at >= self._every:
            try:
                self._masker, self._at = self._source(), now
            except Exception:  # the store may be unreachable: keep the masker we have
                self._at = now
        return self._masker

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record's message and traceback in place; never drop a record."""
        masker = self._current()
        message = record.getMessage()
        masked = masker.text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = masker.text(logging.Formatter().formatException(record.exc_info))
        return True
