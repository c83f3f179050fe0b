"""`/ontology` and `/shapes`: the ontology's documentation and RDF, and the SHACL shapes.

Ontology terms are hash IRIs (`https://w3id.org/nolsi/ontology#Agreement`), so one document
answers for all of them: the HTML page has an anchor per term, and an RDF client gets the whole
ontology. Both are read from the copy of `ontology/` and `shapes/` in the served release, so the
documentation always matches the data being served. `owl:versionIRI`s
(`/ontology/{version}`) resolve to the release that carries that version of the ontology.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, request
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SH, SKOS, VOID

from loader import layout, namespaces
from loader.namespaces import LICENCE, NOLSI, SHAPES, VANN
from sparql_api import formats, linked, releases

bp = Blueprint("ontology", __name__)

ONTOLOGY = "ontology/nolsi.ttl"
MAPPINGS = "ontology/mappings.ttl"
ONTOLOGY_IRI = namespaces.ONTOLOGY
KINDS = (
    (OWL.Class, "classes", "Classes"),
    (OWL.ObjectProperty, "object-properties", "Object properties"),
    (OWL.DatatypeProperty, "datatype-properties", "Datatype properties"),
    (OWL.AnnotationProperty, "annotation-properties", "Annotation properties"),
    (RDF.Property, "properties", "Other properties"),
)
MAPPING_PREDICATES = (
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
    OWL.equivalentClass,
    OWL.equivalentProperty,
)
SUFFIX_RULE = f"<any({formats.suffix_pattern(formats.TRIPLES, 'html').replace('|', ', ')}):suffix>"


@bp.get("/ontology", defaults={"suffix": None, "version": None})
@bp.get(f"/ontology.{SUFFIX_RULE}", defaults={"version": None})
@bp.get("/ontology/<version>", defaults={"suffix": None})
def ontology(suffix: str | None, version: str | None):
    folder = _release_with(version) if version else linked.release_folder()
    if folder is None or not (folder / ONTOLOGY).is_file():
        abort(404, f"The release has no {ONTOLOGY}.")
    path = folder / ONTOLOGY
    chosen = linked.choose(linked.TRIPLE_FORMATS, suffix)
    if chosen is None:
        return linked.not_acceptable(linked.TRIPLE_FORMATS)
    host_links = linked.signposting(
        [(f"{request.host_url}ontology.ttl", "describedby", "text/turtle"), (LICENCE, "license", None)]
    )
    tag = linked.etag("ontology", folder.name, version or "", chosen.name)
    if (early := linked.not_modified(tag, host_links)) is not None:
        return early
    if chosen is linked.HTML:
        response = linked.render(
            "ontology.html",
            doc=document(path, folder / MAPPINGS, folder / layout.VOID),
            version=folder.name,
            mappings=(folder / MAPPINGS).is_file(),
        )
    else:
        response = linked.rdf_response(linked.convert(path, chosen), chosen)
    return linked.finish(response, tag, host_links)


def _release_with(version: str) -> Path:
    """The newest release whose ontology has `owl:versionIRI` .../ontology/{version}."""
    wanted = URIRef(f"{ONTOLOGY_IRI}/{version}")
    for name in releases.versions():
        folder = linked.release_folder(name)
        if folder is None or not (folder / ONTOLOGY).is_file():
            continue
        if (None, OWL.versionIRI, wanted) in linked.graph_of(folder / ONTOLOGY):
            return folder
    abort(404, f"No release carries ontology version {version!r}.")


def document(path: Path, mappings: Path, void: Path) -> OntologyPage:
    return _document(
        str(path),
        path.stat().st_mtime,
        str(mappings) if mappings.is_file() else "",
        str(void) if void.is_file() else "",
    )


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    iri: str


@dataclass(frozen=True)
class Term:
    local: str
    iri: str
    label_en: str
    label_nb: str
    comment: str
    parents: list[Link]
    children: list[Link]
    domain: list[Link]
    range: list[Link]
    mappings: list[tuple[str, Link]]
    deprecated: bool
    usage: str


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    terms: list[Term]


@dataclass(frozen=True)
class OntologyPage:
    iri: str
    title_en: str
    title_nb: str
    description: str
    license: str
    creators: list[str]
    version_iri: str
    version_href: str
    version_info: str
    prefix: str
    namespace: str
    sections: list[Section]


@lru_cache(maxsize=8)
def _document(path: str, _mtime: float, mappings_path: str, void_path: str) -> OntologyPage:
    graph = linked.graph_of(Path(path))
    mappings = linked.graph_of(Path(mappings_path)) if mappings_path else Graph()
    usage = _usage(linked.graph_of(Path(void_path))) if void_path else {}
    header = next(graph.subjects(RDF.type, OWL.Ontology), ONTOLOGY_IRI)
    sections: list[Section] = []
    seen: set[URIRef] = set()
    for kind, anchor, title in KINDS:
        ours = [
            t
            for t in linked.ordered(set(graph.subjects(RDF.type, kind)) - seen)
            if isinstance(t, URIRef) and str(t).startswith(str(NOLSI))
        ]
        seen.update(ours)
        if ours:
            sections.append(Section(anchor, title, [_term(graph, mappings, usage, kind, term) for term in ours]))
    titles = _texts(graph, header, DCTERMS.title)
    version_iri = graph.value(header, OWL.versionIRI)
    return OntologyPage(
        iri=str(header),
        title_en=titles.get("en", "nolsi ontology"),
        title_nb=titles.get("nb", ""),
        description=_texts(graph, header, DCTERMS.description).get("en", ""),
        license=str(graph.value(header, DCTERMS.license) or ""),
        creators=sorted(
            str(graph.value(creator, FOAF.name) or creator) for creator in graph.objects(header, DCTERMS.creator)
        ),
        version_iri=str(version_iri or ""),
        version_href=linked.href(str(version_iri)) if version_iri else "",
        version_info=str(graph.value(header, OWL.versionInfo) or ""),
        prefix=str(graph.value(header, VANN.preferredNamespacePrefix) or "nolsi"),
        namespace=str(graph.value(header, VANN.preferredNamespaceUri) or NOLSI),
        sections=sections,
    )


def _term(graph: Graph, mappings: Graph, usage: dict[str, str], kind, term: URIRef) -> Term:
    labels, comments = _texts(graph, term, RDFS.label), _texts(graph, term, RDFS.comment)
    parent = RDFS.subClassOf if kind == OWL.Class else RDFS.subPropertyOf
    return Term(
        local=str(term)[len(str(NOLSI)) :],
        iri=str(term),
        label_en=labels.get("en", ""),
        label_nb=labels.get("nb", ""),
        comment=comments.get("en") or next(iter(comments.values()), ""),
        parents=[_link(o) for o in linked.ordered(graph.objects(term, parent))],
        children=[_link(s) for s in linked.ordered(graph.subjects(parent, term))],
        domain=[_link(o) for o in linked.ordered(graph.objects(term, RDFS.domain))],
        range=[_link(o) for o in linked.ordered(graph.objects(term, RDFS.range))],
        mappings=[
            (linked.curie(str(p)), _link(o))
            for p in MAPPING_PREDICATES
            for o in linked.ordered(mappings.objects(term, p))
        ],
        deprecated=(term, OWL.deprecated, Literal(True)) in graph,
        usage=usage.get(str(term), ""),
    )


def _texts(graph: Graph, subject, predicate) -> dict[str, str]:
    """Literal values by language tag ("" for none)."""
    return {(o.language or ""): str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


def _link(node) -> Link:
    if not isinstance(node, URIRef):
        return Link("", "(an anonymous class expression)", "")
    iri = str(node)
    if iri.startswith(str(NOLSI)):
        local = iri[len(str(NOLSI)) :]
        return Link(f"#{local}", f"nolsi:{local}", iri)
    return Link(linked.href(iri), linked.curie(iri), iri)


def _usage(void: Graph) -> dict[str, str]:
    """How often the served release uses each class and property, from its VoID partitions."""
    used = {}
    for part in void.objects(None, VOID.classPartition):
        cls, count = void.value(part, VOID["class"]), void.value(part, VOID.entities)
        if cls is not None and count is not None:
            used[str(cls)] = f"{linked.integer(count)} entities in the current release"
    for part in void.objects(None, VOID.propertyPartition):
        prop, count = void.value(part, VOID.property), void.value(part, VOID.triples)
        if prop is not None and count is not None:
            used[str(prop)] = f"{linked.integer(count)} triples in the current release"
    return used


# --- shapes -----------------------------------------------------------------------------------


@bp.get("/shapes", defaults={"suffix": None})
@bp.get(f"/shapes.{SUFFIX_RULE}")
def shapes(suffix: str | None):
    folder = linked.release_folder()
    files = sorted((folder / "shapes").glob("*.ttl")) if folder else []
    if folder is None or not files:
        abort(404, "The current release has no shapes.")
    chosen = linked.choose(linked.TRIPLE_FORMATS, suffix)
    if chosen is None:
        return linked.not_acceptable(linked.TRIPLE_FORMATS)
    tag = linked.etag("shapes", chosen.name)
    if (early := linked.not_modified(tag)) is not None:
        return early
    merged = _merged(tuple(str(f) for f in files))
    if chosen is linked.HTML:
        response = linked.render(
            "shapes.html", files=listing(files), version=folder.name, report=(folder / layout.SHACL_REPORT).is_file()
        )
    else:
        response = linked.rdf_response(formats.serialize(merged, chosen), chosen)
    return linked.finish(response, tag)


@lru_cache(maxsize=4)
def _merged(paths: tuple[str, ...]) -> Graph:
    graph = Graph()
    for path in paths:
        for prefix, namespace in linked.graph_of(Path(path)).namespaces():
            graph.bind(prefix, namespace, override=False)
        graph += linked.graph_of(Path(path))
    return graph


@dataclass(frozen=True)
class ShapeProperty:
    anchor: str
    path: str  # a compact IRI, or "(a path expression)"
    name: str
    description: str
    severity: str  # Violation, Warning or Info


@dataclass(frozen=True)
class Shape:
    anchor: str
    label: str
    comment: str
    targets: list[str]
    properties: list[ShapeProperty]


@dataclass(frozen=True)
class ShapesFile:
    name: str
    shapes: list[Shape]


def listing(files: list[Path]) -> list[ShapesFile]:
    """The shapes page: each file's node shapes with their property shapes, in a stable order."""
    listed = []
    for path in files:
        graph = linked.graph_of(path)
        shapes = linked.ordered(graph.subjects(RDF.type, SH.NodeShape))
        listed.append(ShapesFile(path.name, [_shape(graph, shape) for shape in shapes]))
    return listed


def _shape(graph: Graph, shape) -> Shape:
    return Shape(
        _anchor(shape),
        str(graph.value(shape, RDFS.label) or _anchor(shape)),
        str(graph.value(shape, RDFS.comment) or ""),
        [linked.curie(str(t)) for t in linked.ordered(graph.objects(shape, SH.targetClass))],
        [_property(graph, p) for p in linked.ordered(graph.objects(shape, SH.property))],
    )


def _property(graph: Graph, prop) -> ShapeProperty:
    path = graph.value(prop, SH.path)
    return ShapeProperty(
        _anchor(prop),
        linked.curie(str(path)) if isinstance(path, URIRef) else "(a path expression)",
        str(graph.value(prop, SH.name) or ""),
        str(graph.value(prop, SH.description) or ""),
        str(graph.value(prop, SH.severity) or SH.Violation).rsplit("#", 1)[-1],
    )


def _anchor(node) -> str:
    iri = str(node)
    return iri[len(str(SHAPES)) :] if iri.startswith(str(SHAPES)) else ""
