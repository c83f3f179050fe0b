"""Values written into query templates (sparql_api/binding.py): where they go, and that no value
can change the query around it."""

import pyoxigraph
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pyoxigraph import Literal, NamedNode
from rdflib.plugins.sparql import prepareQuery

from sparql_api import binding

IRI = NamedNode("https://w3id.org/nolsi/id/ri/elixir-norway")


def test_pattern_projection_and_ordering_get_the_forms_the_grammar_takes():
    template = "SELECT ?x (COUNT(?y) AS ?n) WHERE { ?x ?p ?y FILTER(?y != ?x) } GROUP BY ?x ORDER BY ?x DESC(?x)"
    assert binding.write(template, {"x": IRI}) == (
        f"SELECT ({IRI} AS ?x) (COUNT(?y) AS ?n) WHERE {{ {IRI} ?p ?y FILTER(?y != {IRI}) }} GROUP BY ({IRI}) "
        f"ORDER BY ({IRI}) DESC({IRI})"
    )


def test_a_subquery_projects_the_value_too():
    template = "SELECT ?n WHERE { { SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?p ?o } GROUP BY ?x } }"
    assert binding.write(template, {"x": IRI}) == (
        f"SELECT ?n WHERE {{ {{ SELECT ({IRI} AS ?x) (COUNT(*) AS ?n) WHERE {{ {IRI} ?p ?o }} GROUP BY ({IRI}) }} }}"
    )


@pytest.mark.parametrize(
    "text",
    [
        "# a comment about ?x\nASK { ?s ?p ?x }",
        'ASK { ?s ?x "?x" }',
        "ASK { ?s ?x '''?x\n$x''' }",
        "ASK { ?s <http://example.org/?x> ?x }",
        "PREFIX select: <urn:s:> ASK { ?s select:where ?x }",
        "ASK { ?s ?p ?xy . ?xy ?q ?x }",
    ],
)
def test_only_the_variable_itself_is_replaced(text):
    written = binding.write(text, {"x": IRI})
    assert written.count(str(IRI)) == 1, written
    pyoxigraph.Store().query(written)


def test_unbound_parameters_and_no_values_leave_the_text_as_it_is():
    template = "SELECT ?x WHERE { ?x ?p ?o }"
    assert binding.write(template, {}) == template
    assert binding.write(template, {"other": IRI}) == template


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(
    text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
    language=st.sampled_from([None, "en", "nb-no"]),
)
@example(text=r'\u0022) } SERVICE <http://127.0.0.1:9/> { BIND("', language=None)
@example(text=r"\\u0022 \u005C \' \U00000022" + "\n\r'''\"\"\"", language="en")
def test_any_text_comes_back_as_itself_and_changes_nothing_else(text, language):
    """Whatever a value holds (quotes, backslashes, \\u escapes, braces, line breaks, SERVICE),
    the bound query has the shape of the template and returns exactly that value, read by
    Oxigraph and by rdflib, which applies \\u escapes before parsing as the spec says."""
    value = Literal(text, language=language) if language else Literal(text)
    template = "SELECT ?v ?w WHERE { BIND(1 AS ?w) FILTER(?v = ?v) }"
    written = binding.write(template, {"v": value})
    [row] = list(pyoxigraph.Store().query(written))
    assert row["v"] == value and row["w"] == Literal(1)
    parsed = prepareQuery(written)
    assert [str(v) for v in parsed.algebra["PV"]] == ["v", "w"]
