"""Real clients against a real `nolsi serve`: SPARQLWrapper, rdflib's SPARQLStore, and plain HTTP.

The store is built from tests/fixtures/valid/formats/sample.nq (graphs .../graph/one and
.../graph/two) and sample.ttl (its own graph): the default graph, their merge, holds two triples.
Every answer is parsed by the client and compared with that data, not only its status.

Servers: `endpoint` (tests/conftest.py `sample_endpoint`: the sample, a small request-size limit and
a 10 s query limit so a wrongly made outgoing call cannot hang the tests), and one per module-scoped
fixture: `limited` (row limit 1) and `slow` (3000 generated triples, query limit 1 s, one worker).
"""

from __future__ import annotations

import io
import json
import select
import socket
import threading
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode

import pytest
import requests
from rdflib import ConjunctiveGraph, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from loader import read
from tests.conftest import MAX_BYTES, SAMPLE_NQ, SAMPLE_TTL, Server, build, serving

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

EX = "http://example.org/"
TSD, LABEL, RANK = URIRef(EX + "tsd"), URIRef(EX + "label"), URIRef(EX + "rank")
ONE, TWO = URIRef(EX + "graph/one"), URIRef(EX + "graph/two")
SAMPLE_GRAPH = URIRef(read.file_sources([SAMPLE_TTL])[0].graph)  # the graph the loader gives sample.ttl
TSD_LABEL = (TSD, LABEL, Literal("TSD", lang="en"))
TSD_RANK = (TSD, RANK, Literal("4", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")))
TRIPLES = {TSD_LABEL, TSD_RANK}  # the default graph: the merge of the named graphs, without duplicates
QUADS = {(*TSD_LABEL, ONE), (*TSD_RANK, TWO), (*TSD_LABEL, SAMPLE_GRAPH), (*TSD_RANK, SAMPLE_GRAPH)}

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
DESCRIBE = "DESCRIBE <http://example.org/tsd>"

SOLUTION_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


# --- servers and helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint(sample_endpoint: Server) -> Server:
    return sample_endpoint


@pytest.fixture(scope="module")
def limited(tmp_path_factory) -> Server:
    store, version = build(tmp_path_factory.mktemp("limited"), SAMPLE_NQ, SAMPLE_TTL)
    with serving("--store", store, env={"NOLSI_ROW_LIMIT": "1"}) as base:
        yield Server(base, version)


def media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip()


def rows_of(body: bytes, kind: str) -> list[tuple]:
    result = Result.parse(io.BytesIO(body), format=SOLUTION_TYPES[kind])
    assert result.type == "SELECT"
    return [tuple(row) for row in result]


def graph_of(body: bytes, kind: str) -> Graph:
    return Graph().parse(data=body, format=GRAPH_TYPES[kind])


def plain_rows(rows) -> set[tuple[str, ...]]:
    """Rows as strings: CSV keeps no term types, so it is compared this way."""
    return {tuple(str(value) for value in row) for row in rows}


def expected_graph() -> Graph:
    graph = Graph()
    for triple in TRIPLES:
        graph.add(triple)
    return graph


def fresh(query: str) -> str:
    """The query with a unique comment: its answer cannot come from the server's answer cache."""
    return f"{query}\n# {uuid.uuid4()}"


def dataset(server: Server) -> tuple[set[tuple], set[tuple]]:
    """Every quad and the default graph, as the endpoint serves them now."""

    def select(query):
        response = requests.post(
            server.url, data={"query": fresh(query)}, headers={"Accept": "application/sparql-results+json"}, timeout=15
        )
        assert response.status_code == 200, response.text
        return set(rows_of(response.content, "application/sparql-results+json"))

    return select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"), select(SELECT)


def test_the_endpoint_serves_the_sample(endpoint: Server):
    assert dataset(endpoint) == (QUADS, TRIPLES)


# --- SPARQLWrapper ---------------------------------------------------------------------------

WRAPPER_METHODS = {"GET": (GET, URLENCODED), "POST": (POST, URLENCODED), "POST-directly": (POST, POSTDIRECTLY)}
WRAPPER_SOLUTIONS = {
    JSON: "application/sparql-results+json",
    XML: "application/sparql-results+xml",
    CSV: "text/csv",
    TSV: "text/tab-separated-values",
}
WRAPPER_GRAPHS = {
    TURTLE: "text/turtle",
    "n-triples": "application/n-triples",
    JSONLD: "application/ld+json",
    RDFXML: "application/rdf+xml",
}


def wrapper(server: Server, method: str, query: str, return_format: str, only_conneg: bool = True) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url)
    client.setMethod(WRAPPER_METHODS[method][0])
    client.setRequestMethod(WRAPPER_METHODS[method][1])
    client.setOnlyConneg(only_conneg)
    client.setQuery(query)
    if return_format == "n-triples":  # SPARQLWrapper has no N-Triples format of its own: ask for it by Accept
        client.setReturnFormat(TURTLE)
        client.addCustomHttpHeader("Accept", "application/n-triples")
    else:
        client.setReturnFormat(return_format)
    return client


def wrapper_rows(converted, return_format: str) -> list[tuple]:
    """SPARQLWrapper's converted SELECT answer (dict, DOM or bytes) as rows of rdflib terms."""
    if return_format == JSON:
        body = json.dumps(converted).encode()
    elif return_format == XML:
        body = converted.toxml().encode()
    else:
        body = converted
    return rows_of(body, WRAPPER_SOLUTIONS[return_format])


def wrapper_boolean(converted, return_format: str) -> bool:
    if return_format == JSON:
        return converted["boolean"]
    if return_format == XML:
        return converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    return converted.strip() == b"true"


@pytest.mark.parametrize("return_format", list(WRAPPER_SOLUTIONS))
@pytest.mark.parametrize("method", list(WRAPPER_METHODS))
def test_sparqlwrapper_select_and_ask(endpoint: Server, method: str, return_format: str):
    response = wrapper(endpoint, method, SELECT, return_format).query()
    assert response.response.headers["Content-Type"].split(";")[0] == WRAPPER_SOLUTIONS[return_format]
    rows = wrapper_rows(response.convert(), return_format)
    assert len(rows) == 2
    if return_format == CSV:
        assert plain_rows(rows) == plain_rows(TRIPLES)
    else:
        assert set(rows) == TRIPLES

    response = wrapper(endpoint, method, ASK, return_format).query()
    assert response.response.headers["Content-Type"].split(";")[0] == WRAPPER_SOLUTIONS[return_format]
    assert wrapper_boolean(response.convert(), return_format) is True
    converted = wrapper(endpoint, method, "ASK { ?s <http://example.org/nothing> ?o }", return_format).query().convert()
    assert wrapper_boolean(converted, return_format) is False


@pytest.mark.parametrize("return_format", list(WRAPPER_GRAPHS))
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["CONSTRUCT", "DESCRIBE"])
@pytest.mark.parametrize("method", list(WRAPPER_METHODS))
def test_sparqlwrapper_construct_and_describe(endpoint: Server, method: str, query: str, return_format: str):
    response = wrapper(endpoint, method, query, return_format).query()
    kind = response.response.headers["Content-Type"].split(";")[0]
    assert kind == WRAPPER_GRAPHS[return_format]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SPARQLWrapper warns that it returns N-Triples as bytes
        converted = response.convert()
    graph = converted if isinstance(converted, Graph) else graph_of(converted, kind)
    assert isomorphic(graph, expected_graph())


