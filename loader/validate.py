"""SHACL validation with pySHACL, the reference implementation.

The ontology and the import extracts go in as `ont_graph`: without the subclass axioms
`sh:class org:Organization` would not see a `nolsi:ResearchInfrastructure`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pyoxigraph
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from loader.namespaces import XSD_STRING

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Result:
    severity: str
    focus: str
    source_shape: str
    path: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: {self.focus}{where}{value}: {self.message} [{self.source_shape}]"


@dataclass(frozen=True)
class Report:
    results: tuple[Result, ...]
    graph: Graph

    @property
    def conforms(self) -> bool:
        """True when nothing blocks a build: warnings and infos do not."""
        return not self.violations

    @property
    def violations(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.severity == "Violation")

    @property
    def warnings(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.severity == "Warning")


def turtle_files(folder: Path) -> list[Path]:
    """Every Turtle file below `folder`, sorted so that runs are reproducible."""
    return sorted(folder.rglob("*.ttl")) if folder.is_dir() else []


def parse_graph(paths: Iterable[Path]) -> Graph:
    """Parse with Oxigraph (fast, precise errors) into one rdflib graph for pySHACL."""
    graph = Graph()
    for path in paths:
        for quad in pyoxigraph.parse(path=path):
            graph.add(as_triple(quad))
    return graph


def load_shapes(shapes_dir: Path) -> Graph:
    return parse_graph(turtle_files(Path(shapes_dir)))


def load_ontology(ontology_dir: Path) -> Graph:
    """The ontology, its mappings, the SKOS vocabularies and the import extracts, merged."""
    return parse_graph(turtle_files(Path(ontology_dir)))


def validate(data_graph: Graph, shapes_graph: Graph, ont_graph: Graph, targets_from: pyoxigraph.Store | None = None) -> Report:
    """Validate with pySHACL, SPARQL-based targets evaluated by Oxigraph (over `targets_from`, the
    same data as `data_graph`, when the caller already has it in a store).

    pySHACL evaluates a `sh:SPARQLTarget` with rdflib's SPARQL engine, which takes seconds on a
    query over every triple. Oxigraph answers the same query in milliseconds, and a target is
    only the set of nodes its query selects (SHACL-AF 5.1), so we hand pySHACL that set as
    `sh:targetNode`s: the same validation, faster.
    """
    shapes_graph = _materialise_sparql_targets(shapes_graph, targets_from or _store_of(data_graph))
    _, report_graph, _ = pyshacl.validate(
        data_graph,
        shacl_graph=shapes_graph,
        ont_graph=ont_graph,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    results = sorted(
        (_result(report_graph, node) for node in report_graph.subjects(RDF.type, SH.ValidationResult)),
        key=lambda r: (r.severity != "Violation", r.focus, r.source_shape, r.path, r.value),
    )
    return Report(results=tuple(results), graph=report_graph)


def _materialise_sparql_targets(shapes: Graph, store: pyoxigraph.Store) -> Graph:
    shapes = copy_graph(shapes)
    for shape, target in list(shapes.subject_objects(SH.target)):
        if (target, RDF.type, SH.SPARQLTarget) not in shapes or shapes.value(target, SH.prefixes) is not None:
            continue
        select = str(shapes.value(target, SH.select))
        shapes.remove((shape, SH.target, target))
        for solution in store.query(select, use_default_graph_as_union=True):
            shapes.add((shape, SH.targetNode, as_rdflib(solution["this"])))
    return shapes


def _store_of(graph: Graph) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def copy_graph(graph: Graph) -> Graph:
    copied = Graph()
    for prefix, namespace in graph.namespaces():
        copied.bind(prefix, namespace)
    for triple in graph:
        copied.add(triple)
    return copied


def _result(graph: Graph, node) -> Result:
    def text(predicate) -> str:
        term = graph.value(node, predicate)
        if term is None or isinstance(term, BNode):
            return _describe_path(graph, term) if predicate == SH.resultPath and term else ""
        return str(term)

    return Result(
        severity=SEVERITIES.get(graph.value(node, SH.resultSeverity), "Violation"),
        focus=text(SH.focusNode),
        source_shape=text(SH.sourceShape),
        path=text(SH.resultPath),
        value=text(SH.value),
        message=text(SH.resultMessage),
    )


def _describe_path(graph: Graph, node) -> str:
    """A readable form of a complex SHACL path (inverse or sequence), for messages only."""
    inverse = graph.value(node, SH.inversePath)
    if inverse is not None:
        return f"^{inverse}"
    return " / ".join(str(item) for item in graph.items(node)) or "(complex path)"


def as_triple(quad: pyoxigraph.Quad) -> tuple:
    return as_rdflib(quad.subject), as_rdflib(quad.predicate), as_rdflib(quad.object)


def as_rdflib(term) -> URIRef | BNode | Literal:
    """Convert one pyoxigraph term to rdflib.

    `"x"^^xsd:string` becomes the plain literal `"x"`: RDF 1.1 says they are the same term, but
    rdflib compares them as different, so `sh:in` and `sh:hasValue` on strings would fail.
    """
    kind = type(term).__name__
    if kind == "NamedNode":
        return URIRef(term.value)
    if kind == "BlankNode":
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))
