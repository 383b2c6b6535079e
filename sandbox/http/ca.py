"""The sandbox's own certificate authority, made on first use in <data dir>/tls/.

A device that trusts this CA reaches the sandbox over TLS under every CustomerGlu host name
(hosts.py) and the names the sandbox is reached by. The CA's private key stays in the data dir
(mode 0600) and is never served; the leaf is valid 397 days (iOS refuses longer) and is made
again when it nears its end or the names change. `cryptography` does the X.509 work.
"""

import base64
import datetime
import hashlib
import ipaddress
import os
import ssl
import uuid
from pathlib import Path

from .. import hosts

TLS_DIR = "tls"
CA_DAYS = 3650
LEAF_DAYS = 397  # iOS and macOS refuse a leaf valid longer than 398 days
RENEW_DAYS = 30
BASE_NAMES = ("localhost", "127.0.0.1", "::1")


def names(extra=()) -> list[str]:
    """Return the names the leaf certifies: every CustomerGlu host, localhost, and `extra`."""
    found = [*hosts.names(), *BASE_NAMES]
    for name in extra:
        if name and name not in found and name not in ("0.0.0.0", "::"):
            found.append(name)
    return found


def ensure(data_dir: str, extra=()) -> Path:
    """Make the CA and the leaf if they are missing, near their end or for other names;
    return the folder (ca.pem, leaf.pem, leaf.key). Safe for several processes at once.

    Only the server's start (and a rotation) calls this: it knows the names to certify.
    """
    return _locked(data_dir, names(extra))


def ensure_ca(data_dir: str) -> Path:
    """Make the CA if it is missing or near its end, and leave the leaf alone; the folder."""
    return _locked(data_dir, None)


def _locked(data_dir: str, wanted: list[str] | None) -> Path:
    folder = Path(data_dir) / TLS_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    with open(folder / ".lock", "a") as lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:  # Windows: one process serves there
            pass
        if not (folder / "ca.pem").exists() or _ending(folder / "ca.pem"):
            _make_ca(folder)
        if wanted is not None and _leaf_stale(folder, wanted):
            _make_leaf(folder, wanted)
    return folder


def stored_names(data_dir: str) -> list[str]:
    """Return the names the current leaf certifies (what the server's start asked for)."""
    listed = Path(data_dir) / TLS_DIR / "leaf.names"
    return listed.read_text().split() if listed.exists() else names()


def rotate(data_dir: str, extra=()) -> Path:
    """Make a new CA and leaf (devices must trust the new CA); return the folder."""
    folder = Path(data_dir) / TLS_DIR
    for name in ("ca.pem", "ca.key", "leaf.pem", "leaf.key", "leaf.names"):
        (folder / name).unlink(missing_ok=True)
    return ensure(data_dir, extra)


def leaf_mtime(data_dir: str) -> float | None:
    """Return when the leaf was last written (a rotation changes it), or None."""
    try:
        return (Path(data_dir) / TLS_DIR / "leaf.pem").stat().st_mtime
    except OSError:
        return None


def ca_pem(data_dir: str) -> bytes:
    """Return the CA certificate (PEM), made first if need be (the leaf is not touched)."""
    return (ensure_ca(data_dir) / "ca.pem").read_bytes()


def ca_der(data_dir: str) -> bytes:
    """Return the CA certificate in DER (what Android's and Windows' installers take)."""
    return ssl.PEM_cert_to_DER_cert(ca_pem(data_dir).decode())


def fingerprint(data_dir: str) -> str:
    """Return the CA's SHA-256 fingerprint (to compare with what a device shows)."""
    return _fingerprint_of(ca_der(data_dir))


def _fingerprint_of(der: bytes) -> str:
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def mobileconfig(data_dir: str) -> bytes:
    """Return an iOS/macOS configuration profile that installs the CA (then trust it in
    Settings > General > About > Certificate Trust Settings)."""
    raw = ca_der(data_dir)
    der, seed = base64.b64encode(raw).decode(), _fingerprint_of(raw)
    profile_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "cglu-sandbox-profile:" + seed)).upper()
    cert_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "cglu-sandbox-ca:" + seed)).upper()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>PayloadContent</key>
  <array>
    <dict>
      <key>PayloadCertificateFileName</key><string>customerglu-sandbox-ca.cer</string>
      <key>PayloadContent</key><data>{der}</data>
      <key>PayloadDisplayName</key><string>CustomerGlu sandbox CA</string>
      <key>PayloadIdentifier</key><string>local.customerglu-sandbox.ca</string>
      <key>PayloadType</key><string>com.apple.security.root</string>
      <key>PayloadUUID</key><string>{cert_id}</string>
      <key>PayloadVersion</key><integer>1</integer>
    </dict>
  </array>
  <key>PayloadDisplayName</key><string>CustomerGlu sandbox</string>
  <key>PayloadIdentifier</key><string>local.customerglu-sandbox</string>
  <key>PayloadType</key><string>Configuration</string>
  <key>PayloadUUID</key><string>{profile_id}</string>
  <key>PayloadVersion</key><integer>1</integer>
</dict>
</plist>
""".encode()


def server_context(data_dir: str, extra=()) -> ssl.SSLContext:
    """Return the TLS server context: the leaf and the CA as its chain, TLS 1.2 or newer."""
    folder = ensure(data_dir, extra)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    context.set_alpn_protocols(["http/1.1"])
    return context


def _now() -> datetime.datetime:
    # Certificates are about real time, not the sandbox's (virtual) clock.
    return datetime.datetime.now(datetime.UTC)


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    tmp.replace(path)


def _ending(path: Path) -> bool:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return cert.not_valid_after_utc - _now() < datetime.timedelta(days=RENEW_DAYS)


def _leaf_stale(folder: Path, wanted: list[str]) -> bool:
    listed = folder / "leaf.names"
    if not (folder / "leaf.pem").exists() or not listed.exists():
        return True
    return listed.read_text().split() != wanted or _ending(folder / "leaf.pem")


def _key():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _make_ca(folder: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = _key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "CustomerGlu sandbox CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "customerglu-sandbox (local)"),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(folder / "ca.key", _pem_key(key), private=True)
    _write(folder / "ca.pem", cert.public_bytes(serialization.Encoding.PEM))
    (folder / "leaf.names").unlink(missing_ok=True)  # a new CA needs a new leaf


def _make_leaf(folder: Path, wanted: list[str]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_cert = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((folder / "ca.key").read_bytes(), None)
    key = _key()
    alt = []
    for name in wanted:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, wanted[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=LEAF_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    chain = cert.public_bytes(serialization.Encoding.PEM) + (folder / "ca.pem").read_bytes()
    _write(folder / "leaf.key", _pem_key(key), private=True)
    _write(folder / "leaf.pem", chain)
    (folder / "leaf.names").write_text("\n".join(wanted) + "\n")
