"""SHACL Core compiled to SPARQL and evaluated by Oxigraph over the whole graph at once.

pySHACL (`loader.validate`) is the reference implementation: it walks every focus node and value
node in Python, 0.6-0.7 ms a triple. This module turns each shape into a few SPARQL queries that
Oxigraph answers for all focus nodes at once, and gives the same validation results, proven by
`tests/test_shacl_sparql.py` on every fixture, the real data and a synthetic graph:

- the same focus nodes, result paths, values, source shapes, severities, constraint components
  and messages, reproducing pySHACL's reading of the spec where it has one of its own (the ill-typed
  literal test of `sh:datatype`, the language matching of `sh:languageIn`, no value on results of
  `sh:hasValue`, `sh:uniqueLang` and the counting constraints);
- `sh:class` sees subclasses through `rdf:type/rdfs:subClassOf*` in the data graph, which holds the
  ontology and its import extracts, as pySHACL's `ont_graph` gives them.

Only what the profile needs is compiled: node and property shapes; targets `sh:targetClass`,
`sh:targetNode`, `sh:targetSubjectsOf`, `sh:targetObjectsOf` and SPARQL-based targets (`sh:target`
of a `sh:SPARQLTarget` without `sh:prefixes`); paths (predicate, inverse, sequence, alternative,
zero-or-more, one-or-more, zero-or-one); and the constraint components `sh:class`, `sh:datatype`,
`sh:nodeKind`, `sh:pattern` (flags i, m, s), `sh:languageIn`, `sh:in`, `sh:hasValue`,
`sh:minInclusive`, `sh:maxInclusive`, `sh:minExclusive`, `sh:maxExclusive`, `sh:minLength`,
`sh:maxLength`, `sh:minCount`, `sh:maxCount`, `sh:uniqueLang`, `sh:node`, `sh:property`, `sh:and`,
`sh:or`, `sh:not`, `sh:xone`, `sh:qualifiedValueShape` with `sh:qualifiedMinCount` or
`sh:qualifiedMaxCount`, and `sh:deactivated`. A targeted shape that uses anything else, or that
would report without an `sh:message` of its own, is not compiled: `compile_shapes` names it in
`Compiled.unsupported` with the reason, and the caller validates it with pySHACL instead, so that a
feature this compiler does not know can never pass silently.

How a shape runs: the data is in the store's default graph (the merge of the named graphs plus the
ontology). The focus nodes of each targeted shape are first written, by one SPARQL update per
shape, into a scratch named graph that no data query reads; then each constraint of the shape and
of its property shapes is one SELECT over those focus nodes that returns exactly the nodes that
fail it, and the scratch graph is dropped.

The compiler is cut along the spec's families of constraint components (SHACL 4): the tables at the
end of the module map each sh: parameter to the method that compiles it, as a value test (an
expression over one value node), as a SELECT of a top-level property shape (the counting
components), or as a condition of a property shape nested in another shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import cast

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

SCRATCH = "urn:nolsi:shacl:focus"
FOCUS = "urn:nolsi:shacl:focus-of"
SUPPORTED_FLAGS = set("ism")
DEFAULT_SEVERITY = SH.Violation

# Predicates in the sh: namespace that are not constraints, or that this module handles itself.
NOT_CONSTRAINTS = {
    SH.path,
    SH.name,
    SH.description,
    SH.message,
    SH.severity,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.target,
    SH.deactivated,
    SH.flags,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
    SH.declare,
    SH.select,
    SH.prefixes,
}
COMPONENTS = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.property: SH.PropertyConstraintComponent,
}
NODE_KINDS: dict[Node, str] = {
    SH.IRI: "isIRI({x})",
    SH.BlankNode: "isBlank({x})",
    SH.Literal: "isLiteral({x})",
    SH.BlankNodeOrIRI: "!isLiteral({x})",
    SH.BlankNodeOrLiteral: "!isIRI({x})",
    SH.IRIOrLiteral: "!isBlank({x})",
}
COMPARISONS = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
CLASSES = (RDFS.Class, OWL.Class)  # a shape that is also one of these targets its own instances
PATHS: dict[Node, str] = {
    SH.inversePath: "^{}",
    SH.zeroOrMorePath: "{}*",
    SH.oneOrMorePath: "{}+",
    SH.zeroOrOnePath: "{}?",
}


class Unsupported(Exception):
    """A shape uses something this compiler does not compile."""


@dataclass(frozen=True)
class Check:
    """One constraint of one shape as one SELECT: each solution (?this, and ?value where the
    component reports one) is one validation result."""

    shape: Node
    component: URIRef
    severity: Node
    messages: tuple[Node, ...]
    path: Node | None
    query: str
    has_value: bool


@dataclass(frozen=True)
class Focus:
    """The focus nodes of one targeted shape, as an update that writes them into the scratch graph."""

    shape: Node
    node: str  # the IRI standing for this shape in the scratch graph
    update: str


@dataclass
class Compiled:
    focus: list[Focus] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    groups: list[tuple[Focus, list[Check]]] = field(default_factory=list)  # of each targeted shape compiled
    compiled: list[Node] = field(default_factory=list)  # targeted shapes compiled
    unsupported: dict[Node, str] = field(default_factory=dict)  # targeted shape -> reason


@dataclass(frozen=True)
class Row:
    check: Check
    focus: object  # pyoxigraph term
    value: object | None


def datatypes_used(shapes: Graph) -> set[URIRef]:
    return {d for d in shapes.objects(None, SH.datatype) if isinstance(d, URIRef)}


def targeted_shapes(shapes: Graph) -> list[Node]:
    found: set[Node] = set()
    for predicate in TARGETS:
        found.update(shapes.subjects(predicate, None))
    for kind in CLASSES:
        for shape in shapes.subjects(RDF.type, kind):
            if (shape, RDF.type, SH.NodeShape) in shapes or (shape, RDF.type, SH.PropertyShape) in shapes:
                found.add(shape)
    return sorted(found, key=str)


def compile_shapes(
    shapes: Graph, ill_typed: dict[URIRef, list] | None = None, subclasses: dict | None = None
) -> Compiled:
    """Compile every targeted shape; the ones that cannot be compiled go to `unsupported`.

    `ill_typed` maps a datatype to the literals of that datatype in the data that pySHACL does not
    accept as values of it (see `ill_typed_literals`); `subclasses` maps each class of `sh:class`
    to its subclasses in the data (see `subclass_closure`): without it `sh:class` evaluates
    `rdf:type/rdfs:subClassOf*` for every value, several times slower."""
    compiled = Compiled()
    for number, shape in enumerate(targeted_shapes(shapes)):
        compiler = _Compiler(shapes, ill_typed or {}, subclasses or {})
        try:
            focus, checks = compiler.top(shape, f"{SCRATCH}/{number}")
        except Unsupported as reason:
            compiled.unsupported[shape] = str(reason)
            continue
        if focus is None:
            continue  # deactivated
        compiled.compiled.append(shape)
        compiled.focus.append(focus)
        compiled.checks.extend(checks)
        compiled.groups.append((focus, checks))
    return compiled


def classes_used(shapes: Graph) -> set[URIRef]:
    return {c for c in shapes.objects(None, SH["class"]) if isinstance(c, URIRef)}


def subclass_closure(store: pyoxigraph.Store, classes: Iterable[URIRef]) -> dict[URIRef, list]:
    """Each class with every class that is an rdfs:subClassOf* of it in the default graph (itself
    included), as pyoxigraph terms: `?x rdf:type/rdfs:subClassOf* C` holds exactly when `?x` has
    an rdf:type among them."""
    closure = {}
    for cls in sorted(classes):
        query = f"SELECT DISTINCT ?t WHERE {{ ?t <{RDFS.subClassOf}>* <{cls}> }}"
        closure[cls] = sorted((solution["t"] for solution in _select(store, query)), key=str)
    return closure


def ill_typed_literals(store: pyoxigraph.Store, datatypes: Iterable[URIRef], is_ill_typed: Callable) -> dict:
    """The literals of `datatypes` in the default graph that `is_ill_typed(literal, datatype)`
    rejects, by datatype. Each distinct literal is tested once, in Python (dates, years and
    numbers repeat, so there are far fewer distinct literals than triples)."""
    checked = [d for d in datatypes if d not in (XSD.string, RDF.langString, RDFS.Literal)]
    if not checked:
        return {}
    values = ", ".join(f"<{d}>" for d in checked)
    query = f"SELECT DISTINCT ?o WHERE {{ ?s ?p ?o FILTER(isLiteral(?o)) FILTER(DATATYPE(?o) IN ({values})) }}"
    bad: dict = {}
    for solution in _select(store, query):
        literal = solution["o"]
        datatype = URIRef(literal.datatype.value)
        if is_ill_typed(literal, datatype):
            bad.setdefault(datatype, []).append(literal)
    return bad


PARALLEL_FROM = 200_000  # quads in the store; below that a second process costs more than it saves


def run(
    store: pyoxigraph.Store,
    compiled: Compiled,
    progress: Callable[[int, int], None] = lambda done, total: None,
    processes: int = 2,
) -> list[Row]:
    """Evaluate `compiled` over the default graph of `store`; the scratch graph is removed after.

    On a big store part of the shapes go to a forked process, which inherits the store
    (copy-on-write: nothing is copied), writes the focus nodes of its shapes into its own copy of
    the scratch graph and sends back its results as N-Triples terms: the shapes are independent,
    so two cores share the work."""
    scratch = pyoxigraph.NamedNode(SCRATCH)
    rows: list[Row] = []
    groups = list(compiled.groups)
    total = len(groups)
    helper = None
    # Heaviest first (a SPARQL target costs a scan of the graph; each check one query).
    groups.sort(key=lambda g: -(len(g[1]) + (6 if "SELECT" in g[0].update.split("WHERE", 1)[1] else 3)))
    claim = _Claims(len(groups))
    if processes > 1 and len(store) >= PARALLEL_FROM and len(groups) > 1:
        claim = _Claims(len(groups), shared=True)
        helper = _Helper(store, groups, claim, {id(c): i for i, c in enumerate(compiled.checks)})
    try:
        for done, i in enumerate(iter(claim.next, None), start=1):
            focus, checks = groups[i]
            rows.extend(_evaluate_group(store, focus, checks))
            progress(done, total)
        if helper is not None:
            for index, focus, value in helper.results():
                check = compiled.checks[index]
                rows.append(Row(check, _term(focus), _term(value) if value is not None else None))
            progress(total, total)
    finally:
        if helper is not None:
            helper.stop()
        store.remove_graph(scratch)
    order = {id(check): i for i, check in enumerate(compiled.checks)}
    rows.sort(key=lambda row: order[id(row.check)])  # the same order whichever process ran a check
    return rows


class _Claims:
    """Hands out the indexes 0..n-1 once each, across the processes that share it."""

    def __init__(self, n: int, shared: bool = False):
        import multiprocessing

        self.n = n
        self.value = multiprocessing.get_context("fork").Value("i", 0) if shared else None
        self.local = 0

    def next(self) -> int | None:
        if self.value is None:
            i, self.local = self.local, self.local + 1
        else:
            with self.value.get_lock():
                i = self.value.value
                self.value.value = i + 1
        return i if i < self.n else None


def _evaluate_group(store: pyoxigraph.Store, focus: Focus, checks: list[Check]) -> list[Row]:
    store.update(focus.update)
    return [row for check in checks for row in _evaluate(store, check)]


def _evaluate(store: pyoxigraph.Store, check: Check) -> list[Row]:
    return [
        Row(check, solution["this"], solution["value"] if check.has_value else None)
        for solution in _select(store, check.query)
    ]


def _select(store: pyoxigraph.Store, query: str) -> pyoxigraph.QuerySolutions:
    """The solutions of a SELECT query (`Store.query` is typed for every query form)."""
    return cast(pyoxigraph.QuerySolutions, store.query(query))


def _term(text: str):
    """A term from its N-Triples form."""
    return next(iter(pyoxigraph.parse(f"<urn:s> <urn:p> {text} .", format=pyoxigraph.RdfFormat.N_TRIPLES))).object


# What the forked helper inherits: set while the pool forks its process, empty otherwise.
_INHERITED: dict[str, tuple] = {}


def _run_inherited() -> list[tuple]:
    store, groups, claim, index = _INHERITED["work"]
    out = []
    for i in iter(claim.next, None):
        focus, checks = groups[i]
        for row in _evaluate_group(store, focus, checks):
            out.append((index[id(row.check)], str(row.focus), None if row.value is None else str(row.value)))
    return out


class _Helper:
    def __init__(self, store: pyoxigraph.Store, groups: list, claim: _Claims, index: dict):
        import multiprocessing

        _INHERITED["work"] = (store, groups, claim, index)
        try:
            self.pool = multiprocessing.get_context("fork").Pool(1)
            self.pending = self.pool.apply_async(_run_inherited)
        finally:
            _INHERITED.clear()
        self.pool.close()

    def results(self) -> list[tuple]:
        return self.pending.get()

    def stop(self) -> None:
        self.pool.terminate()
        self.pool.join()


# -- SPARQL text -------------------------------------------------------------------------------------


def term(node) -> str:
    """An rdflib term as SPARQL text."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        text = '"' + _escape(str(node)) + '"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None and node.datatype != XSD.string:
            return f"{text}^^<{node.datatype}>"
        return text
    raise Unsupported(f"a blank node {node} where a constant is needed")


