"""What the Linked Data pages share: negotiation with HTML, conditional responses, signposting,
queries against the served release, and how an IRI is shown and linked. (Security headers are
the app's, in `security`.)

The pages (`landing`, `releases`, `pages`, `ontology`) describe one immutable release, so every
representation is identified by the software and release versions plus what was asked for: the
ETag is known before any work is done, and a revalidating client gets its 304 without a query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from pathlib import Path

import pyoxigraph
import rdflib
from flask import Response, abort, current_app, render_template, request
from jinja2 import Template
from markupsafe import Markup, escape
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, QueryResultsFormat, RdfFormat
from rdflib import Graph
from rdflib.namespace import DCTERMS, FOAF, RDFS, SH, SKOS, VOID
from rdflib.term import Identifier, Node

from loader import layout, namespaces, typed
from loader.namespaces import BASE, SCHEMA, SHAPES, SPDX, VANN
from sparql_api import engine, formats
from sparql_api.description import wants_html
from sparql_api.errors import plain
from sparql_api.service import Asked

HTML = formats.Format("html", "text/html", None)
JSON = formats.Format("json", "application/json", None)
PREFIXES = {
    **namespaces.PREFIXES,
    "nolsish": str(SHAPES),
    "void": str(VOID),
    "sh": str(SH),
    "vann": str(VANN),
    "spdx": str(SPDX),
}
# Suffixes a document URL may end with to name its representation (`/doc/ri/x.ttl`).
SUFFIXES = formats.GRAPH_SUFFIXES
TRIPLE_FORMATS = formats.TRIPLES
LABELS = tuple(str(p) for p in (SKOS.prefLabel, RDFS.label, FOAF.name, SCHEMA.name, DCTERMS.title))


PAGE_QUERIES = Path(__file__).resolve().parent / "page_queries"


def page_query(name: str) -> str:
    """The SPARQL a page runs: sparql_api/page_queries/NAME.rq, kept apart from the public saved queries."""
    return (PAGE_QUERIES / f"{name}.rq").read_text(encoding="utf-8")


# --- representations --------------------------------------------------------------------------


def choose(
    offered: tuple[formats.Format, ...] = formats.GRAPHS, suffix: str | None = None, html: bool = True
) -> formats.Format | None:
    """The representation to send: `HTML`, one of `offered`, or None when none fits (406).

    A suffix or a `format` parameter decides first. Without them, HTML goes to a client that
    names text/html at least as high as the alternatives (a browser) and to one that sends no
    Accept header at all (FAIR-Checker, a bare `GET`); `*/*` alone gets the first of `offered`.
    """
    name = SUFFIXES.get(suffix, suffix) if suffix else request.args.get("format")
    if name:
        if name == "html":
            return HTML if html else None
        try:
            return formats.requested((name,), offered)
        except formats.UnknownFormat:
            return None
    accept = request.accept_mimetypes
    if html and (not accept or wants_html(accept, offered)):
        return HTML
    return formats.negotiate(accept, offered)


def not_acceptable(offered: tuple[formats.Format, ...], html: bool = True) -> Response:
    types = (["text/html"] if html else []) + [f.media_type for f in offered]
    response = plain(406, "None of the media types in Accept is offered here; offered: " + ", ".join(types))
    response.vary.add("Accept")
    return response


def served() -> engine.Build:
    """The build served now (`engine.current` looks at the store link again every 50 ms): a page
    must never carry the ETag or the links of a build that was replaced."""
    return engine.current(current_app.config["NOLSI"].store)


def etag(*parts: str) -> str:
    """The ETag of a representation of the served build and its release (`engine.etag`)."""
    return engine.etag(served(), *parts)


def not_modified(tag: str, links: str = "") -> Response | None:
    """A 304 when the client already holds representation `tag`; None when it must be made."""
    if not request.if_none_match.contains_weak(tag):
        return None
    response = Response(status=304)
    response.set_etag(tag)
    response.last_modified = served().built
    response.vary.add("Accept")
    if links:
        response.headers["Link"] = links
    return response


def finish(response: Response, tag: str, links: str = "", cache: str = "public, no-cache") -> Response:
    """Validators, `Vary`, caching and signposting; 304 or 412 when the request's conditions say so."""
    response.set_etag(tag)
    response.last_modified = served().built
    response.vary.add("Accept")
    response.headers["Cache-Control"] = cache
    if links:
        response.headers["Link"] = links
    response.make_conditional(request)  # 304, 412 or 206 set on the response itself
    return response


