"""A page for every entity, vocabulary concept and named graph: `/id`, `/doc`, `/vocab`, `/graph`.

Entity IRIs `https://w3id.org/nolsi/id/{type}/{slug}` name things, not documents, so they answer
`303 See Other` with their document `/doc/{type}/{slug}` (W3C "Cool URIs", vocabularies-and-fair.md
B.2); concept IRIs `/vocab/{scheme}/{concept}` do the same to `/doc/vocab/{scheme}/{concept}`. The
document is HTML for people, or RDF by content negotiation or a suffix (`.ttl`, `.jsonld`, `.rdf`,
`.nt`, `.nq`, `.trig`).

What a document holds: every triple with the entity as subject or object, the blank nodes it
points to (two levels: membership periods and their instants), and where each triple comes from.
The triple syntaxes carry the provenance as `prov:wasDerivedFrom` from the document to the source
documents; N-Quads and TriG keep each triple in its named graph. The entity is bound to the
queries through the engine; the path only selects it after matching a strict pattern.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, request
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS

from loader import namespaces as ns
from loader.namespaces import GRAPH, ID, LICENCE, SCHEMA, VOCAB, XSD_STRING
from sparql_api import formats, linked

bp = Blueprint("pages", __name__)

SLUG = r"[a-z0-9-]+"
REST = re.compile(rf"^{SLUG}/{SLUG}$")
SUFFIX = rf"(?:\.(?P<suffix>{formats.suffix_pattern(formats.GRAPHS, 'html')}))?"
DOC = re.compile(rf"^(?P<key>vocab/{SLUG}(?:/{SLUG})?|{SLUG}/{SLUG}){SUFFIX}$")
GRAPH_NAME = re.compile(rf"^(?P<stem>{SLUG}){SUFFIX}$")

RDF_TYPE = str(RDF.type)
LANG_STRING = str(RDF.langString)
DESCRIPTIONS = tuple(str(p) for p in (DCTERMS.description, SKOS.definition, SCHEMA.description, RDFS.comment))
# Predicates shown first, in this order; the rest follow alphabetically.
FIRST = (RDF_TYPE, *linked.LABELS, str(SKOS.altLabel), *DESCRIPTIONS)

# The SPARQL the pages run lives in sparql_api/page_queries/, read once.
QUADS = linked.page_query("entity-quads")
DESCRIPTION = linked.page_query("entity-description")
LABELS = linked.page_query("entity-labels")
SOURCES = linked.page_query("entity-sources")
GRAPH_QUADS = linked.page_query("graph-quads")
GRAPH_TRIPLES = linked.page_query("graph-triples")
GRAPH_LABELS = linked.page_query("graph-labels")
GRAPH_SOURCES = linked.page_query("graph-sources")


# --- identifiers: 303 to the document ---------------------------------------------------------


@bp.get("/id/<path:rest>")
def identifier(rest: str):
    if not REST.match(rest) or rest.startswith("vocab/"):  # /doc/vocab/... are the concept documents
        abort(404)
    return _see_other(f"/doc/{rest}")


@bp.get("/vocab/<scheme>/", defaults={"concept": None})
@bp.get("/vocab/<scheme>/<concept>")
def vocabulary(scheme: str, concept: str | None):
    key = f"{scheme}/{concept}" if concept else scheme
    if not re.fullmatch(rf"{SLUG}(?:/{SLUG})?", key):
        abort(404)
    return _see_other(f"/doc/vocab/{key}")


def _see_other(target: str):
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, code=303)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def iri_of(key: str) -> str:
    """The IRI a document key names: `ri/x` -> .../id/ri/x, `vocab/s/c` -> .../vocab/s/c, `vocab/s` -> .../vocab/s/."""
    if key.startswith("vocab/"):
        scheme, _, concept = key.removeprefix("vocab/").partition("/")
        return f"{VOCAB}{scheme}/{concept}"
    return f"{ID}{key}"


# --- documents --------------------------------------------------------------------------------


@bp.get("/doc/<path:rest>")
def document(rest: str):
    match = DOC.match(rest)
    if not match:
        abort(404)
    key, suffix = match["key"], match["suffix"]
    iri = iri_of(key)
    chosen = linked.choose(formats.GRAPHS, suffix)
    if chosen is None:
        return linked.not_acceptable(formats.GRAPHS)
    host = request.host_url
    signposts = linked.signposting(
        [
            (iri, "cite-as", None),
            (f"{host}doc/{key}.ttl", "describedby", "text/turtle"),
            (f"{host}doc/{key}.jsonld", "describedby", "application/ld+json"),
            (LICENCE, "license", None),
            (SCHEMA.AboutPage, "type", None),
            (f"{host}", "collection", "text/html"),
        ]
    )
    incoming = shown(request.args) if chosen is linked.HTML else Shown()
    tag = linked.etag("doc", key, chosen.name, incoming.property, str(incoming.page))
    if (early := linked.not_modified(tag, signposts)) is not None:
        return early
    if chosen is linked.HTML:
        page = entity_page(iri, key, incoming)
        response = linked.render(
            [*type_templates(page), "entity.html"],
            page=page,
            incoming_page=INCOMING_PAGE,
            picture=linked.picture(picture_of(key)) if picture_of(key) else None,
            picture_file=picture_of(key),
            release_version=linked.served().version,
        )
    else:
        response = linked.rdf_response(description(iri, key, chosen), chosen)
    response.headers["Content-Location"] = f"/doc/{key}.{_suffix(chosen)}"
    return linked.finish(response, tag, signposts)


def type_templates(page: EntityPage) -> list[str]:
    """The page templates of the entity's types, `types/nolsi-ResearchInfrastructure.html` for
    nolsi:ResearchInfrastructure, the first that exists rendering the page (else entity.html): a
    type gets its own page from a template alone."""
    names = (linked.curie(t.iri) for t in page.types if t.iri)
    return [f"types/{name.replace(':', '-')}.html" for name in names if ":" in name and "/" not in name]


def picture_of(key: str) -> str:
    """The release's picture of an infrastructure (loader/landscape.py), by its document key `ri/slug`."""
    return f"landscape/{key.removeprefix('ri/')}.svg" if key.startswith("ri/") else ""


