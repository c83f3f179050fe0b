"""Result formats and content negotiation.

Negotiation itself is Werkzeug's (`MIMEAccept.best_match`, q-values and wildcards included);
this module only says which media types each kind of result can take.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    engine: QueryResultsFormat | RdfFormat | None
    aliases: tuple[str, ...] = ()
    rdflib: str = ""  # rdflib's serializer name, for the small graphs the app builds itself

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.media_type.startswith("text/") else self.media_type


SOLUTIONS = (
    Format("json", "application/sparql-results+json", QueryResultsFormat.JSON, ("application/json",)),
    Format("xml", "application/sparql-results+xml", QueryResultsFormat.XML, ("application/xml", "text/xml")),
    Format("csv", "text/csv", QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", QueryResultsFormat.TSV),
)
GRAPHS = (
    Format("turtle", "text/turtle", RdfFormat.TURTLE, ("application/x-turtle",), "turtle"),
    Format("ntriples", "application/n-triples", RdfFormat.N_TRIPLES, ("text/plain",), "nt"),
    Format("jsonld", "application/ld+json", RdfFormat.JSON_LD, ("application/json",), "json-ld"),
    Format("rdfxml", "application/rdf+xml", RdfFormat.RDF_XML, ("application/xml", "text/xml"), "xml"),
    Format("nquads", "application/n-quads", RdfFormat.N_QUADS, rdflib="nquads"),
    Format("trig", "application/trig", RdfFormat.TRIG, rdflib="trig"),
)
BY_NAME = {f.name: f for f in SOLUTIONS + GRAPHS}
NAME_ALIASES = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "rdf": "rdfxml", "json-ld": "jsonld", "srj": "json", "srx": "xml"}


class UnknownFormat(ValueError):
    pass


def negotiate(accept: MIMEAccept, formats: tuple[Format, ...]) -> Format | None:
    """The best format for an Accept header; the first one when the client states no preference."""
    if not accept:
        return formats[0]
    offered = {f.media_type: f for f in formats}  # canonical types first: they win ties
    for f in formats:
        for alias in f.aliases:
            offered.setdefault(alias, f)
    best = accept.best_match(list(offered))
    return offered[best] if best else None


def requested(value: str, formats: tuple[Format, ...]) -> Format | None:
    """A `format` parameter (a name or a media type) among `formats`, or None if it names another kind.

    Raises `UnknownFormat` for a value that names no format at all.
    """
    key = NAME_ALIASES.get(value.lower(), value.lower())
    named = BY_NAME.get(key) or next((f for f in SOLUTIONS + GRAPHS if key in (f.media_type, *f.aliases)), None)
    if named is None:
        raise UnknownFormat(f"unknown format {value!r}; use one of: {', '.join(BY_NAME)}")
    if named in formats:
        return named
    return next((f for f in formats if key in (f.media_type, *f.aliases)), None)
