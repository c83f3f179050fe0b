"""`/sparql` as the SPARQL 1.1 Protocol asks (sparql_api/protocol.py): the W3C Protocol test suite, query side.

The manifests (tests/fixtures/valid/w3c-protocol/, see its README) describe each test as HTTP
requests and expected responses. They are read with rdflib and every request is replayed byte for
byte with `http.client` against a real `nolsi serve` whose store holds the suite's dataset
(`protocol/fixtures.nq`; the session fixture `w3c_server`). Only the path prefix is changed, as the
manifest tells a harness to: `/sparql/` becomes this endpoint's `/sparql`.

Query tests (`query_*`, `bad_query_*`, `bad_multiple_queries`) must answer as the manifest says.
Update tests (`update_*`, `bad_update_*`, `bad_multiple_updates`) do not apply to a read-only
endpoint: each update request must be refused with a 4xx, the manifest's follow-up ASK must now find
nothing of what the update would have written, and the whole dataset must be what it was.

The suite's Service Description tests are in tests/test_description.py.
"""

from __future__ import annotations

import http.client
import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from rdflib import RDF, Dataset, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.query import Result

from tests.conftest import W3C_PROTOCOL

PROTOCOL_MANIFEST = W3C_PROTOCOL / "protocol" / "manifest.ttl"
DATASET = W3C_PROTOCOL / "protocol" / "fixtures.nq"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own, from its N-Quads parser

# The media types the manifest accepts for each mf:expectedFormat, with the rdflib parser for each.
RESULT_FORMATS = {
    "boolean": {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml"},
    "tabular": {
        "application/sparql-results+json": "json",
        "application/sparql-results+xml": "xml",
        "text/csv": "csv",
        "text/tab-separated-values": "tsv",
    },
    "RDF": {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt"},
}


# --- the manifests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: frozenset[int]  # the first digit of each acceptable status class
    expected_boolean: bool | None
    expected_format: str | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    requests: tuple[HttpRequest, ...]
    graph_data: tuple[tuple[str, Path], ...]  # (graph name, file of its triples)

    @property
    def is_update(self) -> bool:
        return "update" in self.name

    def __str__(self) -> str:
        return self.name


def _list(graph: Graph, head) -> list:
    return list(Collection(graph, head))


def _request(graph: Graph, node) -> HttpRequest:
    response = graph.value(node, HT.resp)
    headers = tuple(
        (str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
        for h in _list(graph, graph.value(node, HT.headers) or RDF.nil)
    )
    body = graph.value(node, HT.body)
    if body is not None:
        encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body, CNT.chars)).encode(encoding)
    boolean = graph.value(response, MF.expectedBoolean)
    expected_format = graph.value(response, MF.expectedFormat)
    return HttpRequest(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        statuses=frozenset(int(str(s).removeprefix(HTS)[0]) for s in graph.objects(response, MF.expectedStatus)),
        expected_boolean=None if boolean is None else boolean.toPython(),
        expected_format=None if expected_format is None else str(expected_format),
    )


def load_protocol_tests() -> tuple[list[URIRef], list[ProtocolTest]]:
    graph = Graph().parse(PROTOCOL_MANIFEST, format="turtle")
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest)
    entries = _list(graph, graph.value(manifest, MF.entries))
    tests = []
    for entry in entries:
        action = graph.value(entry, MF.action)
        graph_data = tuple(
            (str(graph.value(d, RDFS_LABEL)), Path(urlsplit(str(graph.value(d, UT.graph))).path))
            for d in graph.objects(entry, UT.graphData)
        )
        tests.append(
            ProtocolTest(
                name=str(entry).rsplit("#", 1)[1],
                title=str(graph.value(entry, MF.name)),
                requests=tuple(_request(graph, r) for r in _list(graph, graph.value(action, HT.requests))),
                graph_data=tuple(sorted(graph_data)),
            )
        )
    return entries, tests


ENTRIES, PROTOCOL_TESTS = load_protocol_tests()
QUERY_TESTS = [t for t in PROTOCOL_TESTS if not t.is_update]
UPDATE_TESTS = [t for t in PROTOCOL_TESTS if t.is_update]


def test_the_manifest_is_read_whole():
    """Every entry becomes one test here, and no request lost its method, path or expectations."""
    assert len(ENTRIES) == len(PROTOCOL_TESTS) == 34
    assert len(QUERY_TESTS) == 20 and len(UPDATE_TESTS) == 14
    assert all(t.name.startswith(("query_", "bad_query_", "bad_multiple_queries")) for t in QUERY_TESTS)
    assert all(t.name.startswith(("update_", "bad_update_", "bad_multiple_updates")) for t in UPDATE_TESTS)
    for test in PROTOCOL_TESTS:
        assert test.requests, test
        for request in test.requests:
            assert request.method in ("GET", "POST", "PUT") and request.path.startswith("/sparql/"), test
            assert request.statuses and request.statuses <= {2, 3, 4}, test


