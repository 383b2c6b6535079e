"""Snapshots on the admin surface: save, list, show, restore, delete, download and upload."""

import tempfile
from pathlib import Path

from flask import after_this_request, request, send_file
from werkzeug.wsgi import get_input_stream

from ..domain import snapshots
from ..errors import ApiError
from ..http.body import request_json_body
from ..http.current import runtime
from ..openapi.declare import declare_admin, param
from ..outgoing import gpg
from . import bp
from .common import gpg_key_or_409, not_found, tenant_or_404

NAME = [
    param(
        "name",
        "path",
        True,
        schema={"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
        example="postman-snapshot",
    )
]
# The reason a refusal is answered with, by the check that refused.
STATUS = {
    "bad_name": 400,
    "snapshot_exists": 409,
    "tenant_not_found": 404,
    "not_found": 404,
    "too_large": 413,
}


def _refused(exc: snapshots.SnapshotRefused) -> ApiError:
    """Return the admin surface's error for a refused snapshot (422 when the file is at fault)."""
    hints = {
        "snapshot_exists": "Choose another name, or replace it (replace: true; --replace).",
        "bad_name": "Use a plain name such as before-release-1.4.",
        "tenant_not_found": "List tenants with GET /_sandbox/tenants.",
        "not_found": "List snapshots with GET /_sandbox/snapshots.",
        "too_large": "Raise SANDBOX_SNAPSHOT_MAX_BYTES, or save it without the journal.",
    }
    hint = hints.get(exc.code, "Nothing was changed. Take the snapshot again, or upload it whole.")
    return ApiError(STATUS.get(exc.code, 422), str(exc), exc.code, hint)


def _named(action, name: str):
    """Run `action(store, name)`; a refusal, or nothing found, is the surface's error."""
    try:
        found = action(runtime().store, name)
    except snapshots.SnapshotRefused as exc:
        raise _refused(exc) from None
    if not found:
        raise not_found(
            "snapshot", name, "snapshot_not_found", "List them: GET /_sandbox/snapshots"
        )
    return found


def _sandbox():
    rt = runtime()
    return rt.store, rt.clock, rt.config["SEED"]


@bp.get("/snapshots")
@declare_admin("This sandbox's snapshots, newest first (their manifests)", "Snapshots")
def list_snapshots():
    """List the snapshots with their manifests (a damaged file says what is wrong)."""
    return {"snapshots": snapshots.listing(runtime().store)}


@bp.post("/snapshots")
@declare_admin(
    "Save a snapshot: every file taken at one instant (optionally some tenants, no journal)",
    "Snapshot",
    errors=(400, 401, 404, 409),
    body="SnapshotAsk",
    example={"name": "postman-snapshot", "replace": True},
)
def save_snapshot():
    """Take a snapshot and answer its manifest (the manifest)."""
    body = request_json_body(
        types={"name": "string", "tenants": "array", "journal": "boolean", "replace": "boolean"},
        required=("name",),
    )
    refs = body.get("tenants")
    if refs is not None and not all(isinstance(r, str) for r in refs):
        raise ApiError(
            400, "tenants must be a list of tenant names, ids or writeKeys", "bad_tenants"
        )
    store, clock, seed = _sandbox()
    try:
        made = snapshots.save(
            store,
            clock,
            seed,
            body["name"],
            journal=body.get("journal") is not False,  # null, as absent: with the journal
            tenant_refs=refs,
            replace=bool(body.get("replace")),
        )
    except snapshots.SnapshotRefused as exc:
        raise _refused(exc) from None
    return made


@bp.get("/snapshots/<name>")
@declare_admin(
    "One snapshot's manifest: version, migrations, clock, seed, tenants, counts, parts",
    "Snapshot",
    errors=(400, 401),
    params=NAME,
    expect=(200, 404),
)
def show_snapshot(name):
    """Answer a snapshot's manifest, or the 404."""
    return _named(snapshots.show, name)


@bp.delete("/snapshots/<name>")
@declare_admin("Delete a snapshot", "Deleted", errors=(400, 401), params=NAME, expect=(200, 404))
def delete_snapshot(name):
    """Delete a snapshot file."""
    _named(snapshots.delete, name)
    return {"deleted": name}


@bp.post("/snapshots/<name>/restore")
@declare_admin(
    "Restore a snapshot in place of this sandbox's state (a damaged file changes nothing)",
    "Restored",
    errors=(400, 401, 422),
    params=NAME,
    expect=(200, 404),
)
def restore_snapshot(name):
    """Replace the state with the snapshot's; answer its manifest and any warnings."""
    store, clock, seed = _sandbox()
    try:
        return snapshots.restore(store, clock, seed, name)
    except snapshots.SnapshotRefused as exc:
        raise _refused(exc) from None


@bp.get("/snapshots/<name>/download")
@declare_admin(
    "Download a snapshot file; ?encrypt=<tenant> encrypts it to that tenant's GPG key",
    None,
    errors=(400, 401, 409, 503),
    params=[*NAME, param("encrypt")],
    ok_type="application/octet-stream",
    expect=(200, 404),
)
def download_snapshot(name):
    """Send the snapshot file as it is kept, or encrypted to a tenant's key."""
    path = _named(snapshots.file_of, name)
    ref = request.args.get("encrypt")
    if not ref:
        return send_file(path, "application/octet-stream", True, path.name)
    key = gpg_key_or_409(tenant_or_404(ref))
    sealed = Path(tempfile.mkstemp(prefix=".sealed-", dir=path.parent)[1])
    try:
        gpg.encrypt_file(key, path, sealed)
    except gpg.GpgError as exc:
        sealed.unlink(missing_ok=True)
        raise ApiError(
            503, str(exc), "gpg_unavailable", "Install gnupg where the sandbox runs."
        ) from None

    @after_this_request
    def _remove(response):
        sealed.unlink(missing_ok=True)  # the open file is still sent on POSIX
        return response

    return send_file(sealed, "application/pgp-encrypted", True, f"{path.name}.gpg")


@bp.put("/snapshots/<name>")
@declare_admin(
    "Upload a snapshot file (as downloaded); kept only when every part checks out",
    "Snapshot",
    errors=(400, 401, 409, 422),
    params=[*NAME, param("replace", schema={"enum": ["", "true", "false"]})],
    body_types=("application/octet-stream",),
    expect=(200, 422),
)
def upload_snapshot(name):
    """Keep an uploaded snapshot (streamed to disk, within SANDBOX_SNAPSHOT_MAX_BYTES)."""
    limit = runtime().config["SNAPSHOT_MAX_BYTES"]
    stream = get_input_stream(request.environ, max_content_length=None)
    replace = request.args.get("replace") == "true"
    try:
        return snapshots.receive(runtime().store, name, stream, limit, replace)
    except snapshots.SnapshotRefused as exc:
        raise _refused(exc) from None
