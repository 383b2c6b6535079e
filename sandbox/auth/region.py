"""The region check: a tenant's key or token is known only on its own region's hosts."""

from ..hosts import host_for, region_of_host
from .checks import Chain


def check_region(chain: Chain, tenant: dict, host: str | None) -> None:
    """Fail if the request went to another region's host than the tenant's (region_mismatch)."""
    asked = region_of_host(host or "")
    if asked is None:
        chain.skipped("region", "not a CustomerGlu region host")
        return
    if asked != tenant["region"]:
        right = host_for(host.rsplit(":", 1)[0], tenant["region"])
        chain.fail(
            "region",
            "region_mismatch",
            f"{tenant['name']} is a tenant of region {tenant['region']!r}, but this request "
            f"went to the {asked!r} host {host}: the real service does not know the key there",
            f"Send it to {right} (initializeSdk(myenv: {tenant['region']!r}) in the SDKs).",
            f"a host of region {tenant['region']!r} ({right})",
            f"{host} (region {asked!r})",
        )
    chain.passed("region", f"a host of region {tenant['region']!r}", host)
