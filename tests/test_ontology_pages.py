"""`/ontology` and `/shapes` on the real release: every ontology term resolves to its anchor.

Ontology terms are hash IRIs, `https://w3id.org/nolsi/ontology#Term`: a browser fetches
`/ontology` and scrolls to `#Term`, an RDF client gets the whole ontology (FAIR Evaluator I2 wants
the predicates a graph uses to dereference to linked data).
"""

from __future__ import annotations

import html

import pyoxigraph
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SH

from tests.conftest import Page, as_graph

NOLSI = "https://w3id.org/nolsi/ontology#"
SHAPES = "https://w3id.org/nolsi/shapes#"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)


@pytest.fixture(scope="module")
def ontology(curated) -> Graph:
    return Graph().parse(curated.release / "ontology" / "nolsi.ttl")


@pytest.fixture(scope="module")
def page(web, curated) -> Page:
    response = web.get(curated.base + "/ontology", headers={"Accept": None})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return Page.of(response.text)


def declared(ontology: Graph) -> set[str]:
    return {str(s) for kind in KINDS for s in ontology.subjects(RDF.type, kind) if str(s).startswith(NOLSI)}


def used_in(data: bytes) -> set[str]:
    """The nolsi terms used as predicates or objects (the namespace itself, as in void:vocabulary, is not a term)."""
    terms = set()
    for quad in pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_QUADS):
        for node in (quad.predicate, quad.object):
            if isinstance(node, pyoxigraph.NamedNode) and node.value.startswith(NOLSI) and node.value != NOLSI:
                terms.add(node.value)
    return terms


def test_every_term_declared_or_used_has_an_anchor(curated, ontology, page):
    terms = declared(ontology) | used_in(curated.dump("nq"))
    assert len(declared(ontology)) >= 10
    missing = {t for t in terms if t[len(NOLSI) :] not in page.ids}
    assert not missing


def test_term_iris_resolve_in_a_browser_and_for_rdf_clients(web, curated, ontology):
    """Follow each term IRI as a client would: the path part to this server, the fragment to an anchor."""
    for term in sorted(declared(ontology)):
        path, _, fragment = term.removeprefix("https://w3id.org/nolsi").partition("#")
        assert path == "/ontology"
        assert f'id="{fragment}"' in web.get(curated.base + path, headers=BROWSER).text
        graph = as_graph(web.get(curated.base + path, headers={"Accept": "text/turtle"}))
        assert graph.value(URIRef(term), RDFS.label) is not None, term


def test_each_term_shows_labels_comment_and_relations(web, curated, ontology):
    text = html.unescape(web.get(curated.base + "/ontology", headers=BROWSER).text)
    for term in declared(ontology):
        subject = URIRef(term)
        for label in ontology.objects(subject, RDFS.label):
            assert str(label) in text, (term, label)
        assert {label.language for label in ontology.objects(subject, RDFS.label)} >= {"en", "nb"}, term
        comment = ontology.value(subject, RDFS.comment)
        assert comment is None or str(comment) in text, term
    page = Page.of(web.get(curated.base + "/ontology", headers=BROWSER).text)
    assert "#ResearchInfrastructure" in page.hrefs  # the table of contents and the ranges link to anchors
    assert "http://www.w3.org/ns/org#OrganizationalCollaboration" in page.hrefs  # super-classes link out
    assert "text/turtle" in {link.get("type") for link in page.link_tags if link.get("rel") == "alternate"}


def test_header_metadata(web, curated, ontology):
    text = web.get(curated.base + "/ontology", headers=BROWSER).text
    header = next(ontology.subjects(RDF.type, OWL.Ontology))
    assert str(ontology.value(header, OWL.versionIRI)) in text
    assert "https://creativecommons.org/licenses/by/4.0/" in text
    assert "The nolsi project" in text