def _suffix(chosen: formats.Format) -> str:
    return "html" if chosen is linked.HTML else chosen.suffix


def description(iri: str, key: str, chosen: formats.Format) -> bytes:
    """The entity's description in an RDF syntax; 404 when the graph knows nothing of it."""
    page = ns.document(current_app.config["NOLSI"].iri_base, key)
    if chosen.engine in (RdfFormat.N_QUADS, RdfFormat.TRIG):
        rows = linked.select(QUADS, entity=iri)
        if not rows:
            abort(404, f"Nothing is known about <{iri}>.")
        quads = sorted({linked.quad(r["s"], r["p"], r["o"], r["g"]) for r in rows}, key=str)
        about = _page_statements(page, iri, linked.select(SOURCES, entity=iri))
        return linked.serialize(quads + about, chosen)
    triples = linked.construct(DESCRIPTION, entity=iri, page=page, licence=str(LICENCE))
    if not triples:
        abort(404, f"Nothing is known about <{iri}>.")
    return linked.serialize(triples, chosen)


def _page_statements(page: str, iri: str, sources: list[dict]) -> list[Quad]:
    """In the default graph: what the document is about, its licence and sources, and which
    document each named graph was derived from."""
    default = DefaultGraph()
    subject = NamedNode(page)
    statements = {
        Quad(subject, NamedNode(RDF_TYPE), NamedNode(FOAF.Document), default),
        Quad(subject, NamedNode(FOAF.primaryTopic), NamedNode(iri), default),
        Quad(subject, NamedNode(DCTERMS.license), NamedNode(LICENCE), default),
    }
    for row in sources:
        if "doc" in row:
            statements.add(Quad(subject, NamedNode(PROV.wasDerivedFrom), row["doc"], default))
            statements.add(linked.quad(row["g"], NamedNode(PROV.wasDerivedFrom), row["doc"], default))
    return sorted(statements, key=str)


@dataclass(frozen=True)
class Predicate:
    iri: str
    href: str
    curie: str
    label: str


@dataclass(frozen=True)
class Value:
    """One object of a statement as the page shows it: an IRI (linked, labelled), a literal, or a
    blank node with its own statements nested."""

    kind: str  # "iri", "literal" or "blank"
    text: str
    sources: list[int] = field(default_factory=list)  # numbers of the page's sources that state it
    iri: str = ""
    href: str = ""
    lang: str = ""
    datatype: str = ""
    rows: list[Property] = field(default_factory=list)


@dataclass(frozen=True)
class Property:
    predicate: Predicate
    values: list[Value]


