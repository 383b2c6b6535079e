"""Encrypting to a partner's GPG public key (python-gnupg over the system gpg).

Each call imports the key into a throwaway GNUPGHOME: the sandbox keeps no keyring, and
one partner's key never meets another's.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class GpgError(ValueError):
    """The key cannot be used, or gpg is missing."""


def _gpg(home: str):
    try:
        import gnupg
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise GpgError("python-gnupg is not installed") from exc
    if shutil.which("gpg") is None:
        raise GpgError("the gpg program is not installed (apt-get install -y gnupg)")
    gpg = gnupg.GPG(gnupghome=home)
    gpg.encoding = "utf-8"  # python-gnupg's default, latin-1, cannot encode all text it is given
    return gpg


def fingerprint(armored: str) -> str:
    """Return the fingerprint of an armored public key, or raise GpgError naming why not."""
    if not armored.isascii() or "-----BEGIN PGP PUBLIC KEY BLOCK-----" not in armored:
        raise GpgError(
            "not an armored public key: paste the ASCII block between "
            "-----BEGIN PGP PUBLIC KEY BLOCK----- and its END line (gpg --armor --export)"
        )
    with tempfile.TemporaryDirectory(prefix="cglu-gpg-") as home:
        result = _gpg(home).import_keys(armored)
        if not result.fingerprints:
            raise GpgError("no public key in it: paste the armored block (gpg --armor --export)")
        return result.fingerprints[0]


def encrypt(armored: str, text: str) -> str:
    """Return `text` encrypted (ASCII armor) to the public key `armored`."""
    with tempfile.TemporaryDirectory(prefix="cglu-gpg-") as home:
        gpg = _gpg(home)
        imported = gpg.import_keys(armored)
        if not imported.fingerprints:
            raise GpgError("the stored GPG key could not be imported")
        out = gpg.encrypt(text, imported.fingerprints[0], always_trust=True, armor=True)
        if not out.ok:
            raise GpgError(f"gpg could not encrypt: {out.status}")
        return str(out)


def encrypt_file(armored: str, source: Path, target: Path) -> None:
    """Write `source` encrypted (binary OpenPGP) to the public key `armored` into `target`."""
    with tempfile.TemporaryDirectory(prefix="cglu-gpg-") as home:
        gpg = _gpg(home)
        imported = gpg.import_keys(armored)
        if not imported.fingerprints:
            raise GpgError("the stored GPG key could not be imported")
        with open(source, "rb") as fh:
            out = gpg.encrypt_file(
                fh, imported.fingerprints[0], always_trust=True, armor=False, output=str(target)
            )
        if not out.ok:
            raise GpgError(f"gpg could not encrypt: {out.status}")


# The sandbox's own key: made on first use in <data dir>/gnupg, for partners to encrypt to.
OWN_HOME = "gnupg"
OWN_EMAIL = "sandbox@customerglu-sandbox.local"


def _own(data_dir: str):
    home = Path(data_dir) / OWN_HOME
    home.mkdir(mode=0o700, exist_ok=True)
    os.chmod(home, 0o700)
    gpg = _gpg(str(home))
    if not gpg.list_keys(secret=True):
        spec = gpg.gen_key_input(
            key_type="EDDSA",
            key_curve="ed25519",
            subkey_type="ECDH",
            subkey_curve="cv25519",
            name_real="CustomerGlu sandbox",
            name_email=OWN_EMAIL,
            no_protection=True,  # the data dir is the sandbox's; the key never leaves it
        )
        if not gpg.gen_key(spec).fingerprint:
            raise GpgError("gpg could not make the sandbox's key")
    return gpg


def stop_agent(home: str | Path) -> None:
    """Stop the gpg-agent that gpg started for `home` (it outlives the calls that started it)."""
    gpgconf = shutil.which("gpgconf")
    if gpgconf is None or not Path(home).is_dir():
        return
    try:
        subprocess.run(
            [gpgconf, "--homedir", str(home), "--kill", "gpg-agent"],
            capture_output=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):  # nothing to stop, or gpg gone: no matter
        pass


def own_public_key(data_dir: str) -> tuple[str, str]:
    """Return (fingerprint, armored public key) of the sandbox's own key, made on first use."""
    gpg = _own(data_dir)
    fingerprint = gpg.list_keys(secret=True)[0]["fingerprint"]
    return fingerprint, gpg.export_keys(fingerprint)


def decrypt_own(data_dir: str, message: bytes | str) -> str:
    """Return a message encrypted to the sandbox's key (armored or binary), decrypted as text.

    Raises GpgError when it cannot be decrypted or is not UTF-8 text once decrypted.
    """
    out = _own(data_dir).decrypt(message)
    if not out.ok:
        raise GpgError(
            f"cannot decrypt it with the sandbox's key: {out.status or 'not a GPG message'}"
        )
    try:
        return out.data.decode("utf-8")
    except UnicodeDecodeError:
        raise GpgError("it decrypts, but not to UTF-8 text (a secrets file is JSON)") from None
