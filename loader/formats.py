"""The format registry: every RDF and query-results format nolsi reads, writes or serves.

Each format is one `Format` row: its name, media type, file suffix, human name, Oxigraph syntax,
rdflib name and W3C format IRI. Every other table is derived from these rows: the files a build
reads (loader/read.py), the dumps of a release (loader/publish.py) and their DCAT media types
(loader/describe.py), and on the web the suffixes of pages and saved queries, route patterns, the
Service Description's result formats and content negotiation (sparql_api/formats.py). A format added
here is offered everywhere; a row missing a field fails tests/test_formats.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat


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
BY_NAME = {f.name: f for f in SOLUTIONS + GRAPHS}
