"""Authentication of the emulated API: writeKey and JWT bearer checks as named results."""

from .bearer import require_bearer
from .checks import AuthFailure
from .page import require_page
from .writekey import require_write_key

__all__ = ["AuthFailure", "require_bearer", "require_page", "require_write_key"]
