"""Command line: `python -m sandbox ...` (or `flask --app app ...`, the same commands).

`init` and `serve` work on the data dir; every other command calls the admin API of the
sandbox it finds (client.py): a running server, local or remote, else the data dir in process.
"""

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext


@click.command("init")
@with_appcontext
def init_command():
    """Create the data dir, migrate the store, seed the demo tenant; print what is there."""
    from ..server.banner import banner

    click.echo(f"Store ready: schema version {current_app.config['SCHEMA_VERSION']}.")
    click.echo(banner(current_app, "not started: run `python -m sandbox serve`"))


@click.command("serve")
@with_appcontext
def serve_command():
    """Start the production server (gunicorn with gevent workers; werkzeug threads on Windows)."""
    from ..server.run import serve

    serve(current_app._get_current_object())


def _commands() -> tuple:
    from . import (
        campaigns,
        client_checks,
        clock,
        faults,
        nudges,
        onboarding,
        outgoing,
        snapshots,
        tail,
        tenants,
        tls,
    )

    groups = (tenants, campaigns, nudges, outgoing, onboarding, clock, snapshots, faults)
    groups += (client_checks, tls)
    own = (init_command, serve_command, tail.tail_command, tail.received_command)
    return (*own, *(c for module in groups for c in module.COMMANDS))


def init_app(app: Flask) -> None:
    """Attach the commands to `flask --app app`."""
    for command in _commands():
        app.cli.add_command(command)


def _make_app():
    from .. import create_app

    return create_app()


# Not an app a caller gave: the commands that call the admin API find their sandbox themselves.
_make_app.given = False


def main() -> None:
    """Run the command line (`python -m sandbox`)."""
    cli = FlaskGroup(
        create_app=_make_app,
        add_default_commands=True,
        add_version_option=False,
        load_dotenv=False,
        help="CustomerGlu integration sandbox. Commands other than init and serve talk to the "
        "running sandbox (--url, SANDBOX_URL, or the server of SANDBOX_DATA_DIR), else work on "
        "the data dir directly.",
    )
    for command in _commands():
        cli.add_command(command)
    cli.main(prog_name="python -m sandbox")