def ox_term(node) -> str:
    """A pyoxigraph term as SPARQL text."""
    kind = type(node).__name__
    if kind == "NamedNode":
        return f"<{node.value}>"
    if kind == "Literal":
        text = '"' + _escape(node.value) + '"'
        if node.language:
            return f"{text}@{node.language}"
        return f"{text}^^<{node.datatype.value}>"
    raise Unsupported(f"a blank node {node} where a constant is needed")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def path_text(shapes: Graph, node) -> str:
    """A SHACL path (SHACL 2.3.1) as a SPARQL property path."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if not isinstance(node, BNode):
        raise Unsupported(f"a path that is neither an IRI nor a blank node: {node!r}")
    if (node, RDF.first, None) in shapes:
        return _path_list(shapes, node, "/", "a sequence path")
    found = [(p, o) for p, o in shapes.predicate_objects(node) if p in PATHS or p == SH.alternativePath]
    if len(found) != 1 or len(set(shapes.predicate_objects(node))) != 1:
        raise Unsupported(f"a path blank node {node} that is not exactly one SHACL path")
    predicate, inner = found[0]
    if predicate == SH.alternativePath:
        return _path_list(shapes, inner, "|", "an alternative path")
    return "(" + PATHS[predicate].format(path_text(shapes, inner)) + ")"


def _path_list(shapes: Graph, node: Node, operator: str, kind: str) -> str:
    """A sequence or alternative path: an RDF list of at least two paths."""
    items = list(Collection(shapes, node))
    if len(items) < 2:
        raise Unsupported(f"{kind} of fewer than two members")
    return "(" + operator.join(path_text(shapes, item) for item in items) + ")"


@dataclass(frozen=True)
class _Site:
    """A property shape compiled at the top level: where its checks look (its focus nodes and path)."""

    shape: Node
    path_node: Node
    path: str  # the SPARQL property path
    focus: str  # the graph pattern that binds ?this to each focus node


class _Compiler:
    def __init__(self, shapes: Graph, ill_typed: dict, subclasses: dict):
        self.g = shapes
        self.ill_typed = ill_typed
        self.subclasses = subclasses
        self.counter = 0
        self.stack: list[Node] = []

    def var(self) -> str:
        self.counter += 1
        return f"?_v{self.counter}"

    # -- shapes -------------------------------------------------------------------------------------

    def one(self, shape: Node, predicate: URIRef) -> Node | None:
        values = list(self.g.objects(shape, predicate))
        if len(values) > 1:
            raise Unsupported(f"{shape} has {len(values)} values of {predicate}")
        return values[0] if values else None

    def deactivated(self, shape: Node) -> bool:
        return _is_true(self.g.objects(shape, SH.deactivated))

    def parameters(self, shape: Node) -> list[tuple[URIRef, Node]]:
        """The constraint parameters of `shape`, checked against what this compiler knows."""
        found = []
        for predicate, value in sorted(self.g.predicate_objects(shape), key=lambda pv: (str(pv[0]), str(pv[1]))):
            if not str(predicate).startswith(str(SH)) or predicate in NOT_CONSTRAINTS:
                continue
            if predicate in VALUE_TESTS or predicate in COUNTS or predicate == SH.property:
                found.append((cast(URIRef, predicate), value))
            else:
                raise Unsupported(f"{shape} uses {predicate.n3(self.g.namespace_manager)}, which is not compiled")
        if self.one(shape, SH.flags) is not None and self.one(shape, SH.pattern) is None:
            raise Unsupported(f"{shape} has sh:flags without sh:pattern")
        return found

    def severity(self, shape: Node) -> Node:
        return self.one(shape, SH.severity) or DEFAULT_SEVERITY

    def messages(self, shape: Node) -> tuple[Node, ...]:
        messages = tuple(sorted(self.g.objects(shape, SH.message), key=str))
        if not messages:
            raise Unsupported(f"{shape} reports without an sh:message (pySHACL would write its own)")
        return messages

    def path_of(self, shape: Node) -> Node | None:
        return self.one(shape, SH.path)

    def integer(self, shape: Node, value: Node | None) -> int:
        if not (isinstance(value, Literal) and isinstance(value.value, int) and not isinstance(value.value, bool)):
            raise Unsupported(f"{shape} has a count that is not an integer: {value!r}")
        return value.value

    def not_disjoint(self, shape: Node) -> None:
        if _is_true(self.g.objects(shape, SH.qualifiedValueShapesDisjoint)):
            raise Unsupported(f"{shape} uses sh:qualifiedValueShapesDisjoint")

    # -- targets (SHACL 2.1.3, and SHACL-AF 5.1 for SPARQL-based targets) ---------------------------

    def targets(self, shape: Node) -> str:
        """The focus nodes of `shape` as a graph pattern binding ?this; empty if it has no target."""
        parts = [f"{{ ?this <{RDF.type}>/<{RDFS.subClassOf}>* {term(cls)} . }}" for cls in self.class_targets(shape)]
        nodes = list(self.g.objects(shape, SH.targetNode))
        if nodes:
            parts.append("{ VALUES ?this { " + " ".join(term(n) for n in nodes) + " } }")
        parts += [f"{{ ?this {term(p)} ?_o . }}" for p in self.g.objects(shape, SH.targetSubjectsOf)]
        parts += [f"{{ ?_s {term(p)} ?this . }}" for p in self.g.objects(shape, SH.targetObjectsOf)]
        for target in self.g.objects(shape, SH.target):
            select = self.sparql_target(shape, target)
            if select is not None:
                parts.append("{ " + select + " }")
        return " UNION ".join(parts)

    def class_targets(self, shape: Node) -> list[Node]:
        """sh:targetClass, then the shape itself when it is also a class (implicit class target)."""
        classes = list(self.g.objects(shape, SH.targetClass))
        if any((shape, RDF.type, kind) in self.g for kind in CLASSES):
            classes.append(shape)
        return classes

    def sparql_target(self, shape: Node, target: Node) -> str | None:
        """The SELECT of a SPARQL-based target, None if deactivated."""
        if (target, RDF.type, SH.SPARQLTarget) not in self.g and self.one(target, SH.select) is None:
            raise Unsupported(f"{shape} has a target {target} that is not a SPARQL-based target")
        if self.one(target, SH.prefixes) is not None:
            raise Unsupported(f"{shape} has a SPARQL target with sh:prefixes")
        if self.deactivated(target):
            return None
        select = str(self.one(target, SH.select)).strip()
        if re.search(r"[?$](currentShape|shapesGraph)\b", select):
            raise Unsupported(f"{shape} has a SPARQL target that uses $currentShape or $shapesGraph")
        return select

    # -- top level: one SELECT per constraint, whose solutions are the results ----------------------

    def top(self, shape: Node, node: str) -> tuple[Focus | None, list[Check]]:
        if self.deactivated(shape):
            return None, []
        targets = self.targets(shape)
        if not targets:
            return None, []
        update = (
            f"INSERT {{ GRAPH <{SCRATCH}> {{ <{node}> <{FOCUS}> ?this }} }} "
            f"WHERE {{ SELECT DISTINCT ?this WHERE {{ {targets} }} }}"
        )
        focus = f"GRAPH <{SCRATCH}> {{ <{node}> <{FOCUS}> ?this }}"
        checks = self.shape_checks(shape, focus)
        return Focus(shape, node, update), checks

    def shape_checks(self, shape: Node, focus: str) -> list[Check]:
        path = self.path_of(shape)
        if path is None:
            return self.node_shape_checks(shape, focus)
        return self.property_shape_checks(shape, path, focus)

    def check(self, shape: Node, component: URIRef, path: Node | None, query: str, has_value: bool) -> Check:
        return Check(shape, component, self.severity(shape), self.messages(shape), path, query, has_value)

    def node_shape_checks(self, shape: Node, focus: str) -> list[Check]:
        checks = []
        for predicate, value in self.parameters(shape):
            if predicate == SH.property:
                checks += self.property_of_node_shape(shape, value, focus)
            elif predicate == SH.hasValue:
                test = f"sameTerm(?this, {term(value)})"
                query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER(!({test})) }}"
                checks.append(self.check(shape, COMPONENTS[predicate], None, query, False))
            elif predicate in VALUE_TESTS:
                test = self.value_test(shape, predicate, value, "?this")
                query = f"SELECT DISTINCT ?this (?this AS ?value) WHERE {{ {focus} FILTER(!({test})) }}"
                checks.append(self.check(shape, COMPONENTS[predicate], None, query, True))
            else:
                raise Unsupported(f"{shape} is a node shape with {predicate}")
        return checks

    def property_of_node_shape(self, shape: Node, value: Node, focus: str) -> list[Check]:
        """sh:property (SHACL 4.7.2): the property shape's checks, over the node shape's focus nodes."""
        if self.deactivated(value):
            return []
        path = self.path_of(value)
        if path is None:
            raise Unsupported(f"sh:property {value} of {shape} has no sh:path")
        return self.property_shape_checks(value, path, focus)

    def property_shape_checks(self, shape: Node, path_node: Node, focus: str) -> list[Check]:
        site = _Site(shape, path_node, path_text(self.g, path_node), focus)
        params = self.parameters(shape)
        qualified_min = self.one(shape, SH.qualifiedMinCount)
        qualified_max = self.one(shape, SH.qualifiedMaxCount)
        checks = []
        for predicate, value in params:
            compile_checks = COUNT_CHECKS.get(predicate, _Compiler.value_checks)
            checks += compile_checks(self, site, predicate, value)
        if (qualified_min is not None or qualified_max is not None) and self.one(shape, SH.qualifiedValueShape) is None:
            raise Unsupported(f"{shape} has a qualified count without sh:qualifiedValueShape")
        return checks

    def value_checks(self, site: _Site, predicate: URIRef, value: Node) -> list[Check]:
        """A constraint on each value node: the values that fail its test are the results."""
        test = self.value_test(site.shape, predicate, value, "?value")
        query = f"SELECT DISTINCT ?this ?value WHERE {{ {site.focus} ?this {site.path} ?value . FILTER(!({test})) }}"
        return [self.check(site.shape, COMPONENTS[predicate], site.path_node, query, True)]

    def nested_property_checks(self, site: _Site, predicate: URIRef, value: Node) -> list[Check]:
        raise Unsupported(f"sh:property on the property shape {site.shape} at the top level")

    def min_count_checks(self, site: _Site, predicate: URIRef, value: Node) -> list[Check]:
        """sh:minCount (SHACL 4.2.1)."""
        n = self.integer(site.shape, value)
        if n == 0:
            return []
        if n == 1:
            query = f"SELECT DISTINCT ?this WHERE {{ {site.focus} FILTER NOT EXISTS {{ ?this {site.path} ?_w . }} }}"
        else:
            query = (
                f"SELECT ?this WHERE {{ {site.focus} OPTIONAL {{ ?this {site.path} ?_w . }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_w) < {n})"
            )
        return [self.check(site.shape, COMPONENTS[predicate], site.path_node, query, False)]

    def max_count_checks(self, site: _Site, predicate: URIRef, value: Node) -> list[Check]:
        """sh:maxCount (SHACL 4.2.2)."""
        n = self.integer(site.shape, value)
        if n == 0:
            query = f"SELECT DISTINCT ?this WHERE {{ {site.focus} FILTER EXISTS {{ ?this {site.path} ?_w . }} }}"
        else:
            query = (
                f"SELECT ?this WHERE {{ {site.focus} ?this {site.path} ?_w . }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_w) > {n})"
            )
        return [self.check(site.shape, COMPONENTS[predicate], site.path_node, query, False)]

    def has_value_checks(self, site: _Site, predicate: URIRef, value: Node) -> list[Check]:
        """sh:hasValue (SHACL 4.8.3) on a property shape: a focus node without the value is a result."""
        query = (
            f"SELECT DISTINCT ?this WHERE {{ {site.focus} FILTER NOT EXISTS {{ ?this {site.path} {term(value)} . }} }}"
        )
        return [self.check(site.shape, COMPONENTS[predicate], site.path_node, query, False)]

    def unique_lang_checks(self, site: _Site, predicate: URIRef, value: Node) -> list[Check]:
        """sh:uniqueLang (SHACL 4.4.5): one result per focus node and language used more than once."""
        if not (isinstance(value, Literal) and isinstance(value.value, bool)):
            raise Unsupported(f"{site.shape} has a sh:uniqueLang that is not a boolean")
        if not value.value:
            return []
        query = (
            f"SELECT ?this WHERE {{ {site.focus} ?this {site.path} ?_a, ?_b . "
            f'FILTER(isLiteral(?_a) && LANG(?_a) != "" && !sameTerm(?_a, ?_b) && isLiteral(?_b) '
            f"&& LCASE(LANG(?_a)) = LCASE(LANG(?_b))) }} GROUP BY ?this (LCASE(LANG(?_a)) AS ?_lang)"
        )
        return [self.check(site.shape, COMPONENTS[predicate], site.path_node, query, False)]

    def qualified_checks(self, site: _Site, predicate: URIRef, value: Node) -> list[Check]:
        """sh:qualifiedValueShape (SHACL 4.7.3): one check per bound, sh:qualifiedMinCount and Max."""
        self.not_disjoint(site.shape)
        conforms = self.conforms(value, "?_w")
        checks = []
        for bound, component, op in (
            (SH.qualifiedMinCount, SH.QualifiedMinCountConstraintComponent, "<"),
            (SH.qualifiedMaxCount, SH.QualifiedMaxCountConstraintComponent, ">"),
        ):
            if (count := self.one(site.shape, bound)) is None:
                continue
            n = self.integer(site.shape, count)
            query = (
                f"SELECT ?this WHERE {{ {site.focus} OPTIONAL {{ ?this {site.path} ?_w . FILTER({conforms}) }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_w) {op} {n})"
            )
            checks.append(self.check(site.shape, component, site.path_node, query, False))
        return checks

    # -- value tests: SPARQL expressions over one value node that never raise an error ----------------

    def value_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        return f"COALESCE({self.raw_test(shape, predicate, value, x)}, false)"

    def raw_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """True when the value node in `x` meets the constraint `predicate` `value` of `shape`."""
        compile_test = VALUE_TESTS.get(predicate)
        if compile_test is None:
            raise Unsupported(f"{shape} uses {predicate}")
        return compile_test(self, shape, predicate, value, x)

    def class_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:class (SHACL 4.1.1): an rdf:type among the class's known subclasses when they are all IRIs,
        otherwise the property path through rdfs:subClassOf*."""
        if value in self.subclasses:
            t = self.var()
            members = ", ".join(ox_term(c) for c in self.subclasses[value] if type(c).__name__ != "BlankNode")
            blank = any(type(c).__name__ == "BlankNode" for c in self.subclasses[value])
            if members and not blank:
                return f"(!isLiteral({x}) && EXISTS {{ {x} <{RDF.type}> {t} . FILTER({t} IN ({members})) }})"
        return f"(!isLiteral({x}) && EXISTS {{ {x} <{RDF.type}>/<{RDFS.subClassOf}>* {term(value)} . }})"

    def datatype_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:datatype (SHACL 4.1.2), with the ill-typed literals that pySHACL rejects left out."""
        if value == RDFS.Literal:
            return f"isLiteral({x})"
        if value == RDFS.Datatype:
            return f'(isLiteral({x}) && LANG({x}) = "")'
        bad = "".join(f" && !sameTerm({x}, {ox_term(b)})" for b in self.ill_typed.get(value, ()))
        return f"(isLiteral({x}) && DATATYPE({x}) = {term(value)}{bad})"

    def node_kind_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:nodeKind (SHACL 4.1.3)."""
        if value not in NODE_KINDS:
            raise Unsupported(f"{shape} has an unknown sh:nodeKind {value}")
        return NODE_KINDS[value].format(x=x)

    def range_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:minExclusive, sh:minInclusive, sh:maxExclusive, sh:maxInclusive (SHACL 4.3)."""
        if not isinstance(value, Literal):
            raise Unsupported(f"{shape} compares with a non-literal {value}")
        if isinstance(value.value, str) or value.ill_typed:
            raise Unsupported(f"{shape} compares with a string or ill-typed literal {value!r}")
        return f"(isLiteral({x}) && {x} {COMPARISONS[predicate]} {term(value)})"

    def length_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:minLength, sh:maxLength (SHACL 4.4.1, 4.4.2)."""
        n = self.integer(shape, value)
        op = ">=" if predicate == SH.minLength else "<="
        if predicate == SH.minLength and n == 0:
            return "true"
        return f"(!isBlank({x}) && STRLEN(STR({x})) {op} {n})"

    def pattern_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:pattern with sh:flags (SHACL 4.4.3)."""
        given = self.one(shape, SH.flags)
        flags = str(given) if given is not None else ""
        if set(flags) - SUPPORTED_FLAGS:
            raise Unsupported(f"{shape} has sh:flags {flags!r}")
        flag_text = f', "{flags}"' if flags else ""
        return f'(!isBlank({x}) && REGEX(STR({x}), "{_escape(str(value))}"{flag_text}))'

    def language_in_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:languageIn (SHACL 4.4.4), matching a listed language or its subtags, as pySHACL does."""
        languages = sorted({str(item).lower() for item in Collection(self.g, value)})
        if "*" in languages:
            return f'(isLiteral({x}) && LANG({x}) != "")'
        listed = ", ".join(f'"{_escape(lang)}"' for lang in languages)
        return (
            f'(isLiteral({x}) && LANG({x}) != "" && (LCASE(LANG({x})) IN ({listed}) || '
            f'LCASE(STRBEFORE(CONCAT(LANG({x}), "-"), "-")) IN ({listed})))'
        )

    def not_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:not (SHACL 4.6.1)."""
        return f"!({self.conforms(value, x)})"

    def and_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:and (SHACL 4.6.2)."""
        return "(" + " && ".join(self.members_conform(value, x) or ["true"]) + ")"

    def or_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:or (SHACL 4.6.3)."""
        return "(" + " || ".join(self.members_conform(value, x) or ["false"]) + ")"

    def xone_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:xone (SHACL 4.6.4): exactly one member conforms."""
        members = self.members_conform(value, x)
        return "((" + " + ".join(f"IF({m}, 1, 0)" for m in members or ["false"]) + ") = 1)"

    def members_conform(self, shapes: Node, x: str) -> list[str]:
        return [self.conforms(member, x) for member in Collection(self.g, shapes)]

    def node_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:node (SHACL 4.7.1)."""
        return self.conforms(value, x)

    def in_test(self, shape: Node, predicate: URIRef, value: Node, x: str) -> str:
        """sh:in (SHACL 4.8.2)."""
        members = list(Collection(self.g, value))
        if not members:
            return "false"
        return "(" + " || ".join(f"sameTerm({x}, {term(m)})" for m in members) + ")"

    # -- nested shapes: whether a node conforms, as one expression -----------------------------------

    def conforms(self, shape: Node, x: str) -> str:
        """An expression that is true when the node in `x` conforms to `shape` (no results at all)."""
        if shape in self.stack:
            raise Unsupported(f"recursive shapes through {shape}")
        if self.deactivated(shape):
            return "true"
        self.stack.append(shape)
        try:
            path_node = self.path_of(shape)
            if path_node is None:
                parts = self.node_conforms(shape, x)
            else:
                parts = self.property_conforms(shape, path_text(self.g, path_node), x)
            return "(" + " && ".join(parts or ["true"]) + ")"
        finally:
            self.stack.pop()

    def node_conforms(self, shape: Node, x: str) -> list[str]:
        parts = []
        for predicate, value in self.parameters(shape):
            if predicate == SH.property:
                parts.append(self.conforms(value, x))
            elif predicate == SH.hasValue:
                parts.append(f"sameTerm({x}, {term(value)})")
            elif predicate in VALUE_TESTS:
                parts.append(self.value_test(shape, predicate, value, x))
            else:
                raise Unsupported(f"{shape} is a node shape with {predicate}")
        return parts

    def property_conforms(self, shape: Node, path: str, x: str) -> list[str]:
        """The conditions on the values of `path` from `x`: the counts, then one NOT EXISTS of a value
        that fails a value test or a nested property shape."""
        parts = []
        tests = []
        w = self.var()
        for predicate, value in self.parameters(shape):
            if predicate == SH.property:
                tests.append(self.conforms(value, w))
            elif predicate in VALUE_TESTS:
                tests.append(self.value_test(shape, predicate, value, w))
            else:
                parts += COUNT_CONDITIONS[predicate](self, shape, path, x, value)
        if tests:
            parts.append(f"NOT EXISTS {{ {x} {path} {w} . FILTER(!({' && '.join(tests)})) }}")
        return parts

    def min_count_condition(self, shape: Node, path: str, x: str, value: Node) -> list[str]:
        return [self.at_least(x, path, self.integer(shape, value))]

    def max_count_condition(self, shape: Node, path: str, x: str, value: Node) -> list[str]:
        return [f"!{self.at_least(x, path, self.integer(shape, value) + 1)}"]

    def has_value_condition(self, shape: Node, path: str, x: str, value: Node) -> list[str]:
        return [f"EXISTS {{ {x} {path} {term(value)} . }}"]

    def unique_lang_condition(self, shape: Node, path: str, x: str, value: Node) -> list[str]:
        if not (isinstance(value, Literal) and value.value is True):
            return []
        a, b = self.var(), self.var()
        return [
            f'NOT EXISTS {{ {x} {path} {a}, {b} . FILTER(isLiteral({a}) && LANG({a}) != "" && '
            f"!sameTerm({a}, {b}) && isLiteral({b}) && LCASE(LANG({a})) = LCASE(LANG({b}))) }}"
        ]

    def qualified_condition(self, shape: Node, path: str, x: str, value: Node) -> list[str]:
        low, high = self.one(shape, SH.qualifiedMinCount), self.one(shape, SH.qualifiedMaxCount)
        self.not_disjoint(shape)
        conforms = partial(self.conforms, value)
        parts = []
        if low is not None:
            parts.append(self.at_least(x, path, self.integer(shape, low), conforms))
        if high is not None:
            parts.append("!" + self.at_least(x, path, self.integer(shape, high) + 1, conforms))
        return parts

    def at_least(self, x: str, path: str, n: int, condition: Callable[[str], str] | None = None) -> str:
        """EXISTS of `n` distinct values (each meeting `condition`, an expression over a variable)."""
        if n <= 0:
            return "true"
        if n > 3:
            raise Unsupported(f"a nested count of {n}")
        names = [self.var() for _ in range(n)]
        pattern = " . ".join(f"{x} {path} {v}" for v in names)
        filters = [f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1 :]]
        if condition is not None:
            filters += [condition(v) for v in names]
        where = pattern + (f" . FILTER({' && '.join(filters)})" if filters else "")
        return f"EXISTS {{ {where} }}"


def _is_true(values: Iterable[Node]) -> bool:
    return any(isinstance(v, Literal) and v.value is True for v in values)


# What each constraint parameter compiles to, by its family in SHACL 4 (Core Constraint Components).
# A value test is an expression over one value node: value type (4.1), value range (4.3), string-based
# (4.4), logical (4.6), shape-based (4.7) and other (4.8) components.
VALUE_TESTS: dict[URIRef, Callable[[_Compiler, Node, URIRef, Node, str], str]] = {
    SH["class"]: _Compiler.class_test,
    SH.datatype: _Compiler.datatype_test,
    SH.nodeKind: _Compiler.node_kind_test,
    SH.minExclusive: _Compiler.range_test,
    SH.minInclusive: _Compiler.range_test,
    SH.maxExclusive: _Compiler.range_test,
    SH.maxInclusive: _Compiler.range_test,
    SH.minLength: _Compiler.length_test,
    SH.maxLength: _Compiler.length_test,
    SH.pattern: _Compiler.pattern_test,
    SH.languageIn: _Compiler.language_in_test,
    SH["not"]: _Compiler.not_test,
    SH["and"]: _Compiler.and_test,
    SH["or"]: _Compiler.or_test,
    SH.xone: _Compiler.xone_test,
    SH.node: _Compiler.node_test,
    SH["in"]: _Compiler.in_test,
}
# The components that look at all the values of a property shape at once (cardinality 4.2,
# sh:uniqueLang, sh:qualifiedValueShape, sh:hasValue): on a property shape at the top level each is a
# SELECT of its own, and a property shape nested in another shape is a condition on a node.
COUNT_CHECKS: dict[URIRef, Callable[[_Compiler, _Site, URIRef, Node], list[Check]]] = {
    SH.minCount: _Compiler.min_count_checks,
    SH.maxCount: _Compiler.max_count_checks,
    SH.uniqueLang: _Compiler.unique_lang_checks,
    SH.qualifiedValueShape: _Compiler.qualified_checks,
    SH.hasValue: _Compiler.has_value_checks,
    SH.property: _Compiler.nested_property_checks,
}
COUNT_CONDITIONS: dict[URIRef, Callable[[_Compiler, Node, str, str, Node], list[str]]] = {
    SH.minCount: _Compiler.min_count_condition,
    SH.maxCount: _Compiler.max_count_condition,
    SH.uniqueLang: _Compiler.unique_lang_condition,
    SH.qualifiedValueShape: _Compiler.qualified_condition,
    SH.hasValue: _Compiler.has_value_condition,
}
COUNTS = set(COUNT_CONDITIONS)
