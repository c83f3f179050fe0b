"""Queries answered by another SPARQL server (sparql_api/remote.py), asked directly here of a real
Oxigraph server on 127.0.0.1. The whole of `nolsi serve --backend` against it: tests/test_backend.py."""

from __future__ import annotations

import pyoxigraph
import pytest

from sparql_api.remote import Backend, BackendError
from tests.conftest import reserved_port


@pytest.fixture(scope="module")
def backend(oxigraph_server: str) -> Backend:
    return Backend(oxigraph_server + "/query")


def test_solutions_come_back_as_oxigraphs_results(backend: Backend):
    results = backend.query("SELECT ?n WHERE { VALUES ?n { 1 2 3 } }", None, None, None)
    assert isinstance(results, pyoxigraph.QuerySolutions)
    assert [row["n"].value for row in results] == ["1", "2", "3"]
    assert bool(backend.query("ASK {}", None, None, None)) is True


def test_a_graph_comes_back_as_ntriples(backend: Backend):
    body = backend.query("CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } WHERE {}", None, None, None)
    assert isinstance(body, bytes)
    assert [str(t) for t in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.N_TRIPLES)] == [
        '<http://example.org/s> <http://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    ]


def test_relative_iris_resolve_against_the_service_unless_the_query_says_otherwise(backend: Backend):
    ask = "SELECT ?x WHERE { BIND(<thing> AS ?x) }"
    (row,) = backend.query(ask, None, None, "http://example.org/sparql")
    assert row["x"] == pyoxigraph.NamedNode("http://example.org/thing")
    (row,) = backend.query("BASE <http://other.example/> " + ask, None, None, "http://example.org/sparql")
    assert row["x"] == pyoxigraph.NamedNode("http://other.example/thing")


def test_a_query_the_backend_refuses_is_a_client_error_with_its_reason(backend: Backend):
    with pytest.raises(BackendError) as refused:
        backend.query("SELECT * WHERE { ?s ?p }", None, None, None)
    assert refused.value.status == 400 and refused.value.message.startswith("The query cannot be evaluated: ")


def test_an_unreachable_backend_is_a_gateway_error():
    with reserved_port() as closed, pytest.raises(BackendError) as failed:
        endpoint = f"http://127.0.0.1:{closed}/query"
        Backend(endpoint).query("ASK {}", None, None, None)
    assert failed.value.status == 502 and endpoint in failed.value.message
