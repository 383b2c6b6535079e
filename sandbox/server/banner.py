"""The start-up banner: where the API, the inspector and the admin surface are, the demo keys,
each tenant's onboarding steps."""

from flask import Flask

from ..config import VERSION, public_url
from ..domain import tenants


def banner(app: Flask, server: str) -> str:
    """Return the start-up banner: where the API and the admin surface are, the demo keys."""
    cfg = app.config
    base = public_url(cfg)
    store = app.extensions["sandbox.store"]
    lines = [
        "",
        f"  CustomerGlu sandbox {VERSION} is ready  ({server})",
        f"  API base URL     {base}/",
        f"  Inspector        {base}/_sandbox/inspector?token={cfg['ADMIN_TOKEN']}",
        f"  Admin API        {base}/_sandbox/  (X-Sandbox-Admin-Token: the token above)",
        f"  Health           {base}/_sandbox/health",
        f"  Docs             {base}/_sandbox/docs/",
        *(
            [
                f"  TLS              port {cfg['TLS_PORT']}: every CustomerGlu host name, "
                f"certified by the sandbox's CA ({base}/_sandbox/ca; `python -m sandbox tls setup`)"
            ]
            if cfg["TLS_PORT"]
            else []
        ),
        *(
            [
                f"  Device proxy     port {cfg['PROXY_PORT']}: set it as the device's Wi-Fi proxy; "
                "CustomerGlu hosts are answered here"
            ]
            if cfg["PROXY_PORT"]
            else []
        ),
        f"  Data dir         {cfg['DATA_DIR']}",
        f"  Test mode        {'on (virtual clock)' if cfg['TEST_MODE'] else 'off'}",
        f"  Streams          up to {cfg['STREAMS_MAX']} per worker; open ones per worker: "
        f"{base}/_sandbox/health",
        f"  Request heads    within {cfg['HEAD_TIMEOUT']} s, or the connection is closed",
    ]
    for t in tenants.list_tenants(store):
        lines.append(f"  Tenant           {t['name']}  id={t['id']}  writeKey={t['write_key']}")
        lines.append(f"                   onboarding: {_onboarding(app, t)}")
    lines.append("")
    return "\n".join(lines)


def _onboarding(app: Flask, tenant: dict) -> str:
    """Return which onboarding steps a tenant has done, in a few words."""
    from ..onboarding import checklist
    from ..outgoing import delivery_settings

    store, clock = app.extensions["sandbox.store"], app.extensions["sandbox.clock"]
    result = checklist.of(store, tenant, delivery_settings.zone(tenant), clock.time())
    done = [s["name"].lower() for s in result["steps"] if s["done"]]
    if result["ready"]:
        return "ready (all four steps done)"
    left = [f"{s['step']} {s['name'].lower()}" for s in result["steps"] if not s["done"]]
    return f"{len(done)} of 4 steps done; to do: {', '.join(left)}"