@pytest.mark.parametrize(
    "accept, media_type",
    [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-triples", "application/n-triples"),
        ("*/*", "text/turtle"),
    ],
)
def test_the_ontology_by_content_negotiation(web, curated, ontology, accept, media_type):
    response = web.get(curated.base + "/ontology", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert response.headers["Vary"] == "Accept, Accept-Encoding"  # the body depends on both
    assert isomorphic(as_graph(response), ontology)
    again = web.get(curated.base + "/ontology", headers={"Accept": accept, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_turtle_is_the_edited_file(web, curated):
    response = web.get(curated.base + "/ontology.ttl")
    assert response.content == (curated.release / "ontology" / "nolsi.ttl").read_bytes()


def test_the_version_iri_resolves(web, curated, ontology):
    version = ontology.value(next(ontology.subjects(RDF.type, OWL.Ontology)), OWL.versionIRI)
    path = str(version).removeprefix("https://w3id.org/nolsi")
    assert web.get(curated.base + path, headers=BROWSER).status_code == 200
    assert isomorphic(as_graph(web.get(curated.base + path, headers={"Accept": "text/turtle"})), ontology)
    assert web.get(curated.base + "/ontology/0.0.0-no-such-version").status_code == 404


def test_an_unmet_accept_is_406(web, curated):
    assert web.get(curated.base + "/ontology", headers={"Accept": "image/png"}).status_code == 406


def test_terms_used_in_the_service_descriptions_are_declared(web, curated, ontology):
    used = used_in(
        pyoxigraph.serialize(
            pyoxigraph.parse((curated.release / "void.ttl").read_bytes(), format=pyoxigraph.RdfFormat.TURTLE),
            format=pyoxigraph.RdfFormat.N_QUADS,
        )
    )
    used |= {
        str(p)
        for p in as_graph(web.get(curated.base + "/sparql", headers={"Accept": "text/turtle"})).predicates()
        if str(p).startswith(NOLSI)
    }
    assert used <= declared(ontology)


# --- shapes ------------------------------------------------------------------------------------


def shapes_of(curated) -> Graph:
    graph = Graph()
    for path in sorted((curated.release / "shapes").glob("*.ttl")):
        graph.parse(path)
    return graph


def test_shapes_as_rdf(web, curated):
    expected = shapes_of(curated)
    for accept in ("text/turtle", "application/ld+json", "application/n-triples"):
        response = web.get(curated.base + "/shapes", headers={"Accept": accept})
        assert response.status_code == 200
        assert response.headers["Content-Type"].split(";")[0] == accept
        assert isomorphic(as_graph(response), expected), accept


def test_shapes_listing_has_an_anchor_per_shape(web, curated):
    expected = shapes_of(curated)
    response = web.get(curated.base + "/shapes", headers={"Accept": None})
    assert response.headers["Content-Type"].startswith("text/html")
    ids = Page.of(response.text).ids
    node_shapes = {str(s) for s in expected.subjects(RDF.type, SH.NodeShape) if str(s).startswith(SHAPES)}
    property_shapes = {str(p) for p in expected.objects(None, SH.property) if str(p).startswith(SHAPES)}
    assert node_shapes and property_shapes
    assert {s[len(SHAPES) :] for s in node_shapes | property_shapes} <= ids


def test_the_shapes_page_model_lists_every_shape_and_property_of_every_file(curated):
    """`ontology.listing`, the shapes page's model, without HTTP: one entry per shape file, every node
    shape and property shape of the file once, severities as SHACL names them."""
    from sparql_api import ontology

    files = sorted((curated.release / "shapes").glob("*.ttl"))
    listed = ontology.listing(files)
    assert [f.name for f in listed] == [f.name for f in files]
    expected = shapes_of(curated)
    shapes = [shape for f in listed for shape in f.shapes]
    assert len(shapes) == len(set(expected.subjects(RDF.type, SH.NodeShape)))
    properties = [p for shape in shapes for p in shape.properties]
    assert len(properties) == len(list(expected.objects(None, SH.property)))
    assert {p.severity for p in properties} <= {"Violation", "Warning", "Info"}
    paths = [expected.value(p, SH.path) for p in expected.objects(None, SH.property)]
    expressions = sum(not isinstance(path, URIRef) for path in paths)
    assert sum(p.path == "(a path expression)" for p in properties) == expressions