def rdf_response(body: bytes, chosen: formats.Format) -> Response:
    return Response(body, content_type=chosen.content_type)


def signposting(links: list[tuple[str, str, str | None]]) -> str:
    """A `Link` header (RFC 8288) from (target, rel, media type) triples: FAIR Signposting."""
    return ", ".join(f'<{target}>; rel="{rel}"' + (f'; type="{kind}"' if kind else "") for target, rel, kind in links)


def render(template: str | list[str | Template], **context) -> Response:
    """An HTML page from the first of the templates that exists; they get the IRI helpers below."""
    body = render_template(template, href=href, curie=curie, **context)
    return Response(body, content_type="text/html; charset=utf-8")


# --- the served release -----------------------------------------------------------------------


def release_folder(version: str | None = None) -> Path | None:
    """The folder of a published release (by default the one of the served build), or None if
    there is none."""
    folder = layout.release(current_app.config["NOLSI"].store, version or served().version)
    return folder if folder.is_dir() else None


def metadata_file(name: str) -> Path:
    """A file of the served build's release, such as `void.ttl`; 404 when the release lacks it."""
    folder = release_folder()
    path = folder / name if folder else None
    if path is None or not path.is_file():
        abort(404, f"The current release has no {name}.")
    return path


INLINE_PICTURE = 400_000  # bytes: a larger picture (a synthetic graph of thousands of infrastructures) is only linked
HREF = re.compile(r'href="([^"]*)"')


def picture(name: str) -> Markup | None:
    """An SVG picture of the served release (`landscape/index.svg`, written by loader/landscape.py),
    ready to put in a page, its links to entity IRIs pointing to their pages here; None if the
    release has none, or one too large to put inline."""
    folder = release_folder()
    path = folder / name if folder else None
    if path is None or not path.is_file() or path.stat().st_size > INLINE_PICTURE:
        return None
    return Markup(_inline(str(path), path.stat().st_mtime))


@lru_cache(maxsize=64)
def _inline(path: str, mtime: float) -> str:
    text = Path(path).read_text(encoding="utf-8")
    return HREF.sub(lambda m: f'href="{escape(href(unescape(m.group(1))))}"', text)


@lru_cache(maxsize=64)
def parsed(path: str, mtime: float) -> Graph:
    """A release file parsed by rdflib; files never change, so the parse is kept."""
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


def graph_of(path: Path) -> Graph:
    return parsed(str(path), path.stat().st_mtime)


def ordered(nodes: Iterable[Node]) -> list[Identifier]:
    """Terms of a parsed file in rdflib's order; rdflib types them as `Node`, which has no order."""
    return sorted(node for node in nodes if isinstance(node, Identifier))


def integer(node: Node | None, default: int | None = None) -> int:
    """The value of an integer literal of a release file; `default` when there is none."""
    if isinstance(node, rdflib.Literal):
        return int(node)
    if default is None:
        raise ValueError(f"{node!r} is not an integer literal")
    return default


@lru_cache(maxsize=64)
def _converted(path: str, mtime: float, name: str) -> bytes:
    return formats.serialize(parsed(path, mtime), formats.BY_NAME[name])


def convert(path: Path, chosen: formats.Format) -> bytes:
    """A Turtle file of the release in the chosen syntax: the file itself for Turtle."""
    if chosen.name == "turtle":
        return path.read_bytes()
    return _converted(str(path), path.stat().st_mtime, chosen.name)


# --- queries ----------------------------------------------------------------------------------


# What a solution binds a variable to (the data has no RDF 1.2 triple terms).
Term = NamedNode | BlankNode | Literal


def select(query: str, **terms: str) -> list[dict[str, Term]]:
    """Solutions of a SELECT, with each variable named in `terms` bound to that IRI (sparql_api/binding.py)."""
    answer = _evaluate(query, terms, "json", None)
    results = typed.solutions(pyoxigraph.parse_query_results(answer.body, format=QueryResultsFormat.JSON))
    names = [v.value for v in results.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in results]


def quad(s: Term, p: Term, o: Term, g: Term | DefaultGraph) -> Quad:
    """A quad of terms a SELECT bound: SPARQL binds only IRIs and blank nodes where a pattern has
    a subject or a graph name, and only IRIs where it has a predicate."""
    if isinstance(s, Literal) or not isinstance(p, NamedNode) or isinstance(g, Literal):
        raise TypeError(f"not a quad: {s} {p} {o} {g}")
    return Quad(s, p, o, g)


