"""Encrypting to a partner's GPG public key (python-gnupg over the system gpg).

Each call imports the key into a throwaway GNUPGHOME: the sandbox keeps no keyring, and
one partner's key never meets another's.
"""

import shutil
import tempfile


class GpgError(ValueError):
    """The key cannot be used, or gpg is missing."""


def _gpg(home: str):
    try:
        import gnupg
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise GpgError("python-gnupg is not installed") from exc
    if shutil.which("gpg") is None:
        raise GpgError("the gpg program is not installed (apt-get install -y gnupg)")
    return gnupg.GPG(gnupghome=home)


def fingerprint(armored: str) -> str:
    """Return the fingerprint of an armored public key, or raise GpgError naming why not."""
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
