"""The format registry, and content negotiation.

Every format the server speaks is one `Format` row below: its name, media type, file suffix,
human name, Oxigraph syntax and W3C format IRI. The tables other modules need (suffixes of pages
and saved queries, route patterns, the Service Description's result formats, media types of
release files, names on the landing page) are derived from these rows, so a format added here is
offered everywhere, and a row missing a field fails tests/test_formats.py.

Negotiation itself is Werkzeug's (`MIMEAccept.best_match`, q-values and wildcards included).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph
from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept

from loader.typed import in_memory


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    engine: QueryResultsFormat | RdfFormat | None
    aliases: tuple[str, ...] = ()
    rdflib: str = ""  # rdflib's serializer name
    suffix: str = ""  # the file suffix, also the suffix of a page or saved-query URL
    label: str = ""  # its name for people
    w3c: str = ""  # its IRI under http://www.w3.org/ns/formats/ (Service Description)

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.media_type.startswith("text/") else self.media_type

    @property
    def graph_syntax(self) -> RdfFormat:
        """Oxigraph's syntax of a graph format; a TypeError for any other kind, a bug of the caller."""
        if not isinstance(self.engine, RdfFormat):
            raise TypeError(f"{self.name} is not a graph format")
        return self.engine

    @property
    def results_syntax(self) -> QueryResultsFormat:
        """Oxigraph's syntax of a SELECT/ASK results format; a TypeError for any other kind."""
        if not isinstance(self.engine, QueryResultsFormat):
            raise TypeError(f"{self.name} is not a query results format")
        return self.engine


SOLUTIONS = (
    Format(
        "json",
        "application/sparql-results+json",
        QueryResultsFormat.JSON,
        ("application/json",),
        suffix="json",
        label="SPARQL JSON",
        w3c="SPARQL_Results_JSON",
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        QueryResultsFormat.XML,
        ("application/xml", "text/xml"),
        suffix="xml",
        label="SPARQL XML",
        w3c="SPARQL_Results_XML",
    ),
    Format("csv", "text/csv", QueryResultsFormat.CSV, suffix="csv", label="CSV", w3c="SPARQL_Results_CSV"),
    Format(
        "tsv", "text/tab-separated-values", QueryResultsFormat.TSV, suffix="tsv", label="TSV", w3c="SPARQL_Results_TSV"
    ),
)
GRAPHS = (
    Format("turtle", "text/turtle", RdfFormat.TURTLE, ("application/x-turtle",), "turtle", "ttl", "Turtle", "Turtle"),
    Format(
        "ntriples", "application/n-triples", RdfFormat.N_TRIPLES, ("text/plain",), "nt", "nt", "N-Triples", "N-Triples"
    ),
    Format(
        "jsonld",
        "application/ld+json",
        RdfFormat.JSON_LD,
        ("application/json",),
        "json-ld",
        "jsonld",
        "JSON-LD",
        "JSON-LD",
    ),
    Format(
        "rdfxml",
        "application/rdf+xml",
        RdfFormat.RDF_XML,
        ("application/xml", "text/xml"),
        "xml",
        "rdf",
        "RDF/XML",
        "RDF_XML",
    ),
    Format("nquads", "application/n-quads", RdfFormat.N_QUADS, (), "nquads", "nq", "N-Quads", "N-Quads"),
    Format("trig", "application/trig", RdfFormat.TRIG, (), "trig", "trig", "TriG", "TriG"),
)
QUADS = tuple(f for f in GRAPHS if f.engine in (RdfFormat.N_QUADS, RdfFormat.TRIG))
TRIPLES = tuple(f for f in GRAPHS if f not in QUADS)
BY_SUFFIX = {f.suffix: f for f in SOLUTIONS + GRAPHS}
GRAPH_SUFFIXES = {f.suffix: f.name for f in GRAPHS}  # a page's `.ttl` ... to the format's name


