"""Fetching the browser files without npm: only tarballs with the locked hash, only the served files.

A real HTTP server on 127.0.0.1 plays the registry, serving tarballs made here in the npm layout.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import tarfile
import threading
from pathlib import Path

import pytest

from sparql_api import apidocs, editor, npm, vendor
from tests.conftest import ROOT

FILES = ["build/app.min.js", "build/app.min.css"]


def tarball(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


PACKAGE = tarball(
    {
        "package/package.json": b'{"name": "@example/app", "version": "1.2.3"}',
        "package/LICENSE": b"MIT",
        "package/build/app.min.js": b"console.log(1)",
        "package/build/app.min.css": b"body{}",
        "package/build/app.esm.js": b"export {}",
        "package/src/index.ts": b"let x = 1",
    }
)


@pytest.fixture(scope="module")
def registry():
    """A registry on 127.0.0.1 that serves PACKAGE as @example/app 1.2.3, and 404 for anything else."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/@example/app/-/app-1.2.3.tgz":
                self.send_response(200)
                self.send_header("Content-Length", str(len(PACKAGE)))
                self.end_headers()
                self.wfile.write(PACKAGE)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def lock(version: str = "1.2.3", hash_: str = integrity(PACKAGE)) -> dict:
    return {"packages": {"node_modules/@example/app": {"version": version, "integrity": hash_}}}


def test_a_package_with_the_locked_hash_is_unpacked_to_the_served_files_only(registry: str, tmp_path: Path):
    assert npm.fetch("@example/app", FILES, lock(), tmp_path, registry) == "1.2.3"
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {
        "@example/app/package.json",
        "@example/app/LICENSE",
        "@example/app/build/app.min.js",
        "@example/app/build/app.min.css",
    }
    assert (tmp_path / "@example/app/build/app.min.js").read_bytes() == b"console.log(1)"


def test_a_tarball_that_does_not_match_its_hash_is_refused_and_nothing_is_written(registry: str, tmp_path: Path):
    other = integrity(PACKAGE + b"x")
    with pytest.raises(npm.FetchError, match="does not match its sha512"):
        npm.fetch("@example/app", FILES, lock(hash_=other), tmp_path, registry)
    assert not any(tmp_path.iterdir())


def test_a_missing_tarball_or_pin_is_a_clear_error(registry: str, tmp_path: Path):
    with pytest.raises(npm.FetchError, match=r"@example/app 9\.9\.9: cannot download .*404"):
        npm.fetch("@example/app", FILES, lock(version="9.9.9"), tmp_path, registry)
    with pytest.raises(npm.FetchError, match="not pinned"):
        npm.fetch("@example/other", FILES, lock(), tmp_path, registry)
    with pytest.raises(npm.FetchError, match=r"has no build/missing\.js"):
        npm.fetch("@example/app", ["build/missing.js"], lock(), tmp_path, registry)


def test_only_strong_hashes_are_trusted():
    with pytest.raises(npm.FetchError, match="no sha256/384/512"):
        npm.check(PACKAGE, "sha1-" + base64.b64encode(hashlib.sha1(PACKAGE).digest()).decode(), "x")


def test_the_wanted_files_are_what_the_pages_serve_and_are_all_pinned():
    wanted = npm.wanted()
    assert wanted == {
        "@zazuko/yasgui": ["build/yasgui.min.css", "build/yasgui.min.js"],
        "swagger-ui-dist": ["swagger-ui-bundle.js", "swagger-ui.css"],
    }
    pinned = json.loads((ROOT / "package-lock.json").read_text())
    for name in wanted:
        version, hash_ = npm.locked(pinned, name)
        assert hash_.startswith("sha512-")
        assert version == json.loads((vendor.NODE_MODULES / name / "package.json").read_text())["version"]
    for folder, files in ((editor.BUILD, editor.FILES), (apidocs.PACKAGE, apidocs.FILES)):
        assert all((folder / name).is_file() for name in files)  # `make install` put them there
