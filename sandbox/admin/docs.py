"""The documentation site at /_sandbox/docs/ (open, like the inspector's assets: it holds no data).

Served from a build of docs/ (MkDocs): SANDBOX_DOCS_DIR (the image builds one), else the
checkout's site/ when `mkdocs build` made one, else a build this process makes once into
<data dir>/docs-site on the first request.
"""

import mimetypes
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from flask import Response, redirect

from ..config import ROOT
from ..errors import ApiError
from ..http.current import runtime
from ..openapi.declare import NONE, declare, param
from . import OPEN_ENDPOINTS, bp

_BUILDING = threading.Lock()


def site_dir() -> Path:
    """Return the folder of the built site, building it first if there is none."""
    configured = runtime().config.get("DOCS_DIR")
    if configured:  # a site built with the package (the image builds one)
        return Path(configured)
    shipped = ROOT / "site" / "index.html"
    if shipped.exists():
        return shipped.parent
    built = Path(runtime().store.data_dir) / "docs-site"
    with _BUILDING:  # one build in this process; other workers may build beside it
        if not (built / "index.html").exists():
            scratch = built.with_name(f"docs-site.{os.getpid()}.tmp")
            shutil.rmtree(scratch, ignore_errors=True)
            _build(scratch)
            try:
                scratch.rename(built)  # whole or not at all: a reader never sees half a site
            except OSError:  # another worker's build is in place already: use it
                shutil.rmtree(scratch, ignore_errors=True)
    return built


def _build(into: Path) -> None:
    config = ROOT / "mkdocs.yml"
    if not config.exists():
        raise ApiError(
            404,
            "This installation carries no documentation sources (mkdocs.yml, docs/)",
            "docs_not_shipped",
            "Read docs/ in the repository, or build it there: mkdocs build.",
        )
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(into)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    if done.returncode != 0 or not (into / "index.html").exists():
        raise ApiError(
            503,
            "The documentation could not be built: " + (done.stderr.strip()[-300:] or "no output"),
            "docs_build_failed",
            "Build it by hand to see why: mkdocs build --strict.",
        )


@bp.get("/docs")
@declare("The documentation site (HTML, open)", "admin", NONE, None, ok_type="text/html")
def docs_root():
    """Send the browser to the site's home page."""
    return redirect("/_sandbox/docs/", code=308)


@bp.get("/docs/")
@declare(
    "The documentation site's home page (HTML, open)", "admin", NONE, None, ok_type="text/html"
)
def docs_home():
    """Serve the site's home page."""
    return _file(site_dir() / "index.html")


@bp.get("/docs/<path:page>")
@declare(
    "A page or asset of the documentation site (open)",
    "admin",
    NONE,
    None,
    errors=(404, 503),
    params=[param("page", "path", True, example="index.html")],
    ok_type="text/html",
    expect=(200, 404),
)
def docs_page(page):
    """Serve one file of the built site; a folder's index.html for a folder."""
    found = _page_file(site_dir(), page)
    if found is None:
        raise ApiError(
            404,
            f"No documentation page {page[:200]!r}",
            "docs_page_not_found",
            "Start at /_sandbox/docs/.",
        )
    return _file(found)


def _page_file(folder: Path, page: str) -> Path | None:
    """Return the built file a page path names, or None: outside the site, absent, or a name no
    file system holds (a NUL byte, a name past its length limit)."""
    try:
        root = folder.resolve()
        target = (folder / page).resolve()
        if root not in target.parents and target != root:
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None
    except (OSError, ValueError):
        return None


def _file(path: Path) -> Response:
    # Read whole (pages and assets are small): no file is left open by a client that never
    # reads the answer.
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(path.read_bytes(), mimetype=kind)


OPEN_ENDPOINTS.update({"admin.docs_root", "admin.docs_home", "admin.docs_page"})
