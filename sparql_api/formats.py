"""Formats on the web: content negotiation, `format` parameters and the tables derived from the
registry (loader/formats.py, whose rows this module re-exports for the app's modules).

Negotiation itself is Werkzeug's (`MIMEAccept.best_match`, q-values and wildcards included).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph
from pyoxigraph import RdfFormat
from werkzeug.datastructures import MIMEAccept

from loader.formats import BY_NAME, BY_SUFFIX, GRAPHS, QUADS, SOLUTIONS, TRIPLES, Format
from loader.typed import in_memory

# The registry's rows, re-exported: the app's modules know one `formats`.
__all__ = ["BY_NAME", "BY_SUFFIX", "GRAPHS", "QUADS", "SOLUTIONS", "TRIPLES", "Format"]

GRAPH_SUFFIXES = {f.suffix: f.name for f in GRAPHS}  # a page's `.ttl` ... to the format's name


def suffix_pattern(kinds: tuple[Format, ...], *extra: str) -> str:
    """`ttl|jsonld|...` for the formats of `kinds` (and `extra` suffixes such as html), for routes."""
    return "|".join([f.suffix for f in kinds] + list(extra))


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
