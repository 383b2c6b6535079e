"""Authentication of the emulated API: writeKey and JWT bearer checks as named results."""

from .bearer import require_bearer
from .checks import AuthFailure
from .writekey import require_write_key

__all__ = ["AuthFailure", "require_bearer", "require_write_key"]
