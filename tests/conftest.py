"""Shared fixtures: running the real `nolsi` command, a real server on 127.0.0.1, and the same app in
process (Flask's test client, no port)."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pyoxigraph
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, sync_playwright
from rdflib import Graph
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse

from bench.distinct import stop
from loader import store as loader_store
from loader.settings import Settings
from sparql_api.app import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOLSI = [sys.executable, "-m", "loader.cli"]
W3C_PROTOCOL = FIXTURES / "valid" / "w3c-protocol"  # the W3C SPARQL 1.1 Protocol suite, see its README
SAMPLE_NQ = FIXTURES / "valid" / "formats" / "sample.nq"
SAMPLE_TTL = FIXTURES / "valid" / "formats" / "sample.ttl"
MAX_BYTES = 20_000  # the request-size limit of `sample_endpoint`


def nolsi(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the `nolsi` command as a user would, in a subprocess."""
    kwargs.setdefault("timeout", 600)
    return subprocess.run(
        [*NOLSI, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,  # the tests read the exit status
        **kwargs,
    )


@contextmanager
def reserved_port() -> Iterator[int]:
    """A port of 127.0.0.1 that nothing else can take while the block runs and that nothing listens on.

    It is bound here, never listened on, with SO_REUSEPORT, which granian sets too: `nolsi serve`
    can bind it meanwhile and nobody else can. (A port found free, then let go for a server to take,
    is a race.) Until a server listens on it, connections to it are refused."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def listening_port(pid: int, seconds: float = 30) -> int:
    """The TCP port process `pid` listens on, once it does: for a server told to take any port (0)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [c.laddr.port for c in psutil.Process(pid).net_connections("tcp") if c.status == psutil.CONN_LISTEN]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"process {pid} listened on no port within {seconds:g} s")


def wait_until_answering(
    process: subprocess.Popen, url: str, log: Path, answered: Callable[[int], bool] = lambda status: status < 500
) -> None:
    """Wait (at most 120 s) until `url` gives a status that `answered` takes; fail with the end of the
    server's `log` if the server exits first."""
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{log.read_text(errors='replace')[-5000:]}")
        try:
            if answered(requests.get(url, timeout=10).status_code):
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        if time.monotonic() > deadline:
            raise AssertionError("server did not start within 120 s")
        time.sleep(0.1)


