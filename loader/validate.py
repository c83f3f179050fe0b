"""SHACL validation: compiled to SPARQL and run by Oxigraph (the default), or by pySHACL, the
reference implementation (`--validator pyshacl`).

The ontology and the import extracts go in as `ont_graph`: without the subclass axioms
`sh:class org:Organization` would not see a `nolsi:ResearchInfrastructure`. The compiled
validator (`loader.shacl_sparql`) reads them from the store, which holds them as graphs of their
own; `tests/test_shacl_sparql.py` proves that both give the same results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from loader import shacl_sparql
from loader.namespaces import XSD_STRING
from loader.typed import solutions

VALIDATORS = ("sparql", "pyshacl")

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Result:
    severity: str
    focus: str
    source_shape: str
    path: str
    value: str
    message: str
    component: str = ""
    files: tuple[str, ...] = ()  # the data files that state the focus node (see `located`)

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        files = f" in {', '.join(self.files)}" if self.files else ""
        return f"{self.severity}: {self.focus}{where}{value}{files}: {self.message} [{self.source_shape}]"


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


def located(report: Report, store: pyoxigraph.Store, files: Mapping[str, list[Path]]) -> Report:
    """`report` with each violation naming the files (by the named graph each was read into,
    `files`) that state its focus node: whoever reads the report fixes a file, not an IRI."""
    results = tuple(
        dataclasses.replace(r, files=_stating(store, r.focus, files)) if r.severity == "Violation" else r
        for r in report.results
    )
    return Report(results, report.graph)


def _stating(store: pyoxigraph.Store, focus: str, files: Mapping[str, list[Path]]) -> tuple[str, ...]:
    if not focus.startswith(("http://", "https://", "urn:")):  # a blank node's label is the store's own
        return ()
    graphs = {
        q.graph_name.value
        for q in store.quads_for_pattern(pyoxigraph.NamedNode(focus), None, None)
        if isinstance(q.graph_name, pyoxigraph.NamedNode)
    }
    return tuple(sorted(str(path) for graph in graphs for path in files.get(graph, ())))


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


def validate(
    data_graph: Graph, shapes_graph: Graph, ont_graph: Graph, targets_from: pyoxigraph.Store | None = None
) -> Report:
    """Validate with pySHACL, SPARQL-based targets evaluated by Oxigraph (over `targets_from`, the
    same data as `data_graph`, when the caller already has it in a store).

    pySHACL evaluates a `sh:SPARQLTarget` with rdflib's SPARQL engine, which takes seconds on a
    query over every triple. Oxigraph answers the same query in milliseconds, and a target is
    only the set of nodes its query selects (SHACL-AF 5.1), so we hand pySHACL that set as
    `sh:targetNode`s: the same validation, faster.
    """
    import pyshacl  # half a second to import: only when it runs

    shapes_graph = _materialise_sparql_targets(shapes_graph, targets_from or _store_of(data_graph))
    _, report_graph, _ = pyshacl.validate(
        data_graph,
        shacl_graph=shapes_graph,
        ont_graph=ont_graph,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    return _report(report_graph)


def _report(report_graph: Graph) -> Report:
    results = sorted(
        (_result(report_graph, node) for node in report_graph.subjects(RDF.type, SH.ValidationResult)),
        key=lambda r: (r.severity != "Violation", r.focus, r.source_shape, r.path, r.value, r.component),
    )
    return Report(results=tuple(results), graph=report_graph)


def validate_store(
    store: pyoxigraph.Store,
    shapes_graph: Graph,
    ont_graph: Graph,
    validator: str = "sparql",
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Report:
    """Validate the default graph of `store`, which holds the merge of the data and the ontology.

    `validator` "sparql" compiles the shapes to SPARQL (`loader.shacl_sparql`) and runs them in
    Oxigraph; a shape the compiler cannot compile is validated by pySHACL, alone. "pyshacl" runs
    pySHACL on all of them.
    """
    if validator not in VALIDATORS:
        raise ValueError(f"unknown validator {validator!r}; use one of {', '.join(VALIDATORS)}")
    if validator == "pyshacl":
        return validate(default_graph(store), shapes_graph, ont_graph, targets_from=store)
    ill_typed = shacl_sparql.ill_typed_literals(store, shacl_sparql.datatypes_used(shapes_graph), is_ill_typed)
    subclasses = shacl_sparql.subclass_closure(store, shacl_sparql.classes_used(shapes_graph))
    compiled = shacl_sparql.compile_shapes(shapes_graph, ill_typed, subclasses)
    rows = shacl_sparql.run(store, compiled, progress)
    report_graph = Graph()
    report_graph.bind("sh", SH)
    report = BNode()
    report_graph.add((report, RDF.type, SH.ValidationReport))
    if compiled.unsupported:
        # What the compiler cannot compile, pySHACL validates: the same shapes graph with the
        # targets of the compiled shapes taken out, so that only the others are checked.
        rest = copy_graph(shapes_graph)
        for shape in compiled.compiled:
            for predicate in shacl_sparql.TARGETS:
                rest.remove((shape, predicate, None))
        fallback = validate(default_graph(store), rest, ont_graph, targets_from=store).graph
        for node in fallback.subjects(RDF.type, SH.ValidationResult):
            report_graph.add((report, SH.result, node))
            _copy_node(fallback, node, report_graph)
    conforms = True
    for row in rows:
        check = row.check
        node = BNode()
        report_graph.add((report, SH.result, node))
        report_graph.add((node, RDF.type, SH.ValidationResult))
        report_graph.add((node, SH.sourceConstraintComponent, check.component))
        report_graph.add((node, SH.sourceShape, check.shape))
        report_graph.add((node, SH.resultSeverity, check.severity))
        report_graph.add((node, SH.focusNode, as_rdflib(row.focus)))
        if row.value is not None:
            report_graph.add((node, SH.value, as_rdflib(row.value)))
        if check.path is not None:
            report_graph.add((node, SH.resultPath, check.path))
            _copy_node(shapes_graph, check.path, report_graph)
        for message in check.messages:
            report_graph.add((node, SH.resultMessage, message))
    for node in report_graph.objects(report, SH.result):
        if report_graph.value(node, SH.resultSeverity) == SH.Violation:
            conforms = False
    report_graph.add((report, SH.conforms, Literal(conforms)))
    return _report(report_graph)


def _copy_node(source: Graph, node, target: Graph) -> None:
    """Copy what `source` says about the blank node `node` (a path, a result), recursively."""
    if not isinstance(node, BNode):
        return
    for predicate, value in source.predicate_objects(node):
        target.add((node, predicate, value))
        _copy_node(source, value, target)


def is_ill_typed(literal: pyoxigraph.Literal, datatype: URIRef) -> bool:
    """Whether pySHACL's `sh:datatype` rejects `literal` although its datatype is `datatype`: rdflib
    finds its lexical form ill-typed, or its value is not of the Python type of the datatype
    (pySHACL 0.40, `DatatypeConstraintComponent`)."""
    value = as_rdflib(literal)
    if not isinstance(value, Literal):  # never: a pyoxigraph literal becomes an rdflib one
        raise TypeError(f"{literal!r} is not a literal")
    if value.ill_typed is True:
        return True
    python_types: dict[URIRef, type | tuple[type, ...]] = {
        XSD.string: (str, bytes),
        RDF.langString: (str, bytes),
        XSD.integer: int,
        XSD.float: float,
        XSD.decimal: Decimal,
        XSD.boolean: bool,
        XSD.date: date,
        XSD.time: time,
        XSD.dateTime: datetime,
    }
    expected = python_types.get(datatype)
    return expected is not None and not isinstance(value.value, expected)


def default_graph(store: pyoxigraph.Store) -> Graph:
    """The store's default graph as an rdflib graph, the form pySHACL validates."""
    graph = Graph()
    for quad in store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()):
        graph.add(as_triple(quad))
    return graph


def _materialise_sparql_targets(shapes: Graph, store: pyoxigraph.Store) -> Graph:
    shapes = copy_graph(shapes)
    for shape, target in list(shapes.subject_objects(SH.target)):
        if (target, RDF.type, SH.SPARQLTarget) not in shapes or shapes.value(target, SH.prefixes) is not None:
            continue
        select = str(shapes.value(target, SH.select))
        shapes.remove((shape, SH.target, target))
        for solution in solutions(store.query(select, use_default_graph_as_union=True)):
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
        component=text(SH.sourceConstraintComponent),
    )


def _describe_path(graph: Graph, node) -> str:
    """A complex SHACL path (inverse, sequence, alternative...) as a SPARQL property path."""
    try:
        return shacl_sparql.path_text(graph, node)
    except shacl_sparql.Unsupported:
        return "(complex path)"


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