def suffix_pattern(kinds: tuple[Format, ...], *extra: str) -> str:
    """`ttl|jsonld|...` for the formats of `kinds` (and `extra` suffixes such as html), for routes."""
    return "|".join([f.suffix for f in kinds] + list(extra))


BY_NAME = {f.name: f for f in SOLUTIONS + GRAPHS}
NAME_ALIASES = {
    "ttl": "turtle",
    "nt": "ntriples",
    "nq": "nquads",
    "rdf": "rdfxml",
    "json-ld": "jsonld",
    "srj": "json",
    "srx": "xml",
}
# What a bare name means when the result is a graph: SPARQLWrapper sends `format=xml` for RDF/XML
# and `format=n3` for Turtle (Turtle is valid N3).
GRAPH_ALIASES = {
    "xml": "rdfxml",
    "rdf+xml": "rdfxml",
    "json": "jsonld",
    "application/x-json+ld": "jsonld",
    "n3": "turtle",
    "text/n3": "turtle",
}


class UnknownFormat(ValueError):
    pass


def negotiate(accept: MIMEAccept, formats: tuple[Format, ...]) -> Format | None:
    """The best format for an Accept header; the first one when the client states no preference."""
    return _negotiate(tuple(accept), formats)


@lru_cache(maxsize=1024)  # Werkzeug's matching costs tens of microseconds; clients repeat their headers
def _negotiate(ranges: tuple[tuple[str, float], ...], formats: tuple[Format, ...]) -> Format | None:
    accept = MIMEAccept(ranges)
    if not accept:
        return formats[0]
    offered = {f.media_type: f for f in formats}  # canonical types first: they win ties
    for f in formats:
        for alias in f.aliases:
            offered.setdefault(alias, f)
    best = accept.best_match(list(offered))
    return offered[best] if best else None


def requested(values: tuple[str, ...], formats: tuple[Format, ...]) -> Format | None:
    """The format that `format` parameters name among `formats`, or None if they name another kind.

    A value may be a name or a media type, or a comma-separated list of them (the first known one
    counts). Several values must agree. Raises `UnknownFormat` for a value that names no format.
    """
    named = {found for value in values if (found := _lookup(value, formats)) is not None}
    if len(named) > 1:
        raise UnknownFormat(f"the format parameters disagree: {', '.join(sorted(f.name for f in named))}")
    return named.pop() if named else None


def _lookup(value: str, formats: tuple[Format, ...]) -> Format | None:
    graphs = formats == GRAPHS
    known = False
    for candidate in value.split(","):
        key = candidate.split(";")[0].strip().lower()
        key = (GRAPH_ALIASES.get(key) if graphs else None) or NAME_ALIASES.get(key, key)
        for kind in (formats, SOLUTIONS + GRAPHS):
            match = next((f for f in kind if key in (f.name, f.media_type, *f.aliases)), None)
            if match is not None and kind is formats:
                return match
            known = known or match is not None or key in GRAPH_ALIASES
    if not known:
        raise UnknownFormat(f"unknown format {value!r}; use one of: {', '.join(BY_NAME)}")
    return None


def serialize(graph, chosen: Format) -> bytes:
    """An rdflib graph the app built (a description, not query results) in any graph format.

    Oxigraph writes it, from N-Triples, so the quad formats put the triples in the default graph
    and every format is written the same way as query results.
    """
    lines = graph.serialize(format="nt", encoding="utf-8")
    prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces() if prefix}
    syntax = chosen.graph_syntax
    triples: Iterable[pyoxigraph.Quad] = pyoxigraph.parse(lines, format=RdfFormat.N_TRIPLES)
    if syntax in (RdfFormat.N_QUADS, RdfFormat.TRIG):
        triples = (pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples)
    with_prefixes = syntax in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML)
    return in_memory(pyoxigraph.serialize(triples, format=syntax, prefixes=prefixes if with_prefixes else None))
