"""The CustomerGlu host names: each role (api, events, stream, ...) in each region, as the SDKs
and partner backends address them. One list, for the region check and the TLS certificate."""

DOMAIN = "customerglu.com"
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
    if rest != DOMAIN:
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


def names() -> list[str]:
    """Return every CustomerGlu host name: each role in each region (India without a suffix)."""
    return [
        f"{role}.{DOMAIN}" if region == "in" else f"{role}-{region}.{DOMAIN}"
        for role in ROLES
        for region in REGIONS
    ]
