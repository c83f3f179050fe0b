"""Saved-query files and their typed parameters."""

import re

import pytest
from pyoxigraph import Literal, NamedNode

from sparql_api import catalogue
from tests.conftest import FIXTURES, ROOT

ONTOLOGY = ROOT / "ontology"
EVERY = catalogue.parse(FIXTURES / "valid" / "queries" / "every-type.rq", ONTOLOGY)
XSD = "http://www.w3.org/2001/XMLSchema#"


def bind(name: str, value: str):
    return dict(EVERY.bindings({name: value}))[name]


@pytest.mark.parametrize(
    "name, value, term",
    [
        ("iri", "https://w3id.org/nolsi/id/service/tsd", NamedNode("https://w3id.org/nolsi/id/service/tsd")),
        ("ri", "napi", NamedNode("https://w3id.org/nolsi/id/ri/napi")),
        ("ri", "https://w3id.org/nolsi/id/ri/napi", NamedNode("https://w3id.org/nolsi/id/ri/napi")),
        ("level", "black", NamedNode("https://w3id.org/nolsi/vocab/data-classification/black")),
        ("text", 'say "hi" } # DROP ALL', Literal('say "hi" } # DROP ALL')),
        ("count", "+007", Literal("7", datatype=NamedNode(XSD + "integer"))),
        ("share", "2.50", Literal("2.50", datatype=NamedNode(XSD + "decimal"))),
        ("day", "2020-10-29", Literal("2020-10-29", datatype=NamedNode(XSD + "date"))),
        ("flag", "FALSE", Literal("false", datatype=NamedNode(XSD + "boolean"))),
        ("colour", "green", Literal("green")),
    ],
)
def test_valid_values_become_typed_terms(name, value, term):
    assert bind(name, value) == term


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("iri", "not an iri", "is not an absolute IRI"),
        ("iri", "http://x/> } ; DROP ALL ; <", "is not an absolute IRI"),
        ("ri", "ELIXIR Norway", "is not a slug"),
        ("ri", "https://w3id.org/nolsi/id/ri/a/../../b", "is not a slug"),
        ("level", "purple", "one of: green, yellow, red, black"),
        ("count", "1.5", "is not an integer"),
        ("count", "1" * 40, "is not an integer"),
        ("share", "NaN", "not a finite decimal"),
        ("share", "1e3", "not a finite decimal"),
        ("share", "1e999999", "not a finite decimal"),
        ("day", "2023-02-30", "is not a date as YYYY-MM-DD"),
        ("day", "13.11.2023", "is not a date"),
        ("flag", "yes please", "is not true or false"),
        ("colour", "GREEN", "one of: green, blue"),
        ("text", "x" * 2001, "the limit is 2000"),
        ("text", "a\x00b", "NUL"),
    ],
)
def test_invalid_values_are_refused_naming_the_parameter(name, value, expected):
    with pytest.raises(catalogue.ParameterError, match=expected) as caught:
        EVERY.bindings({name: value})
    assert caught.value.parameter == name
    assert str(caught.value).startswith(f"parameter {name!r}")


def test_unknown_parameter_is_refused():
    with pytest.raises(catalogue.ParameterError, match="unknown parameter 'colour2'") as caught:
        EVERY.bindings({"colour2": "blue"})
    assert caught.value.parameter == "colour2"


def test_defaults_fill_in_and_unset_optionals_stay_unbound():
    assert EVERY.bindings({}) == (("count", Literal("10", datatype=NamedNode(XSD + "integer"))),)


def test_required_parameter_must_be_given():
    query = catalogue.parse(ROOT / "queries" / "services-for-classification.rq", ONTOLOGY)
    with pytest.raises(catalogue.ParameterError, match="'level' is required"):
        query.bindings({})


@pytest.mark.parametrize(
    "name, message",
    [
        ("no-title", "needs a '#+ title:' line"),
        ("unknown-type", "type must be one of"),
        ("param-not-in-query", "parameter 'x' is not a variable of the query"),
        ("param-in-bound", "not a valid SPARQL query once its parameters are bound"),
        ("param-in-values", "not a valid SPARQL query once its parameters are bound"),
        ("syntax-error", "not a valid SPARQL query"),
        ("bad-default", "the default does not fit"),
        ("unknown-field", "unknown header field 'author'"),
    ],
)
def test_bad_query_files_are_refused_with_file_and_reason(name, message):
    path = FIXTURES / "invalid" / "queries" / f"{name}.rq"
    with pytest.raises(catalogue.QueryFileError, match=re.escape(message)) as caught:
        catalogue.parse(path, ONTOLOGY)
    assert str(caught.value).startswith(str(path))


def test_every_saved_query_of_the_project_loads():
    saved = catalogue.load(ROOT / "queries", ONTOLOGY)
    assert saved, "the project ships saved queries"
    for query in saved.values():
        assert query.title and query.description
        assert query.form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
        for parameter in query.parameters:
            assert parameter.example is not None or parameter.default is not None, (query.name, parameter.name)
