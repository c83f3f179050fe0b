"""Predeclared prefixes and readable syntax errors (sparql_api/prologue.py): through the app, over the
sample (tests/conftest.py `sample_app`), and straight against Oxigraph's own error messages."""

from __future__ import annotations

import pyoxigraph
import pytest

from loader.namespaces import PREFIXES
from sparql_api import prologue
from tests.test_service import ask


def engine_error(query: str) -> str:
    """What the engine says of the query as it is run: after the predeclared prefixes."""
    with pytest.raises(SyntaxError) as raised:
        pyoxigraph.Store().query(prologue.declare(query))
    return str(raised.value)


def test_predeclared_prefixes_need_no_prefix_line(client):
    response = ask(
        client,
        "SELECT ?rank WHERE { <http://example.org/tsd> <http://example.org/rank> ?rank "
        "FILTER(datatype(?rank) = xsd:integer) }",
    )
    assert response.status_code == 200, response.text
    assert response.text.splitlines()[1] == "4"


def test_a_query_may_declare_a_predeclared_prefix_its_own_way(client):
    response = ask(client, "PREFIX skos: <http://example.org/not-skos#> SELECT (skos:x AS ?x) WHERE {}")
    assert response.text.splitlines()[1] == "http://example.org/not-skos#x"


@pytest.mark.parametrize(
    "query, message",
    [
        ("SELECT * WHERE { ?s foo:bar ?o }", "line 1, column 21: unknown prefix 'foo:'"),
        ("SELECT *\nWHERE {\n  ?s ex:p ?o }", "line 3, column 6: unknown prefix 'ex:'"),
        ("SELECT * WHERE { ?s ?p }", "line 1, column 25: syntax error"),
    ],
)
def test_syntax_errors_are_one_readable_line(client, query, message):
    response = ask(client, query)
    assert response.status_code == 400
    assert response.text.startswith(f"Malformed query: {message}"), response.text
    assert response.text.count("\n") == 1 and len(response.text) < 200


@pytest.mark.parametrize("prefix", list(PREFIXES))
def test_every_predeclared_prefix_is_known_to_the_engine(prefix):
    text = prologue.declare(f"SELECT ({prefix}:x AS ?x) WHERE {{}}")
    rows = list(pyoxigraph.Store().query(text))
    assert rows[0]["x"] == pyoxigraph.NamedNode(PREFIXES[prefix] + "x")


def test_names_in_strings_iris_and_comments_are_not_taken_for_prefixes():
    """`foo:` in a string, an IRI and a comment is no prefixed name; the real error is reported, where it is."""
    query = 'SELECT * WHERE { ?s ?p "foo:bar" . ?s ?p <bar:baz> # baz:qux\n ?s ?p }'
    message = prologue.syntax_error(engine_error(query), query)
    assert "unknown prefix" not in message
    assert message.startswith("line 2, column "), message


def test_a_prefix_the_query_declares_is_not_unknown():
    query = "PREFIX ex: <http://example.org/>\nSELECT * WHERE { ?s ex:p ?o"
    message = prologue.syntax_error(engine_error(query), query)
    assert message.startswith("line 2, column ") and "unknown prefix" not in message, message


def test_a_message_without_a_position_is_its_first_line():
    assert prologue.syntax_error("something odd\nand more", "ASK {}") == "something odd"
    assert prologue.syntax_error("", "ASK {}") == "syntax error"