@dataclass(frozen=True)
class Incoming:
    subject: Value
    predicate: Predicate
    sources: list[int]


@dataclass(frozen=True)
class IncomingGroup:
    """The links into the entity by one property, one page of them (`INCOMING_PAGE` at most)."""

    predicate: Predicate
    anchor: str  # the id of its heading
    total: int
    links: list[Incoming]
    pager: linked.Pager


@dataclass(frozen=True)
class Document:
    iri: str
    href: str
    title: str
    url: str


@dataclass(frozen=True)
class Source:
    n: int
    graph: str
    href: str
    name: str
    documents: list[Document]


@dataclass(frozen=True)
class EntityPage:
    iri: str
    key: str
    title: str
    label_en: str
    label_nb: str
    description_en: str
    description_nb: str
    types: list[Value]
    properties: list[Property]
    incoming: list[IncomingGroup]
    sources: list[Source]
    formats: list[tuple[str, str, str]]

    def iris(self, curie: str) -> list[str]:
        """The IRIs the entity links to by property `curie`: what a type's template hands a saved query."""
        return [v.iri for p in self.properties if p.predicate.curie == curie for v in p.values if v.iri]


class _Statements:
    """The rows of the entity-quads query, sorted by where the entity stands in them, with the
    labels of every IRI they name: what the page's values are made from."""

    def __init__(self, entity: NamedNode, rows: list[dict], labels: dict, number: dict[str, int]):
        self.labels = labels
        self.outgoing: dict = defaultdict(lambda: defaultdict(set))
        self.incoming: dict = defaultdict(set)
        self.blank: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
        for row in rows:
            s, p, o, g = row["s"], row["p"], row["o"], number[row["g"].value]
            if s == entity:
                self.outgoing[p][o].add(g)
            elif o == entity:
                self.incoming[(s, p)].add(g)
            elif isinstance(s, BlankNode):
                self.blank[s][p][o].add(g)

    def value(self, term, graphs=frozenset(), depth: int = 0) -> Value:
        shown = sorted(graphs)
        if isinstance(term, NamedNode):
            return Value(
                "iri",
                linked.pick(self.labels.get(term.value, [])) or linked.curie(term.value),
                shown,
                iri=term.value,
                href=linked.href(term.value),
            )
        if isinstance(term, Literal):
            datatype = term.datatype.value if term.datatype else ""
            return Value(
                "literal",
                term.value,
                shown,
                lang=term.language or "",
                datatype="" if datatype in (XSD_STRING, LANG_STRING) else linked.curie(datatype),
            )
        return Value("blank", "", shown, rows=self.properties(self.blank.get(term, {}), depth + 1) if depth < 3 else [])

    def properties(self, table: dict, depth: int = 0) -> list[Property]:
        listed = []
        for predicate in sorted(table, key=lambda p: _order(p.value)):
            values = [self.value(o, graphs, depth) for o, graphs in table[predicate].items()]
            values.sort(key=lambda v: (v.kind != "iri", v.lang, v.text.lower()))
            listed.append(Property(_predicate(predicate.value, self.labels), values))
        return listed

    def links_in(self, key: str, asked: Shown) -> list[IncomingGroup]:
        """The incoming links grouped by property: page 1 of each group, or page `asked.page` of the
        group `asked.property` names (by compact or full IRI); 404 for a property or page not there."""
        by_predicate: dict[str, list[Incoming]] = defaultdict(list)
        for (s, p), graphs in self.incoming.items():
            by_predicate[p.value].append(Incoming(self.value(s), _predicate(p.value, self.labels), sorted(graphs)))
        groups = []
        for predicate, links in sorted(by_predicate.items(), key=lambda item: item[1][0].predicate.curie):
            links.sort(key=lambda link: (link.subject.text.lower(), link.subject.iri))
            named = asked.property in (predicate, links[0].predicate.curie)
            groups.append(_group(key, links, asked.page if named else 1))
        if asked.property and not any(asked.property in (g.predicate.iri, g.predicate.curie) for g in groups):
            abort(404, f"Nothing links here by {asked.property!r}.")
        return groups


@dataclass(frozen=True)
class Shown:
    """Which page of which group of incoming links the HTML page shows (`?incoming=org:unitOf&page=2`)."""

    property: str = ""
    page: int = 1


INCOMING_PAGE = 10  # incoming links shown per property; more are on further pages of the group


