"""What every command shares: the app's store and clock, a tenant by reference, masked output."""

import click
from flask import current_app

from ..domain import tenants as tenants_mod


def store():
    """Return the app's store."""
    return current_app.extensions["sandbox.store"]


def now() -> str:
    """Return the sandbox clock's time (the virtual one where the data says test mode)."""
    return current_app.extensions["sandbox.clock"].isoformat()


def tenant(ref: str) -> dict:
    """Return the tenant with this id, name or writeKey (read fresh), or stop with one line."""
    found = tenants_mod.get_tenant(store(), ref)
    if found is None:
        raise click.ClickException(f"no tenant {ref!r}; `python -m sandbox tenants list`")
    return tenants_mod.fresh(store(), found["id"]) or found


def masked(data):
    """Return stored data as every view shows it: this sandbox's secrets masked."""
    return current_app.extensions["sandbox.runtime"].masker().json(data)
