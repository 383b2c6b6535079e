"""What every command shares: the sandbox it talks to (--url, --token), --json, and printing."""

import functools
import json

import click
from flask.cli import ScriptInfo

from . import client

_OPTIONS = (
    click.option(
        "--url",
        "sandbox_url",
        help="A running sandbox's base URL (default: SANDBOX_URL, else the server of the data "
        "dir, else the data dir itself).",
    ),
    click.option(
        "--token",
        "sandbox_token",
        help="Its admin token (default: SANDBOX_ADMIN_TOKEN, or the local server's card).",
    ),
    click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON."),
)


def through_sandbox(command):
    """Give a command --url, --token and --json; call it with the sandbox it talks to first."""

    @functools.wraps(command)
    def run(*args, sandbox_url=None, sandbox_token=None, as_json=False, **kwargs):
        return command(sandbox(sandbox_url, sandbox_token), *args, as_json=as_json, **kwargs)

    for option in reversed(_OPTIONS):
        run = option(run)
    return run


def sandbox(url: str | None, token: str | None) -> client.Sandbox:
    """Return the sandbox this command talks to: an app the caller gave (a test's runner,
    `flask --app`), else the running server or the data dir (client.connect)."""
    info = click.get_current_context().find_object(ScriptInfo)
    given = info.create_app if info is not None else None
    if url is None and given is not None and getattr(given, "given", True):
        return client.in_process(info.load_app())
    return client.connect(url, token)


def echo_json(data) -> None:
    """Print JSON as every command's --json does."""
    click.echo(json.dumps(data, indent=1, default=str))


def answer(data, as_json: bool, human) -> None:
    """Print a command's answer: DATA as JSON under --json, else HUMAN (a line, or a function
    that prints DATA for a person)."""
    if as_json:
        echo_json(data)
    elif callable(human):
        human(data)
    else:
        click.echo(human)


def sheet_kind(name: str) -> str:
    """Return the content type of a sheet file by its name."""
    from ..domain.rewards.sheet import XLSX

    return XLSX if str(name).lower().endswith(".xlsx") else "text/csv"


def quote_ref(ref: str) -> str:
    """Return a tenant (or row) reference as one path segment: a name may hold spaces."""
    from urllib.parse import quote

    return quote(ref, safe="")


def refuse_sheet(errors: list[dict]) -> None:
    """Print each error of a sheet (row, column, fix) and stop: nothing was imported."""
    for e in errors:
        where = f"row {e['row']}, {e['column']}" if e.get("row") else "sheet"
        click.echo(f"{where}: {e['message']}. {e.get('hint') or ''}", err=True)
    raise click.ClickException(f"{len(errors)} error(s); nothing imported")


def emit(text: str, output: str | None, said: str = "") -> None:
    """Print `text`, or write it to the file `output` and say so (with `said`, if anything)."""
    if output:
        from pathlib import Path

        Path(output).write_text(text)
        click.echo(f"wrote {output}{said}")
    else:
        click.echo(text)
