"""A normal install: the wheel of this checkout, installed (not editable) into a fresh venv, builds the
real graph and serves every page from anywhere, with no checkout around it.

The wheel is built from a copy of the checkout; the venv gets it with `pip --python ... --no-deps`
and borrows the test venv's site-packages for the dependencies (a path line, so the editable
install of this checkout that lives there is not loaded), which keeps the whole module well under
a minute.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, Page, nolsi, serving

HTML = {"Accept": "text/html"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}  # what a form sends
NOT_SHIPPED = {".git", ".venv", "var", "build", "bench", "tests", "notebooks", "client", "docs", "deploy"}


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*map(str, args)], check=False, capture_output=True, text=True, timeout=300, **kwargs)


def build_wheel(work: Path, leave_out: frozenset[str] = frozenset()) -> Path:
    """The wheel of a copy of this checkout without the files a wheel must not need (and `leave_out`)."""
    source = work / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=lambda folder, names: (
            {n for n in names if n in NOT_SHIPPED | leave_out or n.startswith(".") or n.endswith(".egg-info")}
            if Path(folder) == ROOT
            else {n for n in names if n == "__pycache__"}
        ),
    )
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", work, source)
    assert built.returncode == 0, built.stderr[-3000:]
    return next(work.glob("nolsi-*.whl"))


def install(wheel: Path, home: Path) -> Path:
    """A venv in `home` with `wheel` installed; its `bin/` folder."""
    created = run(sys.executable, "-m", "venv", "--without-pip", home)
    assert created.returncode == 0, created.stderr
    python = home / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (purelib / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return home / "bin"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory) -> Path:
    return install(wheel, tmp_path_factory.mktemp("venv"))


def test_the_wheel_carries_the_data_queries_shapes_ontology_pages_and_browser_files(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, pattern in (
        ("data", "*.ttl"),
        ("queries", "*.rq"),
        ("shapes", "*.ttl"),
        ("ontology", "**/*.ttl"),
    ):
        files = {f"nolsi_files/{p.relative_to(ROOT).as_posix()}" for p in (ROOT / folder).glob(pattern)}
        assert files and files <= names, folder
    for folder in ("templates", "static", "page_queries"):
        files = {
            f"sparql_api/{p.relative_to(ROOT / 'sparql_api').as_posix()}"
            for p in (ROOT / "sparql_api" / folder).rglob("*")
            if p.is_file()
        }
        assert files and files <= names, folder
    assert "nolsi_files/node_modules/@zazuko/yasgui/build/yasgui.min.js" in names
    assert "nolsi_files/node_modules/swagger-ui-dist/LICENSE" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/")) or "/src/" in n or n.endswith(".map")]


def test_the_installed_copy_builds_the_same_graph_as_the_checkout(venv: Path, tmp_path: Path):
    where = run(venv / "python", "-c", "import loader.settings as s; print(s.ROOT)", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv.parent), where.stderr  # not this checkout
    installed = run(venv / "nolsi", "build", "--store", tmp_path / "installed", cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-3000:]
    checkout = nolsi("build", "--store", str(tmp_path / "checkout"))
    assert checkout.returncode == 0, checkout.stderr[-3000:]
    summary = installed.stdout.splitlines()[0].split(" (")[0]  # without the timings
    assert summary == checkout.stdout.splitlines()[0].split(" (")[0]  # same version (hash of the quads), counts
    assert " 0 files" not in summary and " 0 triples" not in summary
    assert run(venv / "nolsi", "--version").stdout.strip() == "nolsi 0.1.0"


def test_the_installed_copy_refuses_a_missing_data_folder(venv: Path, tmp_path: Path):
    refused = run(venv / "nolsi", "build", "--store", tmp_path / "s", "--data-dir", tmp_path / "none", cwd=tmp_path)
    assert refused.returncode == 1 and "no such data folder" in refused.stderr
    assert not (tmp_path / "s").exists()


def test_the_installed_copy_serves_pages_editor_and_api_docs(venv: Path, tmp_path: Path):
    store = tmp_path / "store"
    assert run(venv / "nolsi", "build", "--store", store, cwd=tmp_path).returncode == 0
    with serving("--store", str(store), command=[venv / "nolsi"], cwd=tmp_path) as base:
        landing = requests.get(base + "/", headers=HTML, timeout=30)
        assert landing.status_code == 200 and "<html" in landing.text
        assert requests.get(base + "/doc/service/tsd", headers=HTML, timeout=30).status_code == 200
        saved = requests.get(base + "/queries/services-for-classification", headers=HTML, timeout=30)
        assert saved.status_code == 200
        editor = requests.get(base + "/sparql", headers=HTML, timeout=30)
        assert editor.status_code == 200 and "yasgui.min.js?v=4.6.2" in editor.text
        for path in ("/static/yasgui/yasgui.min.js", "/static/swagger-ui/swagger-ui-bundle.js", "/static/site.css"):
            assert requests.get(base + path, timeout=30).status_code == 200, path
        assert requests.get(base + "/api/docs", timeout=30).status_code == 200


def test_an_install_without_the_browser_files_offers_a_plain_query_form(tmp_path: Path):
    """A wheel built before `make install` has fetched the editor's and API docs' browser files: the
    pages say so, /sparql offers a plain form whose query runs, and each example runs as a link."""
    bare = build_wheel(tmp_path / "wheel", frozenset({"node_modules"}))
    assert not [n for n in zipfile.ZipFile(bare).namelist() if "node_modules" in n]
    bin_folder = install(bare, tmp_path / "venv")
    store = tmp_path / "store"
    assert run(bin_folder / "nolsi", "build", "--store", store, cwd=tmp_path).returncode == 0
    with serving("--store", str(store), command=[bin_folder / "nolsi"], cwd=tmp_path) as base:
        page = requests.get(base + "/sparql", headers=HTML, timeout=30).text
        assert "browser files are not installed" in page
        assert "/static/yasgui/" not in page and 'id="yasgui"' not in page
        assert f'<form class="plain-query" method="get" action="{base}/sparql">' in page
        found = re.search(r'<textarea id="plain-query" name="query"[^>]*>(.*?)</textarea>', page, re.DOTALL)
        assert found, page
        answer = requests.get(base + "/sparql", params={"query": html.unescape(found[1])}, headers=BROWSER, timeout=30)
        assert answer.status_code == 200 and "ELIXIR Norway" in answer.text
        example = next(href for href in Page.of(page).hrefs if href.startswith("?query="))
        assert requests.get(base + "/sparql" + example, headers=BROWSER, timeout=30).status_code == 200
        docs = requests.get(base + "/api/docs", headers=HTML, timeout=30).text
        assert "browser files are not installed" in docs and "swagger-ui-bundle.js" not in docs
