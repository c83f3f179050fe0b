"""The query service through Flask's test client (no port, no server): the row limit while the
engine produces, the answer-size bound, Accept headers as clients send them (predeclared prefixes and
readable syntax errors: tests/test_prologue.py). The same `create_app` the server runs; real evaluators, real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.settings import Settings
from sparql_api.app import create_app

CROSS = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f }"


@pytest.fixture(scope="module")
def client(curated_store: Path):
    """An app with a row limit of 50 and answers of at most 2 MB, to see the limits at work."""
    app = create_app(Settings.from_env(store=curated_store, row_limit=50, answer_bytes=2_000_000, evaluators=2))
    yield app.test_client()
    app.extensions["nolsi.service"].close()


@pytest.fixture(scope="module")
def pages(curated_store: Path):
    """An app with the default limits, for pages (whose queries must not be cut)."""
    app = create_app(Settings.from_env(store=curated_store, evaluators=2))
    yield app.test_client()
    app.extensions["nolsi.service"].close()


def ask(client, query: str, accept: str = "text/csv"):
    return client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})


def test_a_query_without_limit_is_cut_while_it_runs(client):
    """Tens of millions of rows in all; the engine stops after 51 and the client gets 50 with the headers saying so."""
    response = ask(client, CROSS, "text/tab-separated-values")
    assert response.status_code == 200, response.text
    assert response.headers["Result-Truncated"] == "true"
    assert response.headers["Result-Rows"] == response.headers["Result-Row-Limit"] == "50"
    assert response.text.count("\n") == 51  # the header line and 50 rows


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"])
def test_every_format_is_cut_at_the_same_rows(client, accept):
    response = ask(client, CROSS + " # " + accept, accept)
    assert response.status_code == 200 and response.headers["Result-Rows"] == "50", response.text[:300]


def test_a_result_under_the_limit_is_whole(client):
    response = ask(client, "SELECT ?x WHERE { VALUES ?x { 1 2 3 } }")
    assert response.headers["Result-Truncated"] == "false" and response.headers["Result-Rows"] == "3"


def test_an_answer_over_the_byte_limit_is_refused_with_a_message(client):
    """Ten rows of 300 kB each: 3 MB, over the 2 MB this client's app allows."""
    x = "x" * 300_000
    response = ask(
        client, f'SELECT ?s WHERE {{ VALUES ?n {{ 1 2 3 4 5 6 7 8 9 10 }} BIND(CONCAT(STR(?n), "{x}") AS ?s) }}'
    )
    assert response.status_code == 503, response.text[:200]
    assert "larger than the 2,000,000 bytes" in response.text


@pytest.mark.parametrize(
    "accept, media_type",
    [
        ("text/csv; charset=utf-8", "text/csv"),
        ("application/sparql-results+json;charset=UTF-8", "application/sparql-results+json"),
        ("text/tab-separated-values; charset=utf-8; q=0.9, text/csv; q=0.1", "text/tab-separated-values"),
        ("application/sparql-results+xml; profile=x, */*;q=0.1", "application/sparql-results+xml"),
    ],
)
def test_media_range_parameters_do_not_make_a_406(client, accept, media_type):
    response = ask(client, "ASK {}" if "xml" in media_type or "json" in media_type else "SELECT * {}", accept)
    assert response.status_code == 200, response.text
    assert response.mimetype == media_type


@pytest.mark.parametrize("path", ["/doc/ri/elixir-norway", "/", "/.well-known/void"])
def test_pages_negotiate_with_a_charset_too(pages, path):
    response = pages.get(path, headers={"Accept": "text/turtle; charset=utf-8"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"


def test_an_accept_header_with_too_many_media_ranges_is_refused_at_once(client):
    accept = ", ".join(f"application/x-{n}" for n in range(120_000))
    response = ask(client, "ASK {}", accept)
    assert response.status_code == 400 and "media ranges" in response.text
