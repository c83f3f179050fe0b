"""`/releases/`: the immutable release folders, and `/.well-known/void`.

A release folder is written once by `nolsi build` and never changed, so its files are served
with long-lived, immutable caching, their SHA-256 as ETag, and byte ranges. `latest` is a 302,
never a 301, so that clients ask again next time (vocabularies-and-fair.md B.10).

Only regular files inside a published release folder are served: a version must name such a
folder (not a temporary one), and a path that leaves it, by `..`, an absolute path or a symbolic
link, is a 404.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, redirect, request, send_from_directory

from loader import layout
from sparql_api import formats, linked

bp = Blueprint("releases", __name__)

VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.-]*$")
ONE_YEAR = 31_536_000
CHECKSUMS = layout.CHECKSUMS
# Media types of release files by suffix. A `.gz` file is served as what it is, application/gzip,
# never as `Content-Encoding: gzip` (which clients would silently undo); DCAT states the media type
# of its content and `dcat:compressFormat` application/gzip.
MEDIA_TYPES = {
    ".gz": "application/gzip",
    ".svg": "image/svg+xml",  # the pictures of the landscape (loader/landscape.py)
    **{f".{f.suffix}": f.media_type for f in formats.GRAPHS},
}
VOID_FORMATS = linked.TRIPLE_FORMATS  # Turtle first: the default


@dataclass(frozen=True)
class File:
    path: str
    size: int
    sha256: str

    @property
    def media_type(self) -> str:
        return media_type(self.path)


def media_type(path: str) -> str:
    if path.rsplit("/", 1)[-1] == CHECKSUMS:
        return "text/plain"
    return MEDIA_TYPES.get(Path(path).suffix, "application/octet-stream")


def root() -> Path:
    return layout.releases(current_app.config["NOLSI"].store)


def folder(version: str) -> Path:
    """The folder of a published release; 404 for anything else."""
    if not VERSION.match(version):
        abort(404, f"No release {version!r}.")
    found = linked.release_folder(version)
    if found is None or not (found / CHECKSUMS).is_file():
        abort(404, f"No release {version!r}; see /releases/.")
    return found


def versions() -> list[str]:
    """Published releases, newest first (versions start with their date)."""
    if not root().is_dir():
        return []
    found = [p.name for p in root().iterdir() if VERSION.match(p.name) and (p / CHECKSUMS).is_file()]
    return sorted(found, reverse=True)


@lru_cache(maxsize=32)
def _files(path: str, _mtime: float) -> tuple[File, ...]:
    files = []
    for line in (Path(path) / CHECKSUMS).read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name:
            files.append(File(name, (Path(path) / name).stat().st_size, digest))
    return tuple(files)


def files(release: Path) -> tuple[File, ...]:
    """The files of a release as its `SHA256SUMS` lists them, with their sizes."""
    return _files(str(release), (release / CHECKSUMS).stat().st_mtime)


@dataclass(frozen=True)
class Published:
    """A row of the list of releases (the HTML page and its JSON alike)."""

    version: str
    date: str
    current: bool
    url: str
    files: int
    bytes: int


def published_release(version: str, current: str) -> Published:
    contents = files(folder(version))
    url = f"{request.host_url}releases/{version}/"
    return Published(version, version[:10], version == current, url, len(contents), sum(f.size for f in contents))


@bp.get("/releases/")
def index():
    chosen = linked.choose((linked.JSON,))
    if chosen is None:
        return linked.not_acceptable((linked.JSON,))
    current, published = linked.served().version, versions()
    tag = linked.etag("releases", chosen.name, *published)
    if (early := linked.not_modified(tag)) is not None:
        return early
    listed = [published_release(version, current) for version in published]
    if chosen is linked.HTML:
        response = linked.render("releases.html", releases=listed, current=current)
    else:
        listing = [dataclasses.asdict(release) for release in listed]
        response = jsonify(current=current, latest=f"{request.host_url}releases/latest/", releases=listing)
    return linked.finish(response, tag)


@bp.get("/releases/latest/", defaults={"path": ""})
@bp.get("/releases/latest/<path:path>")
def latest(path: str):
    """The current release: a 302, so that the next request asks again."""
    if path.startswith("/") or ".." in path.split("/"):
        abort(404)
    target = f"/releases/{linked.served().version}/{path}"
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, code=302)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/releases/<version>/")
def listing(version: str):
    release = folder(version)
    chosen = linked.choose((linked.JSON,))
    if chosen is None:
        return linked.not_acceptable((linked.JSON,))
    contents = files(release)
    base = f"{request.host_url}releases/{version}/"
    tag = linked.etag("release", version, chosen.name)
    if (early := linked.not_modified(tag)) is not None:
        return early
    if chosen is linked.HTML:
        response = linked.render("release.html", version=version, files=contents, current=linked.served().version)
    else:
        response = jsonify(
            version=version,
            current=version == linked.served().version,
            checksums=base + CHECKSUMS,
            files=[
                {"path": f.path, "url": base + f.path, "bytes": f.size, "sha256": f.sha256, "media_type": f.media_type}
                for f in contents
            ],
        )
    return linked.finish(response, tag)


@bp.get("/releases/<version>/<path:path>")
def download(version: str, path: str):
    release = folder(version)
    try:
        target = (release / path).resolve(strict=True)
    except (OSError, ValueError, RuntimeError):
        abort(404)
    if not target.is_relative_to(release.resolve()) or not target.is_file():
        abort(404)
    checksums = {f.path: f.sha256 for f in files(release)}
    # send_from_directory refuses `..` and absolute paths itself; the check above also refuses
    # symbolic links that lead out of the release. Range, If-None-Match and If-Modified-Since
    # are answered by Werkzeug (206, 304).
    response = send_from_directory(
        release, path, mimetype=media_type(path), conditional=True, etag=checksums.get(path, True), max_age=ONE_YEAR
    )
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.get("/.well-known/void")
def void():
    """The VoID description of the served release (https://www.w3.org/TR/void/#well-known): Turtle
    by default, JSON-LD, RDF/XML or N-Triples on request."""
    chosen = linked.choose(VOID_FORMATS, html=False)
    if chosen is None:
        return linked.not_acceptable(VOID_FORMATS, html=False)
    tag = linked.etag("void", chosen.name)
    if (early := linked.not_modified(tag)) is not None:
        return early
    response = linked.rdf_response(linked.convert(linked.metadata_file(layout.VOID), chosen), chosen)
    return linked.finish(response, tag)
