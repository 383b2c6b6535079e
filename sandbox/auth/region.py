"""The region check: a tenant's key or token is known only on its own region's hosts."""

from .checks import Chain

REGIONS = ("in", "us", "me")
# The first label of a CustomerGlu host: <role> (India, the default) or <role>-<region>.
ROLES = ("api", "dev-api", "events", "stream", "diagnostics", "analytics", "assets")


def region_of_host(host: str) -> str | None:
    """Return the region a CustomerGlu host serves (api-us.customerglu.com -> us), or None.

    None for any other host (localhost, an IP, the partner's own name for the sandbox):
    only a request addressed to a CustomerGlu host name says which region it meant.
    """
    name = host.rsplit(":", 1)[0].lower().rstrip(".")
    first, _, rest = name.partition(".")
    if rest != "customerglu.com":
        return None
    role, _, region = first.rpartition("-")
    if role in ROLES and region in REGIONS:
        return region
    return "in" if first in ROLES else None


def host_for(host: str, region: str) -> str:
    """Return `host` as the same role's host in `region` (api-us... -> api...)."""
    first, dot, rest = host.partition(".")
    role = first.rpartition("-")[0] if first.rpartition("-")[2] in REGIONS else first
    return (role if region == "in" else f"{role}-{region}") + dot + rest


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