@pytest.mark.parametrize(
    "query, return_format",
    [(SELECT, JSON), (SELECT, TSV), (CONSTRUCT, RDFXML), (CONSTRUCT, JSONLD)],
    ids=["SELECT-json", "SELECT-tsv", "CONSTRUCT-rdfxml", "CONSTRUCT-jsonld"],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_with_its_default_settings(endpoint: Server, query: str, return_format: str, method: str):
    """As most people use it: SPARQLWrapper adds `format`, `output` and `results` parameters to every
    query (for TSV, JSON-LD and RDF/XML `format` twice: its short name and the media type)."""
    converted = wrapper(endpoint, method, query, return_format, only_conneg=False).query().convert()
    if query == SELECT:
        assert set(wrapper_rows(converted, return_format)) == TRIPLES
    else:
        assert isomorphic(converted, expected_graph())


# --- rdflib SPARQLStore ----------------------------------------------------------------------


@pytest.mark.parametrize("return_format", ["xml", "json", "csv", "tsv"])
@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_graph_on_a_sparqlstore_queries(endpoint: Server, method: str, return_format: str):
    graph = Graph(store=SPARQLStore(endpoint.url, method=method, returnFormat=return_format))
    rows = [tuple(row) for row in graph.query(SELECT)]
    assert len(rows) == 2
    if return_format == "csv":
        assert plain_rows(rows) == plain_rows(TRIPLES)
    else:
        assert set(rows) == TRIPLES
    if return_format in ("xml", "json"):  # rdflib reads ASK answers in these two only
        assert graph.query(ASK).askAnswer is True


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_graph_on_a_sparqlstore_reads_like_a_local_graph(endpoint: Server, method: str):
    graph = Graph(store=SPARQLStore(endpoint.url, method=method))
    assert len(graph) == 2
    assert set(graph) == TRIPLES
    assert set(graph.triples((None, RANK, None))) == {TSD_RANK}
    assert graph.value(TSD, LABEL) == Literal("TSD", lang="en")
    assert isomorphic(graph.query(CONSTRUCT).graph, expected_graph())
    assert isomorphic(graph.query(DESCRIBE).graph, expected_graph())


def test_rdflib_conjunctive_graph_sees_the_named_graphs(endpoint: Server):
    graph = ConjunctiveGraph(store=SPARQLStore(endpoint.url))
    assert {c.identifier for c in graph.contexts()} == {ONE, TWO, SAMPLE_GRAPH}
    assert set(graph.get_context(ONE)) == {TSD_LABEL}  # asked with default-graph-uri=<one>
    assert set(graph.get_context(TWO)) == {TSD_RANK}
    assert set(graph.get_context(SAMPLE_GRAPH)) == TRIPLES
    assert [tuple(r) for r in graph.get_context(TWO).query("SELECT ?o WHERE { ?s ?p ?o }")] == [(TSD_RANK[2],)]


def test_rdflib_dataset_queries_the_named_graphs(endpoint: Server):
    union = Dataset(store=SPARQLStore(endpoint.url), default_union=True)
    rows = union.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {tuple(row) for row in rows} == QUADS


# --- content negotiation and the format parameter --------------------------------------------

NEGOTIATION = [
    # (query, Accept, the media type expected, or None for 406)
    (SELECT, "text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    (SELECT, "application/sparql-results+xml;q=0.5, text/csv", "text/csv"),
    (SELECT, "text/tab-separated-values;q=0.9, application/sparql-results+json;q=0.8", "text/tab-separated-values"),
    (SELECT, "*/*;q=0.1, text/csv", "text/csv"),
    (
        SELECT,
        "application/sparql-results+json;q=0, application/sparql-results+xml;q=0.2, */*;q=0.1",
        "application/sparql-results+xml",
    ),
    (SELECT, None, "application/sparql-results+json"),
    (SELECT, "*/*", "application/sparql-results+json"),
    (SELECT, "application/json", "application/sparql-results+json"),
    (SELECT, "application/xml", "application/sparql-results+xml"),
    (SELECT, "text/turtle", None),
    (SELECT, "image/png", None),
    (ASK, "application/sparql-results+xml", "application/sparql-results+xml"),
    (ASK, None, "application/sparql-results+json"),
    (CONSTRUCT, "application/n-triples;q=0.9, text/turtle;q=0.2", "application/n-triples"),
    (CONSTRUCT, "application/ld+json", "application/ld+json"),
    (CONSTRUCT, "application/rdf+xml", "application/rdf+xml"),
    (CONSTRUCT, "application/n-quads", "application/n-quads"),
    (CONSTRUCT, "application/trig", "application/trig"),
    (CONSTRUCT, None, "text/turtle"),
    (CONSTRUCT, "*/*", "text/turtle"),
    (CONSTRUCT, "application/sparql-results+json", None),
    (DESCRIBE, "application/rdf+xml;q=0.5, application/ld+json", "application/ld+json"),
]


def check_answer(response: requests.Response, query: str, expected_type: str | None) -> None:
    """Status, Content-Type, and the data itself parsed back from the body."""
    if expected_type is None:
        assert response.status_code == 406, response.text
        return
    assert response.status_code == 200, response.text
    assert media_type(response) == expected_type
    if query == ASK:
        assert Result.parse(io.BytesIO(response.content), format=SOLUTION_TYPES[expected_type]).askAnswer is True
    elif query == SELECT:
        rows = rows_of(response.content, expected_type)
        assert (plain_rows(rows) == plain_rows(TRIPLES)) if expected_type == "text/csv" else (set(rows) == TRIPLES)
    else:
        assert isomorphic(graph_of(response.content, expected_type), expected_graph())


@pytest.mark.parametrize("query, accept, expected", NEGOTIATION)
def test_content_negotiation(endpoint: Server, query: str, accept: str | None, expected: str | None):
    response = requests.get(endpoint.url, params={"query": query}, headers={"Accept": accept}, timeout=15)
    check_answer(response, query, expected)
    if expected is None:
        assert "offered" in response.text  # says what it could have given


FORMAT_PARAMETER = [
    # (query, format, Accept sent alongside, expected media type, or None for 406)
    (SELECT, "csv", "application/sparql-results+xml", "text/csv"),
    (SELECT, "tsv", None, "text/tab-separated-values"),
    (SELECT, "xml", "application/sparql-results+json", "application/sparql-results+xml"),
    (SELECT, "json", "text/csv", "application/sparql-results+json"),
    (SELECT, "text/tab-separated-values", None, "text/tab-separated-values"),
    (ASK, "xml", None, "application/sparql-results+xml"),
    (CONSTRUCT, "ttl", "application/rdf+xml", "text/turtle"),
    (CONSTRUCT, "nt", None, "application/n-triples"),
    (CONSTRUCT, "jsonld", None, "application/ld+json"),
    (CONSTRUCT, "rdfxml", "text/turtle", "application/rdf+xml"),
    (DESCRIBE, "application/n-triples", None, "application/n-triples"),
    (SELECT, "turtle", None, None),
]


@pytest.mark.parametrize("query, name, accept, expected", FORMAT_PARAMETER)
def test_format_parameter_overrides_accept(endpoint: Server, query: str, name: str, accept, expected):
    headers = {"Accept": accept}
    check_answer(
        requests.get(endpoint.url, params={"query": query, "format": name}, headers=headers, timeout=15),
        query,
        expected,
    )
    check_answer(
        requests.post(endpoint.url, data={"query": query, "format": name}, headers=headers, timeout=15), query, expected
    )
    direct = requests.post(
        endpoint.url,
        params={"format": name},
        data=query.encode(),
        headers={**headers, "Content-Type": "application/sparql-query"},
        timeout=15,
    )
    check_answer(direct, query, expected)


def test_bad_format_parameters_are_400(endpoint: Server):
    assert requests.get(endpoint.url, params={"query": SELECT, "format": "bogus"}, timeout=15).status_code == 400
    assert (
        requests.get(
            endpoint.url, params=[("query", SELECT), ("format", "csv"), ("format", "json")], timeout=15
        ).status_code
        == 400
    )


# --- CORS ------------------------------------------------------------------------------------

ORIGIN = "https://app.example.org"


def allows(response: requests.Response) -> bool:
    return response.headers.get("Access-Control-Allow-Origin") in ("*", ORIGIN)


def test_cors_on_a_query(endpoint: Server):
    response = requests.get(endpoint.url, params={"query": SELECT}, headers={"Origin": ORIGIN}, timeout=15)
    assert response.status_code == 200 and allows(response)
    exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "last-modified", "result-rows", "result-truncated", "result-row-limit"} <= exposed


def test_cors_preflight(endpoint: Server):
    response = requests.options(
        endpoint.url,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=15,
    )
    assert response.status_code in (200, 204) and allows(response)
    assert "POST" in {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


def test_cors_on_errors_so_a_browser_app_can_read_them(endpoint: Server):
    for params, status in (({"query": "ASK {"}, 400), ({"query": "CLEAR ALL"}, 403)):
        response = requests.get(endpoint.url, params=params, headers={"Origin": ORIGIN}, timeout=15)
        assert response.status_code == status and allows(response), params
    response = requests.get(
        endpoint.url, params={"query": SELECT}, headers={"Origin": ORIGIN, "Accept": "image/png"}, timeout=15
    )
    assert response.status_code == 406 and allows(response)


# --- the row limit ---------------------------------------------------------------------------


def cut_headers(response: requests.Response, rows: int, truncated: bool) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["Result-Rows"] == str(rows)
    assert response.headers["Result-Truncated"] == ("true" if truncated else "false")
    assert response.headers["Result-Row-Limit"] == "1"


@pytest.mark.parametrize("kind", list(SOLUTION_TYPES))
def test_row_limit_cuts_solutions_in_every_format(limited: Server, kind: str):
    response = requests.get(limited.url, params={"query": SELECT}, headers={"Accept": kind}, timeout=15)
    cut_headers(response, 1, True)
    assert media_type(response) == kind
    (row,) = rows_of(response.content, kind)
    assert plain_rows([row]) <= plain_rows(TRIPLES)
    one = requests.get(
        limited.url,
        params={"query": "SELECT ?o WHERE { ?s <http://example.org/rank> ?o }"},
        headers={"Accept": kind},
        timeout=15,
    )
    cut_headers(one, 1, False)


@pytest.mark.parametrize("kind", ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["CONSTRUCT", "DESCRIBE"])
def test_row_limit_cuts_graphs_in_every_format(limited: Server, query: str, kind: str):
    response = requests.get(limited.url, params={"query": query}, headers={"Accept": kind}, timeout=15)
    cut_headers(response, 1, True)
    assert media_type(response) == kind
    (triple,) = graph_of(response.content, kind)
    assert triple in TRIPLES


def test_row_limit_leaves_ask_alone(limited: Server):
    response = requests.get(limited.url, params={"query": ASK}, timeout=15)
    cut_headers(response, 1, False)
    assert response.json()["boolean"] is True


# --- the query time limit --------------------------------------------------------------------

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 3000^3 rows to count


@pytest.fixture(scope="module")
def slow(tmp_path_factory) -> Server:
    folder = tmp_path_factory.mktemp("slow")
    data = folder / "generated.nt"
    data.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p{i % 7}> "{i}" .\n' for i in range(3000)))
    store, version = build(folder, data)
    with serving("--store", store, "--query-timeout", "1", "--workers", "1") as base:  # one pool to warm
        yield Server(base, version)


def timed(url: str, query: str) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.get(url, params={"query": query}, timeout=30)
    return response, time.monotonic() - started


def test_trivial_queries_are_not_stopped_by_a_one_second_limit(slow: Server):
    """On a fresh server every request needs a new evaluator; a query of no work must still be answered."""
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: timed(slow.url, f"ASK {{}} # {i}"), range(8)))
    statuses = [(r.status_code, round(seconds, 2)) for r, seconds in answers]
    assert all(r.status_code == 200 and r.json()["boolean"] is True for r, _ in answers), statuses


