"""The snapshot file: a tar of `manifest.json` first, then `sandbox.db` and each
`journal-<slot>.db`. The manifest names each part's size and SHA-256, so a truncated,
damaged or altered file is refused before anything is changed (snapshots.py restores)."""

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from .migrations import MIGRATIONS

FORMAT = "cglu-sandbox-snapshot/1"
SUFFIX = ".snapshot"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CORE = "sandbox.db"
# Who may reach this sandbox is not part of its state: a restore keeps the live rows.
_CHUNK = 1 << 20


class SnapshotRefused(ValueError):
    """A snapshot that cannot be restored or read: `code` says which check, the text why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def folder(data_dir: str | Path) -> Path:
    """Return the folder the data dir keeps its snapshots in (made on first use)."""
    path = Path(data_dir) / "snapshots"
    path.mkdir(exist_ok=True)
    return path


def path_of(data_dir: str | Path, name: str) -> Path:
    """Return the file of snapshot `name`; a name that is not a plain file name is refused."""
    if not NAME.match(name or ""):
        raise SnapshotRefused(
            "bad_name", "a snapshot name is 1-64 letters, digits, '.', '_' or '-', not a path"
        )
    return folder(data_dir) / f"{name}{SUFFIX}"


@dataclass(frozen=True)
class Part:
    """A file to put in a snapshot: its name there, where to read it, how many bytes."""

    name: str
    path: Path
    size: int | None  # None: the whole file

    def sized(self) -> "Part":
        """Return the part with its size taken from the file."""
        return Part(self.name, self.path, self.path.stat().st_size)


class _Hashing(io.RawIOBase):
    """Reads `size` bytes of a file and hashes them as tarfile copies them."""

    def __init__(self, path: Path, size: int):
        self._file, self._left, self.sha256 = open(path, "rb"), size, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        block = self._file.read(self._left if n < 0 else min(n, self._left))
        self._left -= len(block)
        self.sha256.update(block)  # releases the GIL for blocks this size
        return block

    def close(self) -> None:
        self._file.close()
        super().close()


def write(target: Path, manifest: dict, parts: list[Part]) -> list[dict]:
    """Write the tar under a temporary name and rename it (a reader never sees half a file);
    return the parts as the manifest lists them.

    Each part is read once: its digest is computed as it is copied, and the manifest (first
    in the file, so a listing reads nothing else) is written again once the digests are
    known, in the same number of bytes.
    """
    partial = target.with_name(f".{target.name}.partial")
    listed = [{"name": p.name, "bytes": p.size, "sha256": "0" * 64} for p in parts]
    head = _manifest_bytes({**manifest, "parts": listed})
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT, copybufsize=_CHUNK) as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size, info.mtime = len(head), int(time.time())
        tar.addfile(info, io.BytesIO(head))
        for part, entry in zip(parts, listed, strict=True):
            info = tarfile.TarInfo(part.name)
            info.size, info.mtime, info.mode = part.size, int(time.time()), 0o600
            with _Hashing(part.path, part.size) as source:
                tar.addfile(info, source)
                entry["sha256"] = source.sha256.hexdigest()
    final = _manifest_bytes({**manifest, "parts": listed})
    assert len(final) == len(head)  # only the 64 hex digits of each digest changed
    with tarfile.open(partial, "r:") as tar:
        at = tar.next().offset_data
    with open(partial, "r+b") as fh:
        fh.seek(at)
        fh.write(final)
        os.fsync(fh.fileno())
    partial.replace(target)
    return listed


def _manifest_bytes(manifest: dict) -> bytes:
    return json.dumps(manifest, indent=1).encode()


def manifest(path: Path) -> dict:
    """Return a snapshot's manifest (its first member) without reading the parts.

    Its `name` is the file's (an uploaded copy may be kept under another), `takenAs` the
    name it was taken under.
    """
    found = _manifest(path)
    return {**found, "name": path.stem, "takenAs": found.get("name")}


def _manifest(path: Path) -> dict:
    try:
        with tarfile.open(path, "r:") as tar:
            first = tar.next()
            if first is None or first.name != "manifest.json" or not first.isfile():
                raise SnapshotRefused("not_a_snapshot", "the file holds no manifest.json first")
            if first.size > 4 * _CHUNK:
                raise SnapshotRefused("not_a_snapshot", "the manifest is implausibly large")
            found = json.loads(tar.extractfile(first).read())
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SnapshotRefused("not_a_snapshot", f"not a readable snapshot ({exc})") from None
    except ValueError:
        raise SnapshotRefused("not_a_snapshot", "the manifest is not JSON") from None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        raise SnapshotRefused(
            "foreign_format", f"the manifest's format is not {FORMAT!r}: not a sandbox snapshot"
        )
    return found


def unpack(path: Path, into: Path) -> dict:
    """Check every part against the manifest and write the parts into `into`; return it.

    Refused (SnapshotRefused) when a part is missing, extra, truncated or altered, or the
    schema is newer than this sandbox's. Nothing outside `into` is written.
    """
    found = _manifest(path)
    parts = {p.get("name"): p for p in found.get("parts") or [] if isinstance(p, dict)}
    if CORE not in parts or any(not _part_name(n) for n in parts):
        raise SnapshotRefused("not_a_snapshot", "the manifest does not list the sandbox's files")
    known = {m.name for m in MIGRATIONS.pending(sqlite_utils.Database(memory=True))}
    unknown = {str(m) for m in found.get("migrations") or []} - known
    if unknown:
        raise SnapshotRefused(
            "newer_version",
            f"the snapshot comes from a newer sandbox (migrations {', '.join(sorted(unknown))} "
            "are unknown here): upgrade this sandbox first",
        )
    seen = set()
    try:
        with tarfile.open(path, "r:") as tar:
            tar.next()  # the manifest
            while (member := tar.next()) is not None:
                expected = parts.get(member.name)
                if expected is None or member.name in seen or not member.isfile():
                    raise SnapshotRefused("tampered", f"unexpected member {member.name!r}")
                seen.add(member.name)
                h, size = hashlib.sha256(), 0
                with tar.extractfile(member) as src, open(into / member.name, "wb") as out:
                    while block := src.read(_CHUNK):
                        h.update(block)
                        size += len(block)
                        out.write(block)
                if size != expected.get("bytes") or h.hexdigest() != expected.get("sha256"):
                    raise SnapshotRefused(
                        "tampered",
                        f"{member.name} does not match the manifest (size or SHA-256): the "
                        "file was altered or damaged",
                    )
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SnapshotRefused(
            "truncated", f"the snapshot is cut short or damaged ({exc})"
        ) from None
    missing = set(parts) - seen
    if missing:
        raise SnapshotRefused(
            "truncated", f"the snapshot is cut short: {', '.join(sorted(missing))} missing"
        )
    return found


def _part_name(name) -> bool:
    return name == CORE or (
        isinstance(name, str) and re.fullmatch(r"journal-\d{1,2}\.db", name) is not None
    )


def listing(data_dir: str | Path) -> list[dict]:
    """Return the manifests of the data dir's snapshots (damaged ones say so), newest first."""
    found = []
    for path in sorted(folder(data_dir).glob(f"*{SUFFIX}")):
        try:
            entry = manifest(path)
        except SnapshotRefused as exc:
            entry = {"name": path.stem, "problem": str(exc)}
        entry["bytes"] = path.stat().st_size
        found.append(entry)
    found.sort(key=lambda m: m.get("takenAt") or "", reverse=True)
    return found


def delete(data_dir: str | Path, name: str) -> bool:
    """Delete snapshot `name`; return whether it existed."""
    path = path_of(data_dir, name)
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed


def receive(data_dir: str | Path, name: str, stream, limit: int) -> dict:
    """Store an uploaded snapshot as `name` once it checks out whole; return its manifest."""
    target = path_of(data_dir, name)
    with tempfile.TemporaryDirectory(dir=folder(data_dir), prefix=".receiving-") as scratch:
        upload = Path(scratch) / "upload"
        size = 0
        with open(upload, "wb") as out:
            while block := stream.read(_CHUNK):
                size += len(block)
                if size > limit:
                    raise SnapshotRefused(
                        "too_large",
                        f"the upload is over {limit:,} bytes (SANDBOX_SNAPSHOT_MAX_BYTES)",
                    )
                out.write(block)
        checked = Path(scratch) / "checked"
        checked.mkdir()
        unpack(upload, checked)
        shutil.move(upload, target)
    return manifest(target)
