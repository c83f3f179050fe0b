"""SHACL validation (loader/validate.py): reports, which results block a build, and the literals
pySHACL finds ill-typed. The shapes themselves: tests/test_shapes.py; the compiled validator against
pySHACL: tests/test_shacl_sparql.py."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from rdflib import URIRef
from rdflib import namespace as vocabularies  # XSD as a module global makes pytest's collection warn

from loader import read, store, validate
from tests.conftest import FIXTURES, ROOT

NAMELESS = FIXTURES / "invalid" / "cli" / "nameless-infrastructure.ttl"
UNTITLED = FIXTURES / "invalid" / "Agreement-title.ttl"


XSD = str(vocabularies.XSD)


@pytest.mark.parametrize(
    "lexical, datatype, ill_typed",
    [
        ("4", URIRef(XSD + "integer"), False),
        ("four", URIRef(XSD + "integer"), True),
        ("2024-02-29", URIRef(XSD + "date"), False),
        ("2023-02-29", URIRef(XSD + "date"), True),
        ("true", URIRef(XSD + "boolean"), False),
        ("yes", URIRef(XSD + "boolean"), True),
        ("1.5", URIRef(XSD + "decimal"), False),
        ("anything", URIRef(XSD + "anyURI"), False),  # no Python type to check: never ill-typed here
    ],
)
def test_ill_typed_literals_are_the_ones_pyshacl_rejects(lexical, datatype, ill_typed):
    literal = pyoxigraph.Literal(lexical, datatype=pyoxigraph.NamedNode(datatype))
    assert validate.is_ill_typed(literal, datatype) is ill_typed


def test_a_language_string_is_well_typed():
    assert validate.is_ill_typed(pyoxigraph.Literal("TSD", language="en"), vocabularies.RDF.langString) is False


def report_of(path: Path, validator: str) -> validate.Report:
    checked = read.read(read.file_sources([path]) + read.ontology_sources(ROOT / "ontology"))
    store.merge_into_default_graph(checked)
    shapes, ontology = validate.load_shapes(ROOT / "shapes"), validate.load_ontology(ROOT / "ontology")
    return validate.validate_store(checked, shapes, ontology, validator)


@pytest.mark.parametrize("validator", validate.VALIDATORS)
def test_a_violation_blocks_and_says_where(validator):
    report = report_of(NAMELESS, validator)
    assert not report.conforms and report.violations
    shown = str(report.violations[0])
    assert (
        shown.startswith("Violation: https://w3id.org/nolsi/id/ri/nameless ")
        and "[https://w3id.org/nolsi/shapes#" in shown
    )


@pytest.mark.parametrize("validator", validate.VALIDATORS)
def test_a_warning_does_not_block(validator):
    report = report_of(UNTITLED, validator)
    assert report.conforms and [r.severity for r in report.results] == ["Warning"]


def test_turtle_files_are_found_sorted_and_a_missing_folder_has_none(tmp_path: Path):
    for name in ("b.ttl", "a/c.ttl", "a.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert validate.turtle_files(tmp_path) == [tmp_path / "a" / "c.ttl", tmp_path / "b.ttl"]
    assert validate.turtle_files(tmp_path / "missing") == []