def test_a_runaway_query_is_stopped_and_blocks_nothing(slow: Server):
    with ThreadPoolExecutor(8) as pool:  # an evaluator for each of the worker's 4 threads
        list(pool.map(lambda i: timed(slow.url, f"ASK {{}} # warm {i}"), range(8)))

    runaway = {}
    thread = threading.Thread(
        target=lambda: runaway.update(zip(("response", "seconds"), timed(slow.url, fresh(RUNAWAY)), strict=True))
    )
    thread.start()
    time.sleep(0.2)
    simple, simple_seconds = timed(slow.url, fresh("SELECT ?o WHERE { <http://example.org/s5> ?p ?o }"))
    thread.join(10)

    response = runaway["response"]
    assert response.status_code == 503, response.text
    assert runaway["seconds"] < 2.5
    assert media_type(response) == "text/plain"
    message = response.text
    assert "1 second" in message and "stopped" in message  # says what happened
    assert len(response.content) == int(response.headers["Content-Length"]) < 300  # the message, nothing of a result
    assert not message.lstrip().startswith(("{", "<", "?n", "n\r")) and "Result-Rows" not in response.headers

    assert simple.status_code == 200, simple.text
    assert simple.json()["results"]["bindings"] == [{"o": {"type": "literal", "value": "5"}}]
    assert simple_seconds < 0.5

    for attempt in range(3):  # and afterwards the server answers as before
        after, _ = timed(slow.url, fresh("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
        assert after.status_code == 200, f"query {attempt + 1} after the timeout: {after.status_code} {after.text}"
        assert after.json()["results"]["bindings"][0]["n"]["value"] == "3000"


# --- a read-only endpoint --------------------------------------------------------------------


class Listener:
    """A TCP socket on 127.0.0.1 that counts the connections made to it."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.accepted = 0

    def connections(self, wait: float = 0.05) -> int:
        deadline = time.monotonic() + wait
        while select.select([self.socket], [], [], max(0.0, deadline - time.monotonic()))[0]:
            connection, _ = self.socket.accept()
            connection.close()
            self.accepted += 1
        return self.accepted


@pytest.fixture(scope="module")
def listener():
    listening = Listener()
    yield listening
    listening.socket.close()


UPDATES = {
    "INSERT DATA": (
        "INSERT DATA { GRAPH <http://example.org/graph/one> { <http://example.org/x> <http://example.org/y> 1 } }"
    ),
    "DELETE WHERE": "DELETE WHERE { ?s ?p ?o }",
    "LOAD": "LOAD <{listener}/data.ttl> INTO GRAPH <http://example.org/loaded>",
    "CLEAR": "CLEAR ALL",
    "DROP": "DROP GRAPH <http://example.org/graph/one>",
    "CREATE": "CREATE GRAPH <http://example.org/new>",
}
TRANSPORTS = {
    "GET query=": lambda url, text: requests.get(url, params={"query": text}, timeout=15),
    "GET update=": lambda url, text: requests.get(url, params={"update": text}, timeout=15),
    "POST form query=": lambda url, text: requests.post(url, data={"query": text}, timeout=15),
    "POST form update=": lambda url, text: requests.post(url, data={"update": text}, timeout=15),
    "POST sparql-update": lambda url, text: requests.post(
        url, data=text.encode(), headers={"Content-Type": "application/sparql-update"}, timeout=15
    ),
    "POST sparql-query": lambda url, text: requests.post(
        url, data=text.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=15
    ),
}


@pytest.mark.parametrize("transport", list(TRANSPORTS))
@pytest.mark.parametrize("operation", list(UPDATES))
def test_updates_are_refused_and_change_nothing(endpoint: Server, listener: Listener, operation: str, transport: str):
    before = listener.connections()
    response = TRANSPORTS[transport](endpoint.url, UPDATES[operation].replace("{listener}", listener.url))
    assert 400 <= response.status_code < 500, f"{operation} via {transport}: {response.status_code} {response.text}"
    assert listener.connections() == before
    assert dataset(endpoint) == (QUADS, TRIPLES)


SERVICE_CALLS = {
    "plain": "SELECT * WHERE { SERVICE <{u}/sparql> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <{u}/sparql> { ?s ?p ?o } }",
    "lower case": "select * where { service <{u}/sparql> { ?s ?p ?o } }",
    "codepoint escape": "SELECT * WHERE { SERVIC\\u0045 <{u}/sparql> { ?s ?p ?o } }",
    "prefixed name": "PREFIX remote: <{u}/> SELECT * WHERE { SERVICE remote:sparql { ?s ?p ?o } }",
    "relative to BASE": "BASE <{u}/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "variable": "SELECT * WHERE { VALUES ?e { <{u}/sparql> } SERVICE ?e { ?s ?p ?o } }",
    "in EXISTS": "ASK { FILTER EXISTS { SERVICE <{u}/sparql> { ?s ?p ?o } } }",
    "in a subquery": "SELECT * WHERE { { SELECT * WHERE { SERVICE <{u}/sparql> { ?s ?p ?o } } } }",
    "in OPTIONAL": "SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE <{u}/sparql> { ?s ?p ?o } } }",
    "in CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{u}/sparql> { ?s ?p ?o } }",
    "in DESCRIBE": "DESCRIBE ?s WHERE { SERVICE <{u}/sparql> { ?s ?p ?o } }",
}


@pytest.mark.parametrize("name", list(SERVICE_CALLS))
def test_service_is_refused_without_a_connection(endpoint: Server, listener: Listener, name: str):
    query = SERVICE_CALLS[name].replace("{u}", listener.url)
    before = listener.connections()
    for response in (
        requests.get(endpoint.url, params={"query": query}, timeout=15),
        requests.post(
            endpoint.url, data=query.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=15
        ),
    ):
        assert response.status_code == 403, response.text
        assert "SERVICE" in response.text
    assert listener.connections() == before, "the endpoint connected to the SERVICE"


def test_dataset_iris_are_never_fetched(endpoint: Server, listener: Listener):
    before = listener.connections()
    remote = f"{listener.url}/x"
    for query, params in (
        (f"SELECT * FROM <{remote}> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM NAMED <{remote}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        (
            f"SELECT * FROM <{remote}> FROM NAMED <{remote}/y> "
            "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
            {},
        ),
        (SELECT, {"default-graph-uri": remote}),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": remote}),
    ):
        response = requests.get(endpoint.url, params={"query": query, **params}, timeout=15)
        assert response.status_code == 200, response.text
        assert response.json()["results"]["bindings"] == []  # no local graph has that name
    assert listener.connections(wait=0.2) == before, "the endpoint fetched a dataset IRI"


# --- request bodies: size and encoding -------------------------------------------------------


def chunked(body: bytes, size: int = 1000):
    """A generator body: requests sends it with Transfer-Encoding: chunked and no Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def padded(size: int) -> str:
    """A query of about `size` bytes whose last clause matters: LIMIT 0 must give no rows."""
    head, tail = "SELECT * WHERE { ?s ?p ?o }", " LIMIT 0"
    return head + " " * (size - len(head) - len(tail)) + tail


def form(query: str) -> bytes:
    return urlencode({"query": query}).encode()


BODIES = {
    "direct": (lambda q: q.encode(), "application/sparql-query"),
    "form": (form, "application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize("transfer", ["Content-Length", "chunked"])
@pytest.mark.parametrize("encoding", list(BODIES))
def test_a_body_over_the_limit_is_413(endpoint: Server, encoding: str, transfer: str):
    encode, content_type = BODIES[encoding]
    body = encode(padded(MAX_BYTES + 500))
    assert len(body) > MAX_BYTES
    data = body if transfer == "Content-Length" else chunked(body)
    response = requests.post(endpoint.url, data=data, headers={"Content-Type": content_type}, timeout=15)
    assert response.status_code == 413, (
        f"{response.status_code} with Result-Rows {response.headers.get('Result-Rows')}: {response.text[:200]}"
    )


@pytest.mark.parametrize("transfer", ["Content-Length", "chunked"])
@pytest.mark.parametrize("encoding", list(BODIES))
def test_a_body_under_the_limit_is_read_whole(endpoint: Server, encoding: str, transfer: str):
    encode, content_type = BODIES[encoding]
    body = encode(padded(MAX_BYTES - 500))
    data = body if transfer == "Content-Length" else chunked(body)
    response = requests.post(endpoint.url, data=data, headers={"Content-Type": content_type}, timeout=15)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == []  # the LIMIT 0 at the very end was read


# The query each one sends is ASK { FILTER("\xff" = "%FF") }: a byte that is not UTF-8, which a
# lenient decoder could turn into the three characters %FF and answer true.
BAD_UTF8 = {
    "direct body": lambda url: requests.post(
        url, data=b'ASK { FILTER("\xff" = "%FF") }', headers={"Content-Type": "application/sparql-query"}, timeout=15
    ),
    "form body, raw byte": lambda url: requests.post(
        url,
        data=b'query=ASK { FILTER("\xff" = "%25FF") }',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=15,
    ),
    "form body, %FF": lambda url: requests.post(
        url,
        data=b"query=ASK%20%7B%20FILTER(%22%FF%22%20%3D%20%22%25FF%22)%20%7D",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=15,
    ),
    "URL query string, %FF": lambda url: requests.get(
        url + "?query=ASK%20%7B%20FILTER(%22%FF%22%20%3D%20%22%25FF%22)%20%7D", timeout=15
    ),
}


@pytest.mark.parametrize("name", list(BAD_UTF8))
def test_a_query_that_is_not_utf8_is_400(endpoint: Server, name: str):
    response = BAD_UTF8[name](endpoint.url)
    assert response.status_code == 400, f"{response.status_code}: {response.text[:200]}"
    assert "UTF-8" in response.text, response.text


@pytest.mark.parametrize("content_type", ["application/sparql-query", "application/x-www-form-urlencoded"])
def test_a_charset_other_than_utf8_is_415(endpoint: Server, content_type: str):
    query = 'ASK { FILTER("é" = "é") }'
    body = (
        query.encode("latin-1")
        if content_type == "application/sparql-query"
        else b"query=" + quote(query, encoding="latin-1").encode()
    )
    response = requests.post(
        endpoint.url, data=body, headers={"Content-Type": f"{content_type}; charset=ISO-8859-1"}, timeout=15
    )
    assert response.status_code == 415, f"{response.status_code}: {response.text[:200]}"


@pytest.mark.parametrize("text", ["", " ", "# only a comment"], ids=["empty", "blank", "comment"])
def test_an_empty_query_is_400(endpoint: Server, text: str):
    for response in (
        requests.get(endpoint.url, params={"query": text}, timeout=15),
        requests.post(
            endpoint.url, data=text.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=15
        ),
    ):
        assert response.status_code == 400, f"{response.request.method}: {response.status_code} {response.text}"