@contextmanager
def serving(
    *args: str,
    env: dict | None = None,
    ready_path: str = "/-/health",
    port: int | None = None,
    command: tuple | list = NOLSI,
    cwd: Path = ROOT,
):
    """Start `nolsi serve` (`command`, by default this checkout's) on `port` (by default one reserved for
    it), wait until it answers, yield its base URL, stop it."""
    with (
        reserved_port() if port is None else contextlib.nullcontext(port) as port,
        tempfile.NamedTemporaryFile(prefix="nolsi-serve-", suffix=".log") as log,
    ):
        process = subprocess.Popen(
            [*command, "serve", "--port", str(port), *map(str, args)],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=log,  # a file, not a pipe: a pipe nobody reads fills up and blocks the server
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_answering(process, base + ready_path, Path(log.name))
            yield base
        finally:
            stop(process)  # the benchmark's: SIGTERM to the process group, SIGKILL after 20 s


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@dataclass(frozen=True)
class Site:
    """A server of the real curated graph, built with its IRI base and base URL set to the server itself."""

    base: str
    store: Path
    version: str

    @property
    def release(self) -> Path:
        return self.store / "releases" / self.version

    def dump(self, suffix: str) -> bytes:
        """A dump of the release, decompressed: `nq`, `trig`, `ttl`, `nt`, `jsonld` or `rdf`."""
        return gzip.decompress((self.release / f"nolsi-{self.version}.{suffix}.gz").read_bytes())


@pytest.fixture(scope="session")
def curated(tmp_path_factory) -> Site:
    """One build of `data/` and one server for every test module that needs the real graph. The
    build names the server's own URL, so its port is reserved before the build."""
    with reserved_port() as port:
        own = f"http://127.0.0.1:{port}/"
        env = {"NOLSI_IRI_BASE": own, "NOLSI_BASE_URL": own}
        store = tmp_path_factory.mktemp("curated") / "store"
        done = nolsi("build", "--store", store, env=env)
        assert done.returncode == 0, done.stderr[-5000:]
        version = next(line.split()[1].rstrip(":") for line in done.stdout.splitlines() if line.startswith("built "))
        with serving("--store", store, env=env, port=port) as base:
            yield Site(base, store, version)


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph server (PyPI `oxigraph`) on an empty store; its base URL."""
    oxigraph = Path(sys.executable).parent / "oxigraph"
    process = subprocess.Popen(
        [oxigraph, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")), "--bind", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{listening_port(process.pid)}"
        for _ in range(200):
            try:
                requests.get(base + "/query", params={"query": "ASK {}"}, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def build(folder, *files) -> tuple[str, str]:
    """Build a store of `files` in `folder`; return the store path and the dataset version."""
    store = folder / "store"
    done = nolsi("build", "--no-shapes", "--store", store, *files)
    assert done.returncode == 0, done.stderr
    version = next(line.split()[1].rstrip(":") for line in done.stdout.splitlines() if line.startswith("built "))
    return str(store), version


class Server:
    def __init__(self, base: str, version: str = ""):
        self.base, self.version = base, version
        self.url = base + "/sparql"


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> tuple[str, str]:
    """A store of the small sample (sample.nq's graphs .../graph/one and .../graph/two, sample.ttl in a
    graph of its own): its path and dataset version."""
    return build(tmp_path_factory.mktemp("sample"), SAMPLE_NQ, SAMPLE_TTL)


@pytest.fixture(scope="session")
def sample_endpoint(sample_build: tuple[str, str]) -> Iterator[Server]:
    """`nolsi serve` of the sample, with a small request-size limit and a 10 s query limit (so that a
    wrongly made outgoing call cannot hang the tests)."""
    store, version = sample_build
    with serving("--store", store, "--query-timeout", "10", env={"NOLSI_MAX_REQUEST_BYTES": str(MAX_BYTES)}) as base:
        yield Server(base, version)


@pytest.fixture(scope="session")
def sample_app(sample_build: tuple[str, str]) -> Iterator[Flask]:
    """The app `nolsi serve` runs, over the sample, for Flask's test client (no port, no server)."""
    app = create_app(Settings.from_env(store=Path(sample_build[0]), evaluators=1))
    yield app
    app.extensions["nolsi.service"].close()


class InProcess(HTTPAdapter):
    """A `requests` transport that hands each request to a Flask app through its test client: the
    real app, evaluators and store, no port and no server. Answers become `requests` responses the
    way urllib3's do (repeated headers kept, gzip and brotli decoded, redirects followed by the
    session), so a test reads the same whether it runs here or against a live server."""

    def __init__(self, app: Flask):
        super().__init__()
        self.client = app.test_client()

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        url = urlsplit(request.url)
        answer = self.client.open(
            url.path,
            base_url=f"{url.scheme}://{url.netloc}",
            query_string=url.query,
            method=request.method,
            headers=list(request.headers.items()),
            data=request.body or b"",
        )
        raw = HTTPResponse(
            body=io.BytesIO(answer.get_data()),
            headers=list(answer.headers.items()),
            status=answer.status_code,
            reason=answer.status.partition(" ")[2],
            request_method=request.method,
            preload_content=False,
            decode_content=True,
        )
        return self.build_response(request, raw)


def in_process(app: Flask, base: str) -> requests.Session:
    """A session whose requests below `base` go to `app` in this process."""
    session = requests.Session()
    session.mount(base.rstrip("/") + "/", InProcess(app))
    return session


@pytest.fixture(scope="session")
def curated_app(curated: Site) -> Iterator[Flask]:
    """The app `curated`'s server runs, with the same store and bases, in this process."""
    app = create_app(Settings.from_env(store=curated.store, iri_base=curated.base + "/", base_url=curated.base + "/"))
    yield app
    app.extensions["nolsi.service"].close()


@pytest.fixture(scope="session")
def web(curated: Site, curated_app: Flask) -> Iterator[requests.Session]:
    """`requests` for `curated.base` URLs, answered by `curated_app` in process: what most page tests use."""
    with in_process(curated_app, curated.base) as session:
        yield session


@pytest.fixture
def client(sample_app: Flask) -> FlaskClient:
    """Flask's test client of `sample_app` (a module may define its own `client` over another app)."""
    return sample_app.test_client()


@pytest.fixture(scope="session")
def w3c_server(tmp_path_factory) -> Iterator[str]:
    """`nolsi serve` of the W3C Protocol suite's dataset, for its protocol tests (tests/test_protocol.py)
    and its Service Description tests (tests/test_description.py); its base URL."""
    store = tmp_path_factory.mktemp("w3c-protocol") / "store"
    done = nolsi("build", "--no-shapes", "--store", store, W3C_PROTOCOL / "protocol" / "fixtures.nq")
    assert done.returncode == 0, done.stderr
    with serving("--store", store) as base:
        yield base


@pytest.fixture(scope="session")
def curated_store(curated: Site) -> Path:
    return curated.store


@pytest.fixture(scope="session")
def curated_server(curated: Site) -> str:
    return curated.base


@pytest.fixture(scope="session")
def graph(curated_store: Path) -> pyoxigraph.Store:
    """The built curated graph, opened read-only."""
    return pyoxigraph.Store.read_only(str(loader_store.resolve(curated_store)))


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The machine's own headless Chromium, driven by Playwright (never a browser it downloads)."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class Page(HTMLParser):
    """What the tests read from an HTML page: element ids, links, `<link>` tags and JSON-LD blocks."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.link_tags: list[dict[str, str]] = []
        self.jsonld: list[str] = []
        self._in_jsonld = False

    @classmethod
    def of(cls, text: str) -> Page:
        page = cls()
        page.feed(text)
        return page

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and "href" in attributes:
            self.hrefs.append(attributes["href"])
        if tag == "link":
            self.link_tags.append(attributes)
        if tag == "script" and attributes.get("type") == "application/ld+json":
            self._in_jsonld = True
            self.jsonld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_jsonld = False

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld[-1] += data


SYNTAXES = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/n-quads": pyoxigraph.RdfFormat.N_QUADS,
    "application/trig": pyoxigraph.RdfFormat.TRIG,
}


def as_graph(response: requests.Response) -> Graph:
    """An RDF response as an rdflib graph, parsed by Oxigraph in the syntax its Content-Type names
    (rdflib's own JSON-LD parser warns on every use)."""
    syntax = SYNTAXES[response.headers["Content-Type"].split(";")[0]]
    triples = [
        q.triple if isinstance(q, pyoxigraph.Quad) else q
        for q in pyoxigraph.parse(response.content, format=syntax, base_iri=response.url)
    ]
    return Graph().parse(data=pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES), format="nt")
