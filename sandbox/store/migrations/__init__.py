"""The schema, only ever changed here: sqlite-utils migrations applied in order, in place.

Never edit an applied migration; add the next one at the end of the newest module. An older
data dir is upgraded on start (store.migrate), so a partner keeps their tenants and journal.
The modules register in the order they are imported below, which is the schema's history.
"""

from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("customerglu-sandbox")

# After MIGRATIONS exists: each module registers its migrations on it, in this order.
from . import m001_m007, m008_m012, m013_on  # noqa: E402, F401
