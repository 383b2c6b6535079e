"""`snapshot` commands: save the sandbox's state, restore it, fork a second sandbox from it."""

import os
import sys
from pathlib import Path

import click

from .common import answer, echo_json, quote_ref, through_sandbox

snapshot_group = click.Group(
    "snapshot", help="Save games: save the whole state, restore it, fork a sandbox from it."
)


def _summary(m: dict) -> str:
    counts = m.get("counts") or {}
    size = m.get("bytes")
    return (
        f"{m.get('name', '?'):<24} {m.get('takenAt', '?'):<21} "
        f"{len(m.get('tenants') or [])} tenant(s), {counts.get('journal', 0):,} journal "
        f"entries, {counts.get('events', 0):,} events"
        + ("" if m.get("journal", True) else " (no journal)")
        + (f", {size / 1e6:.1f} MB" if size else "")
        + (f"  PROBLEM: {m['problem']}" if m.get("problem") else "")
    )


@snapshot_group.command("save")
@click.argument("name")
@click.option("--tenant", "tenants", multiple=True, help="Keep only this tenant (repeatable).")
@click.option("--no-journal", is_flag=True, help="Leave the journal's entries out.")
@click.option("--replace", is_flag=True, help="Overwrite a snapshot of the same name.")
@through_sandbox
def snapshot_save(sb, name, tenants, no_journal, replace, as_json):
    """Save the sandbox's state as snapshot NAME (every file at one instant)."""
    ask = {"name": name, "journal": not no_journal, "replace": replace}
    if tenants:
        ask["tenants"] = list(tenants)
    made = sb.call("POST", "/snapshots", json=ask).json()
    answer(made, as_json, f"saved {_summary(made)}")


@snapshot_group.command("restore")
@click.argument("name")
@through_sandbox
def snapshot_restore(sb, name, as_json):
    """Replace the sandbox's state with snapshot NAME (a damaged file changes nothing)."""
    done = sb.call("POST", f"/snapshots/{quote_ref(name)}/restore").json()
    if as_json:
        echo_json(done)
        return
    click.echo(f"restored {_summary(done['restored'])}")
    for warning in done["warnings"]:
        click.echo(f"warning: {warning}", err=True)


@snapshot_group.command("list")
@through_sandbox
def snapshot_list(sb, as_json):
    """List the sandbox's snapshots, newest first."""
    found = sb.get("/snapshots")["snapshots"]
    answer(found, as_json, _print_listing)


def _print_listing(found: list[dict]) -> None:
    if not found:
        click.echo("no snapshots; save one with `snapshot save NAME`")
    for m in found:
        click.echo(_summary(m))


@snapshot_group.command("show")
@click.argument("name")
@through_sandbox
def snapshot_show(sb, name, as_json):
    """Print snapshot NAME's manifest."""
    echo_json(sb.get(f"/snapshots/{quote_ref(name)}"))


@snapshot_group.command("delete")
@click.argument("name")
@through_sandbox
def snapshot_delete(sb, name, as_json):
    """Delete snapshot NAME."""
    done = sb.call("DELETE", f"/snapshots/{quote_ref(name)}").json()
    answer(done, as_json, f"deleted {name}")


@snapshot_group.command("download")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write.")
@click.option("--encrypt", metavar="TENANT", help="Encrypt to this tenant's GPG key.")
@through_sandbox
def snapshot_download(sb, name, output, encrypt, as_json):
    """Download snapshot NAME as a file (to attach to a ticket, say)."""
    got = sb.call("GET", f"/snapshots/{quote_ref(name)}/download", params={"encrypt": encrypt})
    target = Path(output or f"{name}.snapshot" + (".gpg" if encrypt else ""))
    target.write_bytes(got.body)
    wrote = {"file": str(target), "bytes": len(got.body)}
    answer(wrote, as_json, f"wrote {target} ({len(got.body):,} bytes)")


@snapshot_group.command("upload")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", help="Keep it under this name (default: the file's).")
@click.option("--replace", is_flag=True, help="Overwrite a snapshot of the same name.")
@through_sandbox
def snapshot_upload(sb, file, name, replace, as_json):
    """Upload a snapshot FILE; it is kept only when every part checks out."""
    name = name or Path(file).name.split(".snapshot")[0]
    with open(file, "rb") as fh:
        kept = sb.call(
            "PUT",
            f"/snapshots/{quote_ref(name)}",
            params={"replace": "true" if replace else None},
            data=fh,
            headers={"Content-Type": "application/octet-stream"},
        ).json()
    answer(kept, as_json, f"uploaded {_summary(kept)}")


@snapshot_group.command("fork")
@click.argument("name")
@click.option(
    "--data-dir", "target", required=True, type=click.Path(file_okay=False), help="New data dir."
)
@click.option("--serve", is_flag=True, help="Then start the forked sandbox (SANDBOX_PORT).")
@through_sandbox
def snapshot_fork(sb, name, target, serve, as_json):
    """Start a second sandbox from snapshot NAME in a new data dir, beside this one."""
    from .. import create_app
    from .client import in_process

    folder = Path(target).resolve()
    if folder.exists() and any(folder.iterdir()):
        raise click.ClickException(f"{folder} is not empty: fork into a new folder")
    body = sb.call("GET", f"/snapshots/{quote_ref(name)}/download").body
    fork = in_process(create_app({"DATA_DIR": str(folder)}), str(folder))
    fork.call(
        "PUT",
        f"/snapshots/{quote_ref(name)}",
        data=body,
        headers={"Content-Type": "application/octet-stream"},
    )
    done = fork.call("POST", f"/snapshots/{quote_ref(name)}/restore").json()
    fork.app.extensions["sandbox.store"].close()
    if as_json and not serve:
        echo_json({"dataDir": str(folder), **done})
        return
    click.echo(f"forked {_summary(done['restored'])} into {folder}")
    start = f"SANDBOX_DATA_DIR={folder} SANDBOX_PORT=<another port> python -m sandbox serve"
    if not serve:
        click.echo(f"start it with: {start}")
        return
    env = {**os.environ, "SANDBOX_DATA_DIR": str(folder)}
    os.execvpe(sys.executable, [sys.executable, "-m", "sandbox", "serve"], env)


COMMANDS = (snapshot_group,)
