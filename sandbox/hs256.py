"""PyJWT for the one algorithm the sandbox signs and accepts (HS256), loaded without cryptography.

PyJWT imports `cryptography` when it can, for the RSA, EC and EdDSA algorithms; the sandbox
refuses every token that is not HS256 before PyJWT sees it, as the real service does. That
import is 9 MB of RSS in each server process (measured: 17 MB for `import jwt` with it, 8 MB
without), and a gunicorn master and two workers hold it three times. So PyJWT is imported
here, first, with `cryptography` hidden for the length of that import: it registers HMAC
only. Nothing else changes: the device CA (http/ca.py) still imports `cryptography` when a
certificate is made, and gets the real one.
"""

import importlib.abc
import sys


class _HideCryptography(importlib.abc.MetaPathFinder):
    """Answers "no such module" for cryptography while PyJWT is first imported."""

    def find_spec(self, name, path=None, target=None):
        """Refuse cryptography and its submodules; leave every other import alone."""
        if name == "cryptography" or name.startswith("cryptography."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _load():
    if "jwt" in sys.modules or "cryptography" in sys.modules:
        # Imported already (a test, a host application): as it is.
        import jwt as loaded

        return loaded
    hider = _HideCryptography()
    sys.meta_path.insert(0, hider)
    try:
        import jwt as loaded
    finally:
        sys.meta_path.remove(hider)
    return loaded


jwt = _load()
HMACAlgorithm = jwt.algorithms.HMACAlgorithm
base64url_decode = jwt.utils.base64url_decode
