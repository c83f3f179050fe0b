"""The ontology, its mappings, the import extracts and the SKOS vocabularies carry what they must."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from loader.validate import parse_graph

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
NOLSI = Namespace("https://w3id.org/nolsi/ontology#")
ONTOLOGY_IRI = URIRef("https://w3id.org/nolsi/ontology")
VANN = Namespace("http://purl.org/vocab/vann/")
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
ORG = Namespace("http://www.w3.org/ns/org#")
VOCAB = "https://w3id.org/nolsi/vocab/"
CLS = Namespace(VOCAB + "data-classification/")
TURTLE = sorted(ONTOLOGY.rglob("*.ttl")) + sorted((ROOT / "shapes").glob("*.ttl"))
MAPPING_PROPERTIES = {SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch}


def graph(*paths: Path) -> Graph:
    return parse_graph(paths)


@pytest.fixture(scope="module")
def nolsi() -> Graph:
    return graph(ONTOLOGY / "nolsi.ttl")


def contract_terms() -> set[URIRef]:
    """The local terms docs/modelling.md allows (its 'Local ontology terms' paragraph)."""
    text = (ROOT / "docs" / "modelling.md").read_text(encoding="utf-8")
    paragraph = text.split("Local ontology terms", 1)[1].split("\n\n", 1)[0]
    return {NOLSI[name] for name in re.findall(r"`nolsi:(\w+)`", paragraph)}


def test_the_header_carries_title_description_licence_creator_versions_and_vann(nolsi):
    header = ONTOLOGY_IRI
    assert (header, RDF.type, OWL.Ontology) in nolsi
    assert any(t.language == "en" for t in nolsi.objects(header, DCTERMS.title))
    assert any(d.language == "en" for d in nolsi.objects(header, DCTERMS.description))
    assert nolsi.value(header, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert nolsi.value(header, DCTERMS.creator) is not None
    assert nolsi.value(header, OWL.versionIRI) == URIRef("https://w3id.org/nolsi/ontology/0.1.0")
    assert str(nolsi.value(header, OWL.versionInfo)) == "0.1.0"
    assert str(nolsi.value(header, VANN.preferredNamespacePrefix)) == "nolsi"
    assert str(nolsi.value(header, VANN.preferredNamespaceUri)) == str(NOLSI)


def test_the_ontology_defines_exactly_the_local_terms_of_the_contract(nolsi):
    defined = {s for s in nolsi.subjects() if isinstance(s, URIRef) and str(s).startswith(str(NOLSI))}
    assert len(contract_terms()) == 14
    assert defined == contract_terms()


@pytest.mark.parametrize("term", sorted(contract_terms()), ids=lambda t: t.split("#")[-1])
def test_every_local_term_is_typed_labelled_commented_and_defined_by_the_ontology(nolsi, term):
    assert set(nolsi.objects(term, RDF.type)) & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    labels = {label.language for label in nolsi.objects(term, RDFS.label)}
    assert {"en", "nb"} <= labels
    assert any(c.language == "en" for c in nolsi.objects(term, RDFS.comment))
    assert nolsi.value(term, RDFS.isDefinedBy) == ONTOLOGY_IRI
    if (term, RDF.type, OWL.Class) in nolsi:
        assert nolsi.value(term, RDFS.subClassOf) is not None


def test_the_class_axioms_of_the_contract(nolsi):
    assert (NOLSI.ResearchInfrastructure, RDFS.subClassOf, ORG.OrganizationalCollaboration) in nolsi
    assert (NOLSI.InfrastructureNode, RDFS.subClassOf, ORG.OrganizationalUnit) in nolsi
    assert (NOLSI.Agreement, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in nolsi
    assert (NOLSI.Agreement, RDFS.subClassOf, URIRef("https://schema.org/CreativeWork")) in nolsi


def test_no_equivalent_class_or_owl_same_as_anywhere_in_the_ontology():
    everything = graph(*sorted(ONTOLOGY.rglob("*.ttl")))
    assert not list(everything.triples((None, OWL.equivalentClass, None)))
    assert not list(everything.triples((None, OWL.sameAs, None)))


def test_mappings_use_skos_mapping_properties_on_local_terms_only():
    mappings = graph(ONTOLOGY / "mappings.ttl")
    assert len(mappings) > 0
    for s, p, _o in mappings:
        assert p in MAPPING_PROPERTIES, p
        assert str(s).startswith(str(NOLSI)), s


@pytest.mark.parametrize("path", sorted((ONTOLOGY / "imports").glob("*.ttl")), ids=lambda p: p.stem)
def test_import_extracts_hold_only_subclass_and_subproperty_axioms_with_their_source(path: Path):
    extract = graph(path)
    assert len(extract) > 0
    assert {p for _, p, _ in extract} <= {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.isDefinedBy}
    for subject in set(extract.subjects(RDFS.subClassOf)) | set(extract.subjects(RDFS.subPropertyOf)):
        assert extract.value(subject, RDFS.isDefinedBy) is not None, subject
    assert not any(str(s).startswith(str(NOLSI)) for s in extract.subjects())


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    return graph(*sorted((ONTOLOGY / "vocab").glob("*.ttl")))


def test_every_concept_scheme_has_title_source_and_top_concepts(vocabularies):
    schemes = set(vocabularies.subjects(RDF.type, SKOS.ConceptScheme))
    assert {str(s) for s in schemes} == {
        VOCAB + v + "/" for v in ("data-classification", "domain", "role", "service-type")
    }
    for scheme in schemes:
        assert any(t.language == "en" for t in vocabularies.objects(scheme, DCTERMS.title)), scheme
        assert all(isinstance(s, URIRef) for s in vocabularies.objects(scheme, DCTERMS.source))
        assert vocabularies.value(scheme, DCTERMS.source) is not None, scheme
        assert vocabularies.value(scheme, SKOS.hasTopConcept) is not None, scheme


def test_every_concept_has_labels_definition_scheme_and_notation(vocabularies):
    concepts = set(vocabularies.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 50
    for concept in concepts:
        scheme = vocabularies.value(concept, SKOS.inScheme)
        assert str(concept).startswith(str(scheme)), concept
        assert (scheme, SKOS.hasTopConcept, concept) in vocabularies, concept
        english = [label for label in vocabularies.objects(concept, SKOS.prefLabel) if label.language == "en"]
        assert len(english) == 1, concept
        assert any(d.language == "en" for d in vocabularies.objects(concept, SKOS.definition)), concept
        assert str(vocabularies.value(concept, SKOS.notation)) == str(concept)[len(str(scheme)) :], concept


def test_role_concepts_are_org_roles(vocabularies):
    for concept in vocabularies.subjects(SKOS.inScheme, URIRef(VOCAB + "role/")):
        assert (concept, RDF.type, ORG.Role) in vocabularies, concept


def test_classification_levels_are_ranked_one_to_four_from_green_to_black(vocabularies):
    ranks = {
        concept: vocabularies.value(concept, NOLSI.rank) for concept in vocabularies.subjects(SKOS.inScheme, CLS[""])
    }
    assert ranks == {CLS.green: Literal(1), CLS.yellow: Literal(2), CLS.red: Literal(3), CLS.black: Literal(4)}
    assert all(r.datatype == XSD_INTEGER for r in ranks.values())
    sikt = "https://cms.sikt.no/sites/default/files/2023-02/Sektorstandard_klassifisering_av_informasjon%20%281%29.pdf"
    assert (CLS[""], DCTERMS.source, URIRef(sikt)) in vocabularies


def test_domain_mappings_point_to_edam_topics(vocabularies):
    for concept in vocabularies.subjects(SKOS.inScheme, URIRef(VOCAB + "domain/")):
        for predicate in MAPPING_PROPERTIES:
            for target in vocabularies.objects(concept, predicate):
                assert re.fullmatch(r"http://edamontology\.org/topic_\d{4}", str(target)), (concept, target)


@pytest.mark.parametrize("path", TURTLE, ids=lambda p: str(p.relative_to(ROOT)))
def test_turtle_files_parse_use_four_space_indentation_and_declare_only_used_prefixes(path: Path):
    list(pyoxigraph.parse(path=path))
    text = path.read_text(encoding="utf-8")
    assert "\t" not in text
    in_long_string = False
    for number, line in enumerate(text.splitlines(), 1):
        if not in_long_string:
            indent = len(line) - len(line.lstrip(" "))
            assert indent % 4 == 0, f"{path.name}:{number}: indentation {indent}"
        if line.count('"""') % 2 == 1:
            in_long_string = not in_long_string
    declared = re.findall(r"^@prefix (\w*): ", text, flags=re.M)
    body = re.sub(r"^@prefix .*$", "", text, flags=re.M)
    body = re.sub(r'"""[\s\S]*?"""', '""', body)
    body = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', body)
    body = re.sub(r"<[^>\s]*>", "<>", body)
    body = re.sub(r"#[^\n]*", "", body)
    for prefix in declared:
        assert re.search(r"(?<![\w/#.-])" + re.escape(prefix) + r":", body), f"{path.name}: unused prefix {prefix}:"