def shown(args) -> Shown:
    """The `incoming` and `page` parameters of an entity page; 400 when they are malformed."""
    name, page = args.get("incoming", ""), args.get("page", "1")
    if "page" in args and not name:
        abort(400, "parameter 'page' goes with 'incoming', the property whose links to page through")
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        abort(400, f"parameter 'page': {page!r} is not a page number")
    if len(name) > 2000:
        abort(400, "parameter 'incoming' is too long")
    return Shown(name, int(page))


def _group(key: str, links: list[Incoming], page: int) -> IncomingGroup:
    predicate = links[0].predicate
    pages = -(-len(links) // INCOMING_PAGE)
    if page > pages:
        abort(404, f"The links by {predicate.curie} fill {pages} page(s).")
    anchor = "incoming-" + re.sub(r"[^A-Za-z0-9]+", "-", predicate.curie).strip("-")

    def link(number: int) -> str:
        return f"/doc/{key}?{urlencode({'incoming': predicate.curie, 'page': number})}#{anchor}"

    return IncomingGroup(
        predicate,
        anchor,
        len(links),
        links[(page - 1) * INCOMING_PAGE : page * INCOMING_PAGE],
        linked.Pager(page, pages, link(page - 1) if page > 1 else "", link(page + 1) if page < pages else ""),
    )


def entity_page(iri: str, key: str, incoming: Shown = Shown()) -> EntityPage:
    """Everything the HTML page shows, ready for the template; `incoming` says which page of which
    group of incoming links."""
    rows = linked.select(QUADS, entity=iri)
    if not rows:
        abort(404, f"Nothing is known about <{iri}>.")
    labels = linked.labels(linked.select(LABELS, entity=iri))
    sources = _sources(linked.select(SOURCES, entity=iri), labels)
    statements = _Statements(NamedNode(iri), rows, labels, {s.graph: s.n for s in sources})
    own = statements.outgoing
    names = [
        (o.value, o.language or "", rank)
        for rank, p in enumerate(linked.LABELS)
        for o in own.get(NamedNode(p), {})
        if isinstance(o, Literal)
    ]
    texts = [
        (o.value, o.language or "") for p in DESCRIPTIONS for o in own.get(NamedNode(p), {}) if isinstance(o, Literal)
    ]
    properties = statements.properties(own)
    groups = statements.links_in(key, incoming)
    return EntityPage(
        iri=iri,
        key=key,
        title=linked.pick(names) or key,
        label_en=_in_language(names, "en"),
        label_nb=_in_language(names, "nb"),
        description_en=_longest(texts, "en") or _longest(texts, ""),
        description_nb=_longest(texts, "nb"),
        types=[statements.value(o) for o in sorted(own.get(NamedNode(RDF_TYPE), {}), key=str)],
        properties=properties,
        incoming=groups,
        sources=_shown(sources, properties, groups),
        formats=[(f.name, _suffix(f), f.media_type) for f in formats.GRAPHS],
    )


def _sources(rows: list[dict], labels: dict) -> list[Source]:
    """The named graphs of the page, numbered, each with the documents it was derived from."""
    graphs: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for row in rows:
        documents = graphs[row["g"].value]
        if "doc" in row:
            documents.setdefault(row["doc"].value, set())
            if "url" in row:
                documents[row["doc"].value].add(row["url"].value)
    ordered = sorted(graphs, key=lambda g: (not graphs[g], g))
    return [
        Source(n, graph, linked.href(graph), graph.rsplit("/", 1)[-1], _documents(graphs[graph], labels))
        for n, graph in enumerate(ordered, start=1)
    ]


def _shown(sources: list[Source], properties: list[Property], groups: list[IncomingGroup]) -> list[Source]:
    """The sources the page cites: of every property, and of the incoming links on the page."""
    cited = _cited(properties) | {n for g in groups for link in g.links for n in link.sources}
    return [s for s in sources if s.n in cited]


def _cited(properties: list[Property]) -> set[int]:
    """The numbers of the sources that the values shown cite, nested ones included."""
    return {n for p in properties for v in p.values for n in v.sources} | {
        n for p in properties for v in p.values for n in _cited(v.rows)
    }


def _documents(urls_by_document: dict[str, set[str]], labels: dict) -> list[Document]:
    """Source documents with their title and the web address to show (the page itself before a repository copy)."""
    return [
        Document(
            doc,
            linked.href(doc),
            linked.pick(labels.get(doc, [])) or doc,
            min(urls, key=lambda u: (u.startswith("https://github.com/"), u)) if urls else "",
        )
        for doc, urls in sorted(urls_by_document.items())
    ]


def _predicate(iri: str, labels: dict) -> Predicate:
    return Predicate(iri, linked.href(iri), linked.curie(iri), linked.pick(labels.get(iri, [])))


def _order(predicate: str) -> tuple:
    return (FIRST.index(predicate), "") if predicate in FIRST else (len(FIRST), linked.curie(predicate))


def _in_language(values: list[tuple[str, str, int]], language: str) -> str:
    """The label in `language` by the most preferred labelling property."""
    return next((text for text, lang, _ in sorted(values, key=lambda v: (v[2], v[0])) if lang.lower() == language), "")


def _longest(values: list[tuple[str, str]], language: str) -> str:
    """The fullest of several descriptions in one language (sources differ in detail)."""
    return max((text for text, lang in values if lang.lower() == language), key=lambda t: (len(t), t), default="")


# --- named graphs -----------------------------------------------------------------------------


@bp.get("/graph/<name>")
def graph(name: str):
    """A named graph: what it holds and the document it was derived from, or its triples as RDF."""
    match = GRAPH_NAME.match(name)
    if not match:
        abort(404)
    stem, suffix = match["stem"], match["suffix"]
    iri = f"{GRAPH}{stem}"
    chosen = linked.choose(formats.GRAPHS, suffix)
    if chosen is None:
        return linked.not_acceptable(formats.GRAPHS)
    host = request.host_url
    signposts = linked.signposting(
        [
            (f"{host}graph/{stem}.trig", "describedby", "application/trig"),
            (f"{host}graph/{stem}.ttl", "describedby", "text/turtle"),
            (LICENCE, "license", None),
        ]
    )
    tag = linked.etag("graph", stem, chosen.name)
    if (early := linked.not_modified(tag, signposts)) is not None:
        return early
    if chosen is linked.HTML:
        response = linked.render("graph.html", page=graph_page(iri, stem))
    elif chosen.engine in (RdfFormat.N_QUADS, RdfFormat.TRIG):
        rows = linked.select(GRAPH_QUADS, graph=iri)
        if not rows:
            abort(404, f"There is no graph <{iri}>.")
        quads = sorted((linked.quad(r["s"], r["p"], r["o"], NamedNode(iri)) for r in rows), key=str)
        response = linked.rdf_response(linked.serialize(quads, chosen), chosen)
    else:
        triples = linked.construct(GRAPH_TRIPLES, graph=iri)
        if not triples:
            abort(404, f"There is no graph <{iri}>.")
        response = linked.rdf_response(linked.serialize(triples, chosen), chosen)
    response.headers["Content-Location"] = f"/graph/{stem}.{_suffix(chosen)}"
    return linked.finish(response, tag, signposts)


@dataclass(frozen=True)
class Subject:
    iri: str
    href: str
    text: str
    triples: int


@dataclass(frozen=True)
class GraphDocument:
    iri: str
    href: str
    title: str
    urls: list[str]


@dataclass(frozen=True)
class GraphPage:
    iri: str
    name: str
    triples: int
    documents: list[GraphDocument]
    subjects: list[Subject]
    formats: list[tuple[str, str, str]]


def graph_page(iri: str, stem: str) -> GraphPage:
    rows = linked.select(GRAPH_QUADS, graph=iri)
    if not rows:
        abort(404, f"There is no graph <{iri}>.")
    labels = linked.labels(linked.select(GRAPH_LABELS, graph=iri))
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if isinstance(row["s"], NamedNode):
            counts[row["s"].value] += 1
    documents: dict[str, set[str]] = defaultdict(set)
    for row in linked.select(GRAPH_SOURCES, graph=iri):
        documents[row["doc"].value].update([row["url"].value] if "url" in row else [])
    subjects = [
        Subject(s, linked.href(s), linked.pick(labels.get(s, [])) or linked.curie(s), n) for s, n in counts.items()
    ]
    return GraphPage(
        iri=iri,
        name=stem,
        triples=len(rows),
        documents=[
            GraphDocument(d, linked.href(d), linked.pick(labels.get(d, [])) or d, sorted(urls))
            for d, urls in sorted(documents.items())
        ],
        subjects=sorted(subjects, key=lambda subject: subject.text.lower()),
        formats=[(f.name, _suffix(f), f.media_type) for f in formats.GRAPHS],
    )
