"""The landing page `/` and `/about`, read the way the FAIR assessors and harvesters read them.

A real server of the real curated graph (the session fixture `curated`), its IRI base and base URL
set to the server itself so that every IRI in the descriptions can be followed. What each assessor does
is summarised in vocabularies-and-fair.md B.11: FAIR-Checker sends no Accept header and reads the
embedded JSON-LD and the Link headers; F-UJI asks for RDF and looks for DCAT core metadata; FAIR
Champion follows `describedby` links.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyoxigraph
import pytest
import requests
from playwright.sync_api import sync_playwright
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, VOID

from tests.conftest import Page, as_graph

NO_ACCEPT = {"Accept": None}  # requests sends `*/*` unless told to send nothing
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
FUJI = (
    "text/turtle, application/turtle, application/x-turtle;q=0.9, application/rdf+xml, "
    "application/n-triples;q=0.9, application/ld+json;q=0.8"
)
CHAMPION = "text/turtle, application/n3, application/rdf+xml, application/n-triples, application/ld+json"
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # not rdflib's closed DCAT, which warns when pytest probes it
SCHEMA = Namespace("https://schema.org/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
# The policy these pages are written for: no inline script or style at all. The app serves a
# looser one on every HTML page (security.py: the query editor needs inline styles).
STRICT_CSP = "default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'self'"
PAGES = (
    "/",
    "/about",
    "/releases/",
    "/releases/{v}/",
    "/doc/ri/elixir-norway",
    "/doc/vocab/data-classification/red",
    "/doc/vocab/data-classification",
    "/graph/elixir-no-about",
    "/ontology",
    "/shapes",
)
CHROMIUM = "/usr/bin/chromium"


def links(response: requests.Response) -> list[dict]:
    return requests.utils.parse_header_links(response.headers["Link"])


def embedded(response: requests.Response) -> dict:
    [block] = Page.of(response.text).jsonld
    return json.loads(block)


def void_of(curated) -> Graph:
    return Graph().parse(curated.release / "void.ttl")


# --- for people, and FAIR-Checker --------------------------------------------------------------


def test_no_accept_header_gets_html_with_the_dataset_as_jsonld(web, curated):
    response = web.get(curated.base + "/", headers=NO_ACCEPT)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    data = embedded(response)
    assert data["@context"]["@vocab"] == "https://schema.org/"
    assert data["@type"] == "Dataset"
    assert data["name"].startswith("nolsi")
    assert 50 <= len(data["description"]) <= 5000  # Google Dataset Search's bounds
    assert data["license"] == str(LICENCE)
    assert data["version"] == curated.version
    assert data["identifier"] and data["url"] and data["creator"]["name"] and data["publisher"]["name"]
    assert data["isAccessibleForFree"] is True and data["keywords"]
    assert data["includedInDataCatalog"]["@type"] == "DataCatalog"
    assert {d["@type"] for d in data["distribution"]} == {"DataDownload"}
    assert len(data["distribution"]) == 6
    for download in data["distribution"]:
        assert download["contentUrl"].startswith(curated.base + "/releases/" + curated.version + "/")
        assert download["encodingFormat"]


def test_the_jsonld_describes_the_dataset_and_only_the_dataset(web, curated):
    """F-UJI takes as main entity the node with most properties and fewest incoming links."""
    block = Page.of(web.get(curated.base + "/", headers=NO_ACCEPT).text).jsonld[0]
    triples = list(pyoxigraph.parse(block.encode(), format=pyoxigraph.RdfFormat.JSON_LD))
    dataset = pyoxigraph.NamedNode(curated.base + "/dataset")
    typed = {t.subject for t in triples if t.predicate.value == str(RDF.type) and t.object.value == f"{SCHEMA}Dataset"}
    assert typed == {dataset}
    assert not [t for t in triples if t.object == dataset]
    properties = {t.predicate.value for t in triples if t.subject == dataset}
    assert {
        f"{SCHEMA}{p}" for p in ("name", "description", "license", "distribution", "identifier", "creator")
    } <= properties
    licence = next(t.object for t in triples if t.subject == dataset and t.predicate.value == f"{SCHEMA}license")
    assert licence == pyoxigraph.NamedNode(str(LICENCE))  # an IRI, not a string
    subjects = {t.subject for t in triples if isinstance(t.subject, pyoxigraph.NamedNode)}
    assert subjects == {dataset}, "other named nodes would compete with the dataset as main entity"


def test_every_download_in_the_jsonld_is_what_it_says(web, curated):
    for download in embedded(web.get(curated.base + "/", headers=NO_ACCEPT))["distribution"]:
        response = web.get(download["contentUrl"])
        assert response.status_code == 200
        assert len(response.content) == int(download["contentSize"])
        assert hashlib.sha256(response.content).hexdigest() == download["sha256"]
        assert response.headers["Content-Type"] == "application/gzip"
        assert "Content-Encoding" not in response.headers


def test_a_browser_gets_html_and_an_unmet_accept_a_406(web, curated):
    assert web.get(curated.base + "/", headers=BROWSER).headers["Content-Type"].startswith("text/html")
    refused = web.get(curated.base + "/", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "text/turtle" in refused.text


# --- for RDF clients: F-UJI, FAIR Champion, DCAT harvesters ----------------------------------


@pytest.mark.parametrize(
    "accept, media_type",
    [
        (FUJI, "text/turtle"),
        (CHAMPION, "text/turtle"),
        ("*/*", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-triples", "application/n-triples"),
    ],
)
def test_rdf_clients_get_the_dcat_description(web, curated, accept, media_type):
    response = web.get(curated.base + "/", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert response.headers["Vary"] == "Accept, Accept-Encoding"  # the body depends on both
    graph = as_graph(response)
    dataset = URIRef(curated.base + "/dataset")
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert (dataset, DCTERMS.license, LICENCE) in graph
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.identifier, DCTERMS.modified, DCAT.keyword):
        assert graph.value(dataset, predicate) is not None, predicate
    publisher = graph.value(dataset, DCTERMS.publisher)
    assert graph.value(publisher, FOAF.name) is not None
    assert graph.value(dataset, PROV.wasDerivedFrom) is not None  # provenance, F-UJI R1.2
    distributions = set(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) == 6
    for distribution in distributions:
        assert str(graph.value(distribution, DCAT.downloadURL)).startswith(
            f"{curated.base}/releases/{curated.version}/"
        )
        assert graph.value(distribution, DCAT.mediaType) is not None
        assert int(graph.value(distribution, DCAT.byteSize)) > 0
        checksum = graph.value(distribution, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert len(str(graph.value(checksum, SPDX.checksumValue))) == 64


def test_the_turtle_is_the_release_dcat_file(web, curated):
    response = web.get(curated.base + "/", headers={"Accept": "text/turtle"})
    assert response.content == (curated.release / "dcat.ttl").read_bytes()


@pytest.mark.parametrize(
    "suffix, media_type",
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("nt", "application/n-triples"),
        ("html", "text/html"),
    ],
)
def test_suffix_urls_name_one_representation(web, curated, suffix, media_type):
    response = web.get(f"{curated.base}/index.{suffix}", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type


def test_the_distributions_match_the_files(web, curated):
    """DCAT's byte sizes and checksums are those of the files served (F-UJI R1-01MD downloads them)."""
    graph = as_graph(web.get(curated.base + "/", headers={"Accept": "text/turtle"}))
    for distribution in graph.subjects(RDF.type, DCAT.Distribution):
        body = web.get(str(graph.value(distribution, DCAT.downloadURL))).content
        assert len(body) == int(graph.value(distribution, DCAT.byteSize))
        checksum = graph.value(distribution, SPDX.checksum)
        assert hashlib.sha256(body).hexdigest() == str(graph.value(checksum, SPDX.checksumValue))


