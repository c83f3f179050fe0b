"""The SPARQL 1.1 Service Description on a bare GET of `/sparql` (sparql_api/description.py): the W3C
suite's Service Description tests (tests/fixtures/valid/w3c-protocol/service-description), and what a
browser and an RDF client each get."""

from __future__ import annotations

import pyoxigraph
import pytest
import requests
from flask.testing import FlaskClient
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from loader.namespaces import PREFIXES
from tests.conftest import W3C_PROTOCOL, Server
from tests.test_clients import media_type
from tests.test_protocol import MF, expected_quads

SD_MANIFEST = W3C_PROTOCOL / "service-description" / "manifest.ttl"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
QUAD_SYNTAXES = {"application/n-quads": pyoxigraph.RdfFormat.N_QUADS, "application/trig": pyoxigraph.RdfFormat.TRIG}
RDF_MEDIA_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own, from its N-Quads parser


def load_service_description_tests() -> list[str]:
    graph = Graph().parse(SD_MANIFEST, format="turtle")
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest)
    return [str(e).rsplit("#", 1)[1] for e in Collection(graph, graph.value(manifest, MF.entries))]


SD_TESTS = load_service_description_tests()


# --- the W3C suite's Service Description tests ------------------------------------------------


def service_description(url: str, accept: str | None = None) -> tuple[requests.Response, Graph]:
    """The Service Description as a graph; in a quad syntax its triples must be in the default graph."""
    response = requests.get(url, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200, f"Accept: {accept}: {response.status_code} {response.text}"
    kind = media_type(response).lower()
    assert kind in RDF_MEDIA_TYPES, f"the Service Description came as {kind!r}, not RDF"
    if kind in QUAD_SYNTAXES:
        quads = list(pyoxigraph.parse(response.content, format=QUAD_SYNTAXES[kind]))
        named = {str(q.graph_name) for q in quads if q.graph_name != pyoxigraph.DefaultGraph()}
        assert not named, f"{kind}: the description is in graph(s) {named}, not in the default graph"
        ntriples = pyoxigraph.serialize([q.triple for q in quads], format=pyoxigraph.RdfFormat.N_TRIPLES)
        return response, Graph().parse(data=ntriples, format="nt")
    return response, Graph().parse(data=response.content, format=RDF_MEDIA_TYPES[kind])


def sd_returns_rdf(url: str) -> None:
    """GET on the endpoint URL returns RDF: with no Accept, with */*, and in each RDF syntax asked for."""
    _, plain = service_description(url)
    assert (None, RDF.type, SD.Service) in plain
    problems = []
    for accept in ("*/*", *RDF_MEDIA_TYPES):  # every syntax tried, every failure reported
        try:
            response, graph = service_description(url, accept)
            if accept != "*/*":
                assert response.headers["Content-Type"].split(";")[0] == accept
            assert isomorphic(graph, plain), f"Accept: {accept}: not the same description"
        except AssertionError as error:
            problems.append(str(error).splitlines()[0])
    assert not problems, "\n".join(problems)


def sd_has_endpoint_triple(url: str) -> None:
    """The RDF returned from endpoint URL U has a triple `?service sd:endpoint <U>`."""
    _, graph = service_description(url)
    services = set(graph.subjects(SD.endpoint, URIRef(url)))
    assert services, f"no ?service sd:endpoint <{url}>: {sorted(graph.objects(None, SD.endpoint))}"
    assert all((s, RDF.type, SD.Service) in graph for s in services)


def sd_conforms_to_schema(url: str) -> None:
    """The validator's check (every sd:NamedGraph has an sd:name), and the vocabulary's other uses."""
    _, graph = service_description(url)
    named_graphs = set(graph.subjects(RDF.type, SD.NamedGraph))
    for named in named_graphs:
        names = list(graph.objects(named, SD.name))
        assert len(names) == 1 and isinstance(names[0], URIRef), named
        assert all((g, RDF.type, SD.Graph) in graph for g in graph.objects(named, SD.graph))
    (service,) = graph.subjects(RDF.type, SD.Service)
    languages = set(graph.objects(service, SD.supportedLanguage))
    assert SD.SPARQL11Query in languages
    assert SD.SPARQL11Update not in languages, "a read-only endpoint must not claim SPARQL 1.1 Update"
    assert languages <= {SD.SPARQL10Query, SD.SPARQL11Query}
    assert all(isinstance(f, URIRef) for f in graph.objects(service, SD.resultFormat))
    assert all(isinstance(f, URIRef) for f in graph.objects(service, SD.feature))
    (dataset,) = graph.objects(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in graph
    (default,) = graph.objects(dataset, SD.defaultGraph)
    assert (default, RDF.type, SD.Graph) in graph
    assert set(graph.objects(dataset, SD.namedGraph)) == named_graphs
    assert {str(graph.value(n, SD.name)) for n in named_graphs} == {str(g) for *_, g in expected_quads()}


SD_CHECKS = {
    "returns-rdf": sd_returns_rdf,
    "has-endpoint-triple": sd_has_endpoint_triple,
    "conforms-to-schema": sd_conforms_to_schema,
}


def test_every_service_description_test_is_driven():
    assert sorted(SD_TESTS) == sorted(SD_CHECKS)


@pytest.mark.parametrize("name", SD_TESTS)
def test_service_description(w3c_server: str, name: str):
    SD_CHECKS[name](w3c_server + "/sparql")


# --- a browser or an RDF client ---------------------------------------------------------------


def test_head_of_the_service_description(sample_endpoint: Server):
    head = requests.head(sample_endpoint.url, timeout=15)
    assert head.status_code == 200 and head.content == b"" and media_type(head) == "text/turtle"


def test_service_description_or_editor(sample_endpoint: Server):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert media_type(requests.get(sample_endpoint.url, headers={"Accept": browser}, timeout=15)) == "text/html"
    for accept in (None, "*/*", "text/turtle"):
        response = requests.get(sample_endpoint.url, headers={"Accept": accept}, timeout=15)
        assert response.status_code == 200 and media_type(response) == "text/turtle", accept
    assert requests.get(sample_endpoint.url, headers={"Accept": "image/png"}, timeout=15).status_code == 406


@pytest.fixture(scope="module")
def pages(sample_app) -> FlaskClient:
    return sample_app.test_client()


def test_the_service_description_declares_the_predeclared_prefixes(pages):
    sd = Graph().parse(data=pages.get("/sparql", headers={"Accept": "text/turtle"}).text, format="turtle")
    declared = {str(sd.value(d, SH.prefix)): str(sd.value(d, SH.namespace)) for d in sd.objects(None, SH.declare)}
    assert declared == PREFIXES
