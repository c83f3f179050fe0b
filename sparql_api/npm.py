"""The editor's and the API docs' browser files, fetched from the npm registry without Node.js or npm.

`python -m sparql_api.npm` (run by `make install`) takes the pinned version and the `integrity` hash
of each package from package-lock.json, downloads its tarball from the registry, refuses it unless
it has exactly that hash, and writes only what the server sends (`sparql_api.vendor`), the package's
package.json and its licence files into node_modules/, where `npm ci` would put them. The files are
third-party code: installed, never committed. `npm ci` still works and gives the same files.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path, PurePosixPath

from sparql_api import apidocs, editor, vendor

REGISTRY = "https://registry.npmjs.org"
LOCK = vendor.NODE_MODULES.parent / "package-lock.json"
LICENCES = ("LICENSE", "LICENCE", "NOTICE", "COPYING")


class FetchError(Exception):
    """A package could not be fetched or did not match the lock; nothing of it was written."""


def wanted() -> dict[str, list[str]]:
    """Each npm package the pages use, with the paths inside it of the files they serve."""
    packages: dict[str, list[str]] = {}
    for package, folder, files in (
        (editor.PACKAGE, editor.BUILD, editor.FILES),
        (apidocs.PACKAGE, apidocs.PACKAGE, apidocs.FILES),
    ):
        name = package.relative_to(vendor.NODE_MODULES).as_posix()
        inside = folder.relative_to(package)
        packages[name] = sorted((inside / file).as_posix() for file in files)
    return packages


def locked(lock: dict, name: str) -> tuple[str, str]:
    """The version and `integrity` of `name` in a package-lock.json (lockfileVersion 2 or 3)."""
    try:
        entry = lock["packages"][f"node_modules/{name}"]
        return entry["version"], entry["integrity"]
    except KeyError:
        raise FetchError(f"{name} is not pinned in {LOCK.name}: run `npm install` once to add it") from None


def tarball_url(name: str, version: str, registry: str = REGISTRY) -> str:
    return f"{registry}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"


def check(data: bytes, integrity: str, name: str) -> None:
    """Refuse `data` unless one of the Subresource Integrity hashes in `integrity` matches it."""
    for item in integrity.split():
        algorithm, _, expected = item.partition("-")
        if algorithm in ("sha512", "sha384", "sha256"):
            if base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == expected:
                return
            raise FetchError(f"{name}: the downloaded tarball does not match its {algorithm} in {LOCK.name}")
    raise FetchError(f"{name}: {LOCK.name} has no sha256/384/512 integrity hash for it ({integrity[:20]}...)")


def unpack(data: bytes, files: list[str]) -> dict[str, bytes]:
    """The named files, package.json and the licence files from an npm tarball (whose root is `package/`)."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            path = PurePosixPath(member.name)
            if not member.isfile() or path.parts[:1] != ("package",):
                continue
            inside = PurePosixPath(*path.parts[1:]).as_posix()
            licence = inside.upper().startswith(LICENCES) or any(inside == f"{f}.LICENSE.txt" for f in files)
            if inside in files or inside == "package.json" or licence:
                extracted = archive.extractfile(member)
                assert extracted is not None  # a regular file
                found[inside] = extracted.read()
    missing = [f for f in files if f not in found]
    if missing:
        raise FetchError(f"the tarball has no {', '.join(missing)}")
    return found


def fetch(name: str, files: list[str], lock: dict, into: Path, registry: str = REGISTRY) -> str:
    """Download, check and write one package; its version."""
    version, integrity = locked(lock, name)
    url = tarball_url(name, version, registry)
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
    except OSError as error:
        raise FetchError(f"{name} {version}: cannot download {url}: {error}") from None
    check(data, integrity, f"{name} {version}")
    try:
        contents = unpack(data, files)
    except (tarfile.TarError, FetchError) as error:
        raise FetchError(f"{name} {version}: {error}") from None
    for inside, content in contents.items():
        target = into / name / inside
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return version


def main() -> int:
    lock = json.loads(LOCK.read_text(encoding="utf-8"))
    try:
        for name, files in wanted().items():
            version = fetch(name, files, lock, vendor.NODE_MODULES)
            print(f"{name} {version}: {', '.join(files)}")
    except FetchError as error:
        print(f"nolsi: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