# --- signposting and caching -------------------------------------------------------------------


@pytest.mark.parametrize("headers", [NO_ACCEPT, {"Accept": "text/turtle"}])
def test_signposting_links(web, curated, headers):
    response = web.get(curated.base + "/", headers=headers)
    found = links(response)
    by_rel: dict[str, list[dict]] = {}
    for link in found:
        by_rel.setdefault(link["rel"], []).append(link)
    assert [link["url"] for link in by_rel["cite-as"]] == [curated.base + "/dataset"]
    assert {link["type"] for link in by_rel["describedby"]} == {"text/turtle", "application/ld+json"}
    assert [link["url"] for link in by_rel["license"]] == [str(LICENCE)]
    assert {link["url"] for link in by_rel["type"]} == {"https://schema.org/Dataset", "https://schema.org/AboutPage"}
    dumps = {p.name for p in curated.release.glob("nolsi-*.gz")}
    assert {link["url"].rsplit("/", 1)[-1] for link in by_rel["item"]} == dumps
    for link in by_rel["describedby"] + by_rel["item"]:
        followed = web.get(link["url"])
        assert followed.status_code == 200
        assert followed.headers["Content-Type"].split(";")[0] == link["type"]


def test_cite_as_resolves_to_the_landing_page(web, curated):
    response = web.get(curated.base + "/dataset", headers=NO_ACCEPT, allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert (
        web.get(curated.base + "/dataset", headers={"Accept": "text/turtle"})
        .headers["Content-Type"]
        .startswith("text/turtle")
    )


@pytest.mark.parametrize("headers", [NO_ACCEPT, {"Accept": "text/turtle"}, {"Accept": "application/ld+json"}])
def test_revalidation_gets_304(web, curated, headers):
    first = web.get(curated.base + "/", headers=headers)
    etag = first.headers["ETag"]
    again = web.get(curated.base + "/", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.content == b""
    since = web.get(curated.base + "/", headers={**headers, "If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_each_representation_has_its_own_etag(web, curated):
    tags = {
        web.get(curated.base + "/", headers=h).headers["ETag"]
        for h in (NO_ACCEPT, {"Accept": "text/turtle"}, {"Accept": "application/ld+json"})
    }
    assert len(tags) == 3


# --- what the page says ------------------------------------------------------------------------


def test_the_page_gives_size_sources_and_ways_in(web, curated):
    response = web.get(curated.base + "/", headers=NO_ACCEPT)
    void = void_of(curated)
    dataset = URIRef(curated.base + "/dataset")
    triples = int(void.value(dataset, VOID.triples))
    assert f"{triples:,}" in response.text
    graphs = sum(
        1
        for s in void.objects(dataset, VOID.subset)
        if (s, RDF.type, VOID.Dataset) in void
        and (s, URIRef("http://www.w3.org/ns/sparql-service-description#name"), None) in void
    )
    assert f"<dd>{graphs}</dd>" in response.text
    page = Page.of(response.text)
    for target in ("/sparql", "/queries", "/ontology", "/releases/latest/", "/about#persistence"):
        assert target in page.hrefs, target
    assert any(h in ("/api/docs", "/api/openapi.json") for h in page.hrefs)
    assert str(LICENCE) in page.hrefs
    documents = {str(d) for d in void.objects(None, PROV.wasDerivedFrom)}
    assert documents
    shown = {h for h in page.hrefs if h.startswith("/doc/document/")}
    assert {"/doc/" + d.split("/id/", 1)[1] for d in documents} <= shown
    assert curated.version in response.text and "Please cite" in response.text


def test_every_link_on_the_page_resolves(web, curated):
    page = Page.of(web.get(curated.base + "/", headers=NO_ACCEPT).text)
    local = sorted({h for h in page.hrefs if h.startswith("/")})
    assert len(local) > 20
    for href in local:
        assert web.get(curated.base + href, headers=BROWSER).status_code == 200, href


def test_html_pages_bear_the_security_headers(web, curated):
    for path in PAGES:
        response = web.get(curated.base + path.format(v=curated.version), headers=BROWSER)
        assert response.headers["Content-Type"].startswith("text/html"), path
        policy = {d.strip().split(" ", 1)[0]: d.strip() for d in response.headers["Content-Security-Policy"].split(";")}
        assert policy["default-src"] == "default-src 'self'" and policy["script-src"] == "script-src 'self'", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
    for path in (
        "/index.ttl",
        "/.well-known/void",
        "/sparql?query=ASK%7B%7D",
        "/-/health",
        f"/releases/{curated.version}/SHA256SUMS",
    ):
        assert web.get(curated.base + path).headers["X-Content-Type-Options"] == "nosniff", path


def test_about_states_persistence_and_citation(web, curated):
    data = embedded(web.get(curated.base + "/", headers=NO_ACCEPT))
    assert data["publishingPrinciples"] == curated.base + "/about#persistence"
    response = web.get(curated.base + "/about", headers=NO_ACCEPT)
    assert response.status_code == 200
    page = Page.of(response.text)
    assert {"persistence", "citation", "versions"} <= page.ids
    assert "never" in response.text and "immutable" in response.text
    assert "cff-version: 1.2.0" in response.text and f"version: &#34;{curated.version}&#34;" in response.text
    assert "license: CC-BY-4.0" in response.text


@pytest.mark.parametrize("policy", ["served", STRICT_CSP], ids=["served", "strict"])
def test_no_content_security_policy_violation_in_a_browser(curated, policy):
    """Chromium reports every CSP violation (and every failed load) as a console error. The pages
    pass under the policy the app serves and under the strict one with no inline style at all."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        try:
            page = browser.new_page()
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            if policy != "served":

                def strict(route):
                    response = route.fetch()
                    route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

                page.route("**/*", strict)
            for path in PAGES:
                page.goto(curated.base + path.format(v=curated.version))
                assert page.locator("h1").count() == 1, path
                assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") != "none", (
                    "site.css not applied"
                )
        finally:
            browser.close()
    assert errors == []


def test_the_dataset_iri_is_the_same_in_every_description(web, curated):
    """The schema.org Dataset, the DCAT dataset and the VoID dataset are one resource."""
    data = embedded(web.get(curated.base + "/", headers=NO_ACCEPT))
    graph = as_graph(web.get(curated.base + "/", headers={"Accept": "text/turtle"}))
    void = as_graph(web.get(curated.base + "/.well-known/void"))
    assert data["@id"] == data["identifier"] == curated.base + "/dataset"
    assert (URIRef(data["@id"]), RDF.type, DCAT.Dataset) in graph
    assert (URIRef(data["@id"]), RDF.type, VOID.Dataset) in void
    assert graph.value(URIRef(data["@id"]), DCAT.version) == Literal(curated.version)
