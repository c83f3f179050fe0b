"""`/releases/` and `/.well-known/void` on the real curated graph: what a harvester downloads.

The dumps must all say the same thing, the checksums must verify, VoID's counts must be the
dumps' counts, and the files must be served the way immutable files are: validators, 304, byte
ranges, long caching, and nothing outside a release folder, whatever the path.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
from urllib.parse import urlsplit

import pyoxigraph
import pytest
from pyoxigraph import CanonicalizationAlgorithm, DefaultGraph, Quad, RdfFormat
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, VOID

from tests.conftest import Page, as_graph

DUMPS = {
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdf": RdfFormat.RDF_XML,
}
GRAPH_DUMPS = ("nq", "trig")
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
DCAT = Namespace("http://www.w3.org/ns/dcat#")


def canonical(statements) -> set[str]:
    """A dataset's quads with blank nodes canonically named (RDFC-1.0), so that two parses compare."""
    dataset = pyoxigraph.Dataset(
        s if isinstance(s, Quad) else Quad(s.subject, s.predicate, s.object, DefaultGraph()) for s in statements
    )
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


def raw_get(base: str, path: str) -> http.client.HTTPResponse:
    """A GET of a path sent exactly as written: no client-side `..` removal or re-encoding."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


@pytest.fixture(scope="module")
def parsed(web, curated) -> dict[str, list]:
    """Every dump, downloaded from the server and parsed by Oxigraph."""
    found = {}
    for suffix, syntax in DUMPS.items():
        response = web.get(f"{curated.base}/releases/latest/nolsi-{curated.version}.{suffix}.gz")
        assert response.status_code == 200, suffix
        found[suffix] = list(pyoxigraph.parse(gzip.decompress(response.content), format=syntax))
    return found


# --- listing and redirects ---------------------------------------------------------------------


def test_releases_are_listed_as_html_and_json(web, curated):
    listed = web.get(curated.base + "/releases/", headers={"Accept": "application/json"}).json()
    assert listed["current"] == curated.version
    [release] = listed["releases"]
    assert release["version"] == curated.version and release["current"] is True
    assert release["url"] == f"{curated.base}/releases/{curated.version}/"
    html = web.get(curated.base + "/releases/", headers=BROWSER)
    assert html.headers["Content-Type"].startswith("text/html")
    assert f"/releases/{curated.version}/" in Page.of(html.text).hrefs
    assert (
        web.get(curated.base + "/releases/", headers={"Accept": None}).headers["Content-Type"].startswith("text/html")
    )


@pytest.mark.parametrize("path", ["", "SHA256SUMS", "void.ttl", "ontology/nolsi.ttl"])
def test_latest_is_a_302_to_the_current_release(web, curated, path):
    response = web.get(f"{curated.base}/releases/latest/{path}", allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/releases/{curated.version}/{path}"
    assert response.headers["Cache-Control"] == "no-cache"
    assert web.get(f"{curated.base}/releases/latest/{path}").status_code == 200


def test_the_listing_gives_every_file_with_size_and_checksum(web, curated):
    listed = web.get(f"{curated.base}/releases/{curated.version}/", headers={"Accept": "application/json"}).json()
    sums = {}
    for line in (curated.release / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    assert {f["path"]: f["sha256"] for f in listed["files"]} == sums
    for entry in listed["files"]:
        assert entry["bytes"] == (curated.release / entry["path"]).stat().st_size
    html = web.get(f"{curated.base}/releases/{curated.version}/", headers=BROWSER).text
    for name, digest in sums.items():
        assert f"/releases/{curated.version}/{name}" in Page.of(html).hrefs and digest in html


def test_sha256sums_verify(web, curated):
    sums = web.get(f"{curated.base}/releases/{curated.version}/SHA256SUMS")
    assert sums.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = sums.text.splitlines()
    assert len(lines) > 6
    for line in lines:
        digest, name = line.split("  ", 1)
        body = web.get(f"{curated.base}/releases/{curated.version}/{name}").content
        assert hashlib.sha256(body).hexdigest() == digest, name


# --- the dumps ---------------------------------------------------------------------------------


def test_every_dump_parses_and_holds_the_same_data(parsed):
    for suffix in DUMPS:
        assert parsed[suffix], suffix
    quads = canonical(parsed["nq"])
    assert canonical(parsed["trig"]) == quads
    assert all(not isinstance(q.graph_name, DefaultGraph) for q in parsed["nq"]), "every fact is in a named graph"
    merge = canonical(pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in parsed["nq"])
    for suffix in DUMPS:
        if suffix not in GRAPH_DUMPS:
            assert canonical(parsed[suffix]) == merge, suffix


def test_void_counts_the_distinct_triples_of_the_dumps(web, curated, parsed):
    void = Graph().parse(data=web.get(curated.base + "/.well-known/void").content, format="turtle")
    dataset = URIRef(curated.base + "/dataset")
    assert int(void.value(dataset, VOID.triples)) == len(set(parsed["nt"]))
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(curated.base + "/sparql")
    dumps = {str(d) for d in void.objects(dataset, VOID.dataDump)}
    assert {f"{curated.base}/releases/{curated.version}/nolsi-{curated.version}.{s}.gz" for s in DUMPS} <= dumps
    for dump in dumps:
        assert web.head(dump).status_code == 200, dump
    graphs = {q.graph_name.value for q in parsed["nq"]}
    named = {
        str(o)
        for s in void.objects(dataset, VOID.subset)
        for o in void.objects(s, URIRef("http://www.w3.org/ns/sparql-service-description#name"))
    }
    assert named == graphs


@pytest.mark.parametrize(
    "accept, media_type",
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-triples", "application/n-triples"),
    ],
)
def test_void_by_content_negotiation(web, curated, accept, media_type):
    response = web.get(curated.base + "/.well-known/void", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert response.headers["Vary"] == "Accept, Accept-Encoding"  # the body depends on both
    graph = as_graph(response)
    assert isomorphic(graph, Graph().parse(curated.release / "void.ttl"))
    assert (URIRef(curated.base + "/dataset"), RDF.type, VOID.Dataset) in graph
    again = web.get(
        curated.base + "/.well-known/void", headers={"Accept": accept, "If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_void_refuses_what_it_cannot_offer(web, curated):
    assert web.get(curated.base + "/.well-known/void", headers={"Accept": "text/html"}).status_code == 406


# --- serving files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, media_type",
    [
        ("nolsi-{v}.nq.gz", "application/gzip"),
        ("nolsi-{v}.ttl.gz", "application/gzip"),
        ("void.ttl", "text/turtle; charset=utf-8"),
        ("ontology/nolsi.ttl", "text/turtle; charset=utf-8"),
        ("SHA256SUMS", "text/plain; charset=utf-8"),
    ],
)
def test_files_are_served_as_immutable(web, curated, name, media_type):
    name = name.format(v=curated.version)
    url = f"{curated.base}/releases/{curated.version}/{name}"
    response = web.get(url, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == media_type
    assert "Content-Encoding" not in response.headers  # a .gz file is what it is, never undone on the way
    assert response.content == (curated.release / name).read_bytes()
    cache = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert {"public", "max-age=31536000", "immutable"} <= cache
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Last-Modified"]
    if name != "SHA256SUMS":
        assert response.headers["ETag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'
    assert web.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert web.get(url, headers={"If-Modified-Since": response.headers["Last-Modified"]}).status_code == 304
    head = web.head(url)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(response.content)


@pytest.mark.parametrize(
    "header, start, end", [("bytes=10-109", 10, 110), ("bytes=0-0", 0, 1), ("bytes=-50", -50, None)]
)
def test_range_requests_get_the_right_bytes(web, curated, header, start, end):
    name = f"nolsi-{curated.version}.nq.gz"
    whole = (curated.release / name).read_bytes()
    response = web.get(f"{curated.base}/releases/{curated.version}/{name}", headers={"Range": header})
    assert response.status_code == 206
    assert response.content == whole[start:end]
    first = start if start >= 0 else len(whole) + start
    assert response.headers["Content-Range"] == f"bytes {first}-{first + len(response.content) - 1}/{len(whole)}"


def test_unknown_versions_and_files_are_404(web, curated):
    for path in (
        "/releases/2000-01-01-000000000000/",
        "/releases/2000-01-01-000000000000/SHA256SUMS",
        f"/releases/{curated.version}/no-such-file",
        f"/releases/{curated.version}/ontology",
        f"/releases/{curated.version}/ontology/",
        "/releases/.build.lock/",
        "/releases/current/SHA256SUMS",
    ):
        assert web.get(curated.base + path).status_code == 404, path


def test_paths_out_of_a_release_are_404(curated):
    version = curated.version
    build = f"builds/{version}/CURRENT"  # a file of the store next to the releases
    assert (curated.store / build).is_file()
    for path in (
        f"/releases/{version}/../../{build}",
        f"/releases/{version}/%2e%2e/%2e%2e/{build}",
        f"/releases/{version}/..%2f..%2f{build.replace('/', '%2f')}",
        f"/releases/{version}/%2E%2E%2F%2E%2E%2F{build}",
        f"/releases/{version}//etc/passwd",
        f"/releases/{version}/%2fetc%2fpasswd",
        f"/releases/%2e%2e/{version}/SHA256SUMS",
        f"/releases/..%2f{version}/SHA256SUMS",
        f"/releases/latest/../../{build}",
        "/releases/%2e%2e/builds/",
    ):
        response = raw_get(curated.base, path)
        if response.status == 308:  # Werkzeug merges `//` into `/` with a redirect: still inside the release
            location = response.getheader("Location")
            assert (
                urlsplit(location).path.startswith(f"/releases/{version}/") and "//" not in urlsplit(location).path
            ), path
            response = raw_get(curated.base, urlsplit(location).path)
        assert response.status == 404, path


def test_symbolic_links_out_of_a_release_are_404(web, curated):
    outside = curated.store / "outside.txt"
    outside.write_text("not part of any release\n")
    links = {"escape.txt": outside, "passwd": "/etc/passwd", "builds": curated.store / "builds"}
    try:
        for name, target in links.items():
            os.symlink(target, curated.release / name)
        for path in ("escape.txt", "passwd", f"builds/{curated.version}/CURRENT"):
            assert web.get(f"{curated.base}/releases/{curated.version}/{path}").status_code == 404, path
    finally:
        for name in links:
            (curated.release / name).unlink(missing_ok=True)
        outside.unlink()


def test_the_dcat_distributions_are_the_dumps(curated):
    dcat = Graph().parse(curated.release / "dcat.ttl")
    urls = {str(u) for u in dcat.objects(None, DCAT.downloadURL)}
    assert urls == {f"{curated.base}/releases/{curated.version}/nolsi-{curated.version}.{s}.gz" for s in DUMPS}