# --- the server ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    base: str

    @property
    def url(self) -> str:
        return self.base + "/sparql"

    def send(self, request: HttpRequest) -> tuple[int, dict[str, str], bytes]:
        """Replay one manifest request as written; only the path prefix changes."""
        split = urlsplit(self.base)
        connection = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
        try:
            connection.request(
                request.method,
                "/sparql" + request.path.removeprefix("/sparql/"),
                body=request.body,
                headers=dict(request.headers),
            )
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def select(self, query: str) -> Result:
        """A SELECT, with a unique comment so the answer cannot come from the answer cache."""
        response = requests.post(
            self.url,
            data={"query": f"{query}\n# {uuid.uuid4()}"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return Result.parse(io.BytesIO(response.content), format="json")


@pytest.fixture(scope="module")
def endpoint(w3c_server: str) -> Endpoint:
    return Endpoint(w3c_server)


def expected_quads() -> set[tuple]:
    dataset = Dataset()
    dataset.parse(DATASET, format="nquads")
    return {(s, p, o, g) for s, p, o, g in dataset.quads((None, None, None, None))}


def served_quads(endpoint: Endpoint) -> set[tuple]:
    rows = endpoint.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {tuple(row) for row in rows}


def served_default_graph(endpoint: Endpoint) -> set[tuple]:
    return {tuple(row) for row in endpoint.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")}


def test_the_store_holds_the_graphs_the_manifest_names(endpoint: Endpoint):
    """The suite presupposes its ut:graphData loaded under their labels; the default graph is their merge."""
    named = {(name, path) for test in PROTOCOL_TESTS for name, path in test.graph_data}
    assert {name for name, _ in named} == {f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)}
    quads = served_quads(endpoint)
    assert quads == expected_quads()
    for name, path in sorted(named):
        assert {(s, p, o) for s, p, o, g in quads if str(g) == name} == set(Graph().parse(path, format="nt")), name
    assert served_default_graph(endpoint) == {(s, p, o) for s, p, o, _ in quads}


# --- query tests -----------------------------------------------------------------------------


def media_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def check(test: ProtocolTest, request: HttpRequest, status: int, headers: dict[str, str], body: bytes) -> None:
    """The manifest's expectations for one response: status class, result format, boolean."""
    shown = f"{test.name} ({test.title}): {request.method} {request.path}"
    wanted = " or ".join(f"{s}xx" for s in sorted(request.statuses))
    if status // 100 not in request.statuses:
        pytest.fail(f"{shown}\nexpected {wanted}, got {status}: {body[:500]!r}")
    if request.expected_format is None:
        return
    offered = RESULT_FORMATS[request.expected_format]
    kind = media_type(headers)
    assert kind in offered, (
        f"{shown}\n{request.expected_format} result expected as one of {sorted(offered)}, got {kind!r}"
    )
    if request.expected_format == "RDF":
        Graph().parse(data=body, format=offered[kind])  # parses, or raises
        return
    result = Result.parse(io.BytesIO(body), format=offered[kind])
    if request.expected_format == "boolean":
        assert result.type == "ASK", shown
        if request.expected_boolean is not None:
            assert result.askAnswer is request.expected_boolean, shown
    else:
        assert result.type == "SELECT" and result.vars, shown


@pytest.mark.parametrize("test", QUERY_TESTS, ids=str)
def test_query(endpoint: Endpoint, test: ProtocolTest):
    for request in test.requests:
        check(test, request, *endpoint.send(request))


def by_name(name: str) -> ProtocolTest:
    return next(t for t in PROTOCOL_TESTS if t.name == name)


def test_content_type_select_gives_its_value(endpoint: Endpoint):
    """Beyond the manifest's format check: SELECT (1 AS ?value) {} gives one row, 1."""
    status, headers, body = endpoint.send(by_name("query_content_type_select").requests[0])
    assert status == 200
    rows = list(Result.parse(io.BytesIO(body), format=RESULT_FORMATS["tabular"][media_type(headers)]))
    assert [row[0].toPython() for row in rows] == [1]


def test_content_type_construct_resolves_relative_iris(endpoint: Endpoint):
    """CONSTRUCT { <s> <p> 1 } WHERE {} has no BASE: its relative IRIs resolve against a base the
    service supplies (SPARQL 1.1 Query 4.1.1.1 and RFC 3986 5.1; the endpoint URL will do)."""
    status, headers, body = endpoint.send(by_name("query_content_type_construct").requests[0])
    assert status == 200, body
    graph = Graph().parse(data=body, format=RESULT_FORMATS["RDF"][media_type(headers)])
    ((s, p, o),) = graph
    assert o.toPython() == 1
    assert str(s).endswith("s") and str(p).endswith("p") and urlsplit(str(s)).scheme and urlsplit(str(p)).scheme


# --- update tests: refused, nothing changes --------------------------------------------------


@pytest.mark.parametrize("test", UPDATE_TESTS, ids=str)
def test_update_is_refused_and_changes_nothing(endpoint: Endpoint, test: ProtocolTest):
    before = served_quads(endpoint)
    update, *follow_ups = test.requests
    status, _, body = endpoint.send(update)
    assert 400 <= status < 500, f"{test.name}: the update request got {status}: {body[:300]!r}"
    for request in follow_ups:
        # The manifest's check that the update took effect: now it must find nothing.
        status, headers, body = endpoint.send(request)
        assert status == 200, body
        result = Result.parse(io.BytesIO(body), format=RESULT_FORMATS["boolean"][media_type(headers)])
        assert result.askAnswer is (not request.expected_boolean), test.name
    assert served_quads(endpoint) == before == expected_quads()
    assert served_default_graph(endpoint) == {(s, p, o) for s, p, o, _ in before}
