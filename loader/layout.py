"""The store folder on disk: the one module that knows its layout.

    <store>/builds/<version>/                 a build: one immutable Oxigraph store, written by `nolsi build`
    <store>/current                           symlink to the build being served
    <store>/releases/<version>/               a published release: the build's data as dump files, with
                                              checksums, VoID, DCAT, the SHACL report, ontology and shapes
    <store>/releases/<version>/nolsi-<version>.<suffix>[.gz]   one dump of the release
    <store>/releases/<version>/SHA256SUMS, void.ttl, dcat.ttl, shacl-report.ttl   its description
    <store>/.build.lock                       held by the one build running

A build and the release published from it share their version, the folder name of both. Names
starting with `TEMP_PREFIX` are unfinished builds and releases, renamed to their version when
complete.
"""

from __future__ import annotations

from pathlib import Path

BUILDS = "builds"
CURRENT = "current"
RELEASES = "releases"
TEMP_PREFIX = ".tmp-"
LOCK = ".build.lock"
CHECKSUMS = "SHA256SUMS"  # of every file of a release, as `sha256sum -c` reads them
VOID = "void.ttl"
DCAT = "dcat.ttl"
SHACL_REPORT = "shacl-report.ttl"


def builds(store: Path) -> Path:
    return Path(store) / BUILDS


def build(store: Path, version: str) -> Path:
    return builds(store) / version


def current_link(store: Path) -> Path:
    """The symlink whose target is the build being served."""
    return Path(store) / CURRENT


def releases(store: Path) -> Path:
    return Path(store) / RELEASES


def release(store: Path, version: str) -> Path:
    return releases(store) / version


def release_of(build_folder: Path) -> Path:
    """The release folder published from a build folder `<store>/builds/<version>`."""
    return release(build_folder.parent.parent, build_folder.name)


def lock(store: Path) -> Path:
    return Path(store) / LOCK


def dump_name(version: str, suffix: str, compressed: bool) -> str:
    """The file name of a release's dump: `nolsi-<version>.<suffix>`, `.gz` when compressed."""
    return f"nolsi-{version}.{suffix}" + (".gz" if compressed else "")
