"""The one seedable random source: a generator per tenant (and purpose), replayable."""

import hashlib
import random


def rng_for(seed: str, tenant_id: str, *scope: str) -> random.Random:
    """Return a Random seeded from the sandbox seed, the tenant and a scope.

    The same (seed, tenant, scope) always yields the same sequence, so a draw can be
    replayed and explained; different tenants never share a sequence.
    """
    material = "\x1f".join((seed, tenant_id, *scope)).encode()
    return random.Random(int.from_bytes(hashlib.sha256(material).digest()[:16], "big"))
