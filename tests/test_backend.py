"""`nolsi serve --backend URL`: the whole API served on top of a real Oxigraph server that the
release was pushed to, compared answer for answer with the embedded store."""

import socket
import threading

import pytest
import requests

from sparql_api import catalogue
from tests.conftest import ROOT, as_graph, nolsi, reserved_port, serving

CATALOGUE = catalogue.load(ROOT / "queries", ROOT / "ontology")
TIME_LIMIT = 2
ROW_LIMIT = 5000  # above the rows of every saved query, below those of the whole graph


@pytest.fixture(scope="module")
def backend(curated, oxigraph_server) -> str:
    """A nolsi server on the curated release, every query sent to the Oxigraph server it was pushed to."""
    pushed = nolsi("push", "--store", curated.store, "--to", oxigraph_server + "/store")
    assert pushed.returncode == 0, pushed.stderr
    env = {"NOLSI_IRI_BASE": curated.base + "/", "NOLSI_BASE_URL": curated.base + "/"}
    with serving(
        "--store",
        curated.store,
        "--backend",
        oxigraph_server + "/query",
        "--query-timeout",
        TIME_LIMIT,
        "--row-limit",
        ROW_LIMIT,
        "--workers",
        1,
        env=env,
    ) as base:
        yield base


def rows(response: requests.Response) -> list:
    assert response.status_code == 200, response.text
    return sorted(map(repr, response.json()["results"]["bindings"]))


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_saved_query_answers_as_the_embedded_store(backend, curated, name):
    query = CATALOGUE[name]
    params = {p.name: p.example for p in query.parameters if p.example}
    via_backend = requests.get(f"{backend}/queries/{name}.json", params=params, timeout=60)
    embedded = requests.get(f"{curated.base}/queries/{name}.json", params=params, timeout=60)
    if query.form in ("SELECT", "ASK"):
        assert via_backend.status_code == embedded.status_code == 200, via_backend.text
        assert via_backend.json().get("boolean") == embedded.json().get("boolean")
        if query.form == "SELECT":
            assert rows(via_backend) == rows(embedded)
            assert rows(via_backend), "the example finds nothing: the comparison proves little"
    else:
        turtle = {"Accept": "text/turtle"}
        via_backend = requests.get(f"{backend}/queries/{name}", params=params, headers=turtle, timeout=60)
        embedded = requests.get(f"{curated.base}/queries/{name}", params=params, headers=turtle, timeout=60)
        assert len(as_graph(via_backend)) > 0
        assert as_graph(via_backend).isomorphic(as_graph(embedded))


@pytest.mark.parametrize(
    "accept",
    ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"],
)
def test_the_protocol_gives_the_same_bytes_in_every_solutions_format(backend, curated, accept):
    # IRIs only: SPARQL leaves the order of blank nodes to the store (Query 15.1), and an in-memory
    # store orders them differently from an on-disk one.
    query = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?thing ?label WHERE { ?thing skos:prefLabel ?label FILTER(isIRI(?thing)) } ORDER BY ?thing "
        "?label LIMIT 40"
    )
    answers = [
        requests.post(base + "/sparql", data={"query": query}, headers={"Accept": accept}, timeout=60)
        for base in (backend, curated.base)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].headers["Content-Type"] == answers[1].headers["Content-Type"]
    assert answers[0].content == answers[1].content
    assert answers[0].headers["Result-Rows"] == "40"


def test_ask_construct_and_named_graphs_answer_as_the_embedded_store(backend, curated):
    cases = [
        ("ASK { ?s a <https://w3id.org/nolsi/ontology#ResearchInfrastructure> }", "application/sparql-results+json"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 30", "text/turtle"),
        ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g", "text/csv"),
    ]
    for query, accept in cases:
        answers = [
            requests.get(base + "/sparql", params={"query": query}, headers={"Accept": accept}, timeout=60)
            for base in (backend, curated.base)
        ]
        assert [a.status_code for a in answers] == [200, 200], answers[0].text
        if accept == "text/turtle":
            assert as_graph(answers[0]).isomorphic(as_graph(answers[1]))
        else:
            assert answers[0].content == answers[1].content


def test_pages_of_an_entity_are_the_same(backend, curated):
    path = "/doc/ri/elixir-norway"
    for accept in ("text/turtle", "text/html"):
        answers = [
            requests.get(base + path, headers={"Accept": accept}, timeout=60) for base in (backend, curated.base)
        ]
        assert [a.status_code for a in answers] == [200, 200]
        if accept == "text/turtle":
            assert len(as_graph(answers[0])) > 20 and as_graph(answers[0]).isomorphic(as_graph(answers[1]))
        else:
            assert "ELIXIR Norway" in answers[0].text


def test_the_service_description_counts_the_backends_graphs(backend, curated):
    answers = [
        requests.get(base + "/sparql", headers={"Accept": "text/turtle"}, timeout=60)
        for base in (backend, curated.base)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    counts = [sorted(int(line.split()[-2]) for line in a.text.splitlines() if "void:triples" in line) for a in answers]
    assert len(counts[0]) > 50 and counts[0] == counts[1]


def test_limits_hold_on_the_backend(backend):
    cut = requests.get(backend + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=60)
    assert (
        cut.status_code == 200
        and cut.headers["Result-Truncated"] == "true"
        and cut.headers["Result-Rows"] == str(ROW_LIMIT)
    )
    assert len(cut.json()["results"]["bindings"]) == ROW_LIMIT
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    outcome = {}
    thread = threading.Thread(
        target=lambda: outcome.update(r=requests.get(backend + "/sparql", params={"query": runaway}, timeout=60))
    )
    thread.start()
    simple = requests.get(backend + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    thread.join(30)
    assert simple.status_code == 200 and simple.json()["boolean"] is True
    assert outcome["r"].status_code == 503 and f"within {TIME_LIMIT} seconds" in outcome["r"].text


def test_the_version_says_which_engine_answers(backend, curated, oxigraph_server):
    assert requests.get(backend + "/-/version", timeout=10).json()["engine"] == oxigraph_server + "/query"
    assert requests.get(curated.base + "/-/version", timeout=10).json()["engine"] == "embedded Oxigraph store"


def test_bad_queries_are_client_errors_with_the_backends_reason(backend):
    malformed = requests.get(backend + "/sparql", params={"query": "SELECT * WHERE { ?s ?p }"}, timeout=30)
    assert malformed.status_code == 400 and "Traceback" not in malformed.text
    update = requests.post(backend + "/sparql", data={"query": "DROP ALL"}, timeout=30)
    assert update.status_code == 403


def test_service_never_reaches_the_backend(backend):
    """Oxigraph server would call a SERVICE endpoint: the guard must stop the query before it goes there."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(1)
        port = listener.getsockname()[1]
        refused = requests.get(
            backend + "/sparql",
            params={"query": f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"},
            timeout=30,
        )
        assert refused.status_code == 403
        with pytest.raises(socket.timeout):
            listener.accept()


def test_an_unreachable_backend_is_a_clear_gateway_error(curated):
    with (
        reserved_port() as closed,
        serving("--store", curated.store, "--backend", f"http://127.0.0.1:{closed}/query", "--workers", 1) as base,
    ):
        response = requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=30)
        assert response.status_code == 502
        assert "backend" in response.text and "Traceback" not in response.text
        assert requests.get(base + "/-/health", timeout=10).status_code == 200
