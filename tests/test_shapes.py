"""The SHACL shapes: the valid fixture passes clean, and each invalid fixture trips exactly its shape.

`tests/fixtures/valid/minimal.ttl` is a small invented graph with one instance of every class of
docs/modelling.md. Each `tests/fixtures/invalid/<ShapeLocalName>.ttl` is that graph with exactly one
defect, which must be reported by the shape `nolsish:<ShapeLocalName>` and by no other shape.

Validation runs as the build runs it: the data graph is the fixture plus the ontology, the import
extracts and the SKOS vocabularies (the build loads them into the store too), and the same files go
in as `ont_graph`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH

from loader.validate import load_ontology, load_shapes, parse_graph, validate

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VALID = FIXTURES / "valid" / "minimal.ttl"
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))  # only the top level: cli/ and syntax/ are other tests'
NOLSISH = Namespace("https://w3id.org/nolsi/shapes#")
SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}

# Parameters that constrain the focus node itself when they sit on a node shape.
NODE_CONSTRAINTS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH["in"],
    SH.hasValue,
    SH["or"],
    SH["and"],
    SH["not"],
    SH.xone,
    SH.node,
    SH.sparql,
    SH.closed,
    SH.minInclusive,
    SH.maxInclusive,
    SH.languageIn,
}
TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ROOT / "shapes")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology(ROOT / "ontology")


def run(path: Path, shapes: Graph, ontology: Graph):
    """Validate one fixture the way the build validates the store."""
    return validate(parse_graph([path]) + ontology, shapes, ontology)


def local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]


def node_shapes(shapes: Graph) -> set:
    return set(shapes.subjects(RDF.type, SH.NodeShape))


def property_shapes(shapes: Graph) -> set:
    return set(shapes.subjects(RDF.type, SH.PropertyShape)) | set(shapes.objects(None, SH.property))


def checked_shapes(shapes: Graph) -> set[str]:
    """Shapes that can report on their own: property shapes of targeted node shapes, and targeted
    node shapes with a constraint of their own. Helper shapes (no target; used inside sh:or,
    sh:not or sh:qualifiedValueShape) report through the shape that uses them."""
    names = set()
    for shape in node_shapes(shapes):
        if not any(shapes.value(shape, t) is not None for t in TARGETS):
            continue
        if any(shapes.value(shape, c) is not None for c in NODE_CONSTRAINTS):
            names.add(local(str(shape)))
        names.update(local(str(p)) for p in shapes.objects(shape, SH.property))
    return names


def declared_severity(shapes: Graph, name: str) -> str:
    return SEVERITY_NAMES[shapes.value(NOLSISH[name], SH.severity, default=SH.Violation)]


def test_the_valid_fixture_conforms_without_a_single_result(shapes, ontology):
    report = run(VALID, shapes, ontology)
    assert report.results == (), "\n".join(map(str, report.results))


def test_the_ontology_and_vocabularies_alone_conform_without_a_single_result(shapes, ontology):
    report = validate(Graph() + ontology, shapes, ontology)
    assert report.results == (), "\n".join(map(str, report.results))


@pytest.mark.parametrize("fixture", INVALID, ids=[p.stem for p in INVALID])
def test_each_invalid_fixture_trips_exactly_its_shape(fixture: Path, shapes, ontology):
    report = run(fixture, shapes, ontology)
    reported = {local(r.source_shape) for r in report.results}
    assert reported == {fixture.stem}, "\n".join(map(str, report.results))
    assert {r.severity for r in report.results} == {declared_severity(shapes, fixture.stem)}
    assert all(r.message for r in report.results)


def test_every_shape_that_can_report_has_an_invalid_fixture_and_no_fixture_is_orphaned(shapes):
    fixtures = {p.stem for p in INVALID}
    checked = checked_shapes(shapes)
    assert checked - fixtures == set(), "shapes without an invalid fixture"
    assert fixtures - checked == set(), "fixtures named after no shape that can report"


def test_every_property_shape_is_a_named_iri_with_name_description_message_and_severity(shapes):
    for shape in property_shapes(shapes):
        assert isinstance(shape, URIRef) and str(shape).startswith(str(NOLSISH)), shape
        assert (shape, RDF.type, SH.PropertyShape) in shapes, shape
        for predicate in (SH.name, SH.description, SH.message):
            values = list(shapes.objects(shape, predicate))
            assert values, f"{local(shape)} has no {predicate}"
            assert all(isinstance(v, Literal) and v.language == "en" and str(v).strip() for v in values), shape
        assert shapes.value(shape, SH.severity) in (SH.Violation, SH.Warning), shape
        assert shapes.value(shape, SH.path) is not None, shape


def test_every_node_shape_is_a_named_iri_with_a_comment_and_a_message_for_its_own_constraints(shapes):
    for shape in node_shapes(shapes):
        assert isinstance(shape, URIRef) and str(shape).startswith(str(NOLSISH)), shape
        assert shapes.value(shape, RDFS.comment) is not None, shape
        if local(str(shape)) in checked_shapes(shapes):
            own = any(shapes.value(shape, c) is not None for c in NODE_CONSTRAINTS)
            if own:
                assert shapes.value(shape, SH.message) is not None, shape
                assert shapes.value(shape, SH.severity) in (SH.Violation, SH.Warning), shape


def test_every_shape_reference_resolves(shapes):
    defined = node_shapes(shapes) | property_shapes(shapes) | set(shapes.subjects(RDF.type, SH.SPARQLTarget))
    used = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.target))
    used |= set(shapes.objects(None, SH.qualifiedValueShape)) | set(shapes.objects(None, SH["not"]))
    for list_head in list(shapes.objects(None, SH["or"])):
        used |= set(shapes.items(list_head))
    for node in used:
        assert isinstance(node, URIRef) and node in defined, node


def test_no_sh_in_list_holds_literals(shapes):
    """oxrdflib turns plain strings into xsd:string, so sh:in lists hold IRIs only."""
    for list_head in shapes.objects(None, SH["in"]):
        assert all(isinstance(item, URIRef) for item in shapes.items(list_head)), list_head


def test_no_blank_node_shapes(shapes):
    for predicate in (SH.property, SH.node, SH.qualifiedValueShape, SH["not"]):
        assert not any(isinstance(o, BNode) for o in shapes.objects(None, predicate)), predicate


def test_severities_are_violation_or_warning(shapes):
    assert set(shapes.objects(None, SH.severity)) <= {SH.Violation, SH.Warning}


def modelling_classes() -> set[URIRef]:
    """Every class named in the types table of docs/modelling.md (CURIEs with a capital local name)."""
    text = (ROOT / "docs" / "modelling.md").read_text(encoding="utf-8")
    section = text.split("## Types and properties", 1)[1].split("\nLocal ontology terms", 1)[0]
    prefixes = {
        "nolsi": "https://w3id.org/nolsi/ontology#",
        "org": "http://www.w3.org/ns/org#",
        "schema": "https://schema.org/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "prov": "http://www.w3.org/ns/prov#",
        "fabio": "http://purl.org/spar/fabio/",
        "frapo": "http://purl.org/cerif/frapo/",
        "eli": "http://data.europa.eu/eli/ontology#",
        "dcat": "http://www.w3.org/ns/dcat#",
        "time": "http://www.w3.org/2006/time#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
    }
    found = set()
    for row in section.splitlines():
        if not row.startswith("|"):
            continue
        for prefix, name in re.findall(r"\b([a-z]+):([A-Z][A-Za-z]+)\b", row):
            if prefix in prefixes:
                found.add(URIRef(prefixes[prefix] + name))
    return found


def test_every_class_of_the_modelling_contract_has_a_node_shape(shapes):
    classes = modelling_classes()
    assert len(classes) > 25
    targeted = set(shapes.objects(None, SH.targetClass))
    assert classes - targeted == set()