def construct(query: str, **terms: str) -> list[pyoxigraph.Triple]:
    """The distinct triples of a CONSTRUCT, sorted, with `terms` bound (sparql_api/binding.py)."""
    answer = _evaluate(query, terms, None, "ntriples")
    return sorted(set(pyoxigraph.parse(answer.body, format=RdfFormat.N_TRIPLES)), key=str)


def _evaluate(query: str, terms: dict[str, str], solutions: str | None, graphs: str | None):
    """Run a page's query through the query service, under the endpoint's limits and cache."""
    substitutions = tuple(sorted((name, NamedNode(iri)) for name, iri in terms.items()))
    answer = current_app.extensions["nolsi.service"].answer(
        Asked(query, solutions, graphs, substitutions=substitutions)
    )
    if answer.status != 200 or answer.truncated:
        current_app.logger.error("page query failed (%s): %s", answer.status, answer.body[:500])
        abort(503, "The description could not be computed.")
    return answer


def serialize(statements: list, chosen: formats.Format) -> bytes:
    """Triples or quads in the chosen syntax; triples go to the default graph of a quad syntax."""
    syntax = chosen.graph_syntax
    if syntax in (RdfFormat.N_QUADS, RdfFormat.TRIG):
        statements = [
            s if isinstance(s, Quad) else Quad(s.subject, s.predicate, s.object, DefaultGraph()) for s in statements
        ]
    prefixes = PREFIXES if syntax in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML) else None
    return typed.in_memory(pyoxigraph.serialize(statements, format=syntax, prefixes=prefixes))


@dataclass(frozen=True)
class Pager:
    """Where a paged list is, and the links to its neighbouring pages ("" where there is none)."""

    page: int
    pages: int | None  # None when only "there are more" is known
    previous: str
    next: str


# --- showing IRIs -----------------------------------------------------------------------------


def href(iri: str) -> str:
    """Where a link to `iri` goes: our own IRIs to their page on this server, others to themselves."""
    if not iri.startswith(BASE):
        return iri
    rest = iri[len(BASE) :]
    for prefix, target in (("id/", "/doc/"), ("vocab/", "/doc/vocab/")):
        if rest.startswith(prefix):
            return target + rest[len(prefix) :].rstrip("/")
    return "/" + rest  # ontology#Term, shapes#Shape, graph/name: served where the IRI says


def curie(iri: str) -> str:
    """A compact name for an IRI, `prefix:local`, or the IRI itself."""
    best, name = "", iri
    for prefix, namespace in PREFIXES.items():
        local = iri[len(namespace) :]
        if (
            iri.startswith(namespace)
            and len(namespace) > len(best)
            and local
            and all(c.isalnum() or c in "-_." for c in local)
        ):
            best, name = namespace, f"{prefix}:{local}"
    return name


def labels(rows: list[dict]) -> dict[str, list[tuple[str, str, int]]]:
    """Labels by IRI from rows of ?x ?property ?label, as (text, language, rank of the labelling
    property) for `pick`."""
    found: dict[str, list[tuple[str, str, int]]] = {}
    for row in rows:
        rank = LABELS.index(row["property"].value)
        found.setdefault(row["x"].value, []).append((row["label"].value, row["label"].language or "", rank))
    return found


LABELS_OF = page_query("labels-of")


def values_block(variable: str, iris: list[str]) -> str:
    """A VALUES block of IRIs that came from the store's own answers, each written by Oxigraph."""
    return f"VALUES ?{variable} {{ " + " ".join(str(NamedNode(iri)) for iri in iris) + " }"


def labels_of(iris) -> dict[str, str]:
    """The label to show (`pick`) of each of `iris` that has one, found by one query."""
    wanted = sorted(set(iris))
    if not wanted:
        return {}
    found = labels(select(LABELS_OF.replace("#VALUES#", values_block("x", wanted))))
    return {iri: pick(values) for iri, values in found.items()}


def pick(values: list[tuple[str, str, int]]) -> str:
    """The label to show from (text, language, rank) triples: English, then bokmål, untagged, any;
    within a language, by the rank of the labelling property (the order of `LABELS`)."""
    if not values:
        return ""
    order = {"en": 0, "nb": 1, "": 2, "no": 3, "nn": 4}
    return min(values, key=lambda v: (order.get(v[1].lower(), 5), v[1], v[2], v[0]))[0]
