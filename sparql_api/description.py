"""The SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/).

Served on a bare GET of the endpoint. It states what a client needs before its first query: the
result formats, that the default graph is the union of the named graphs, every named graph with
its triple count, the time and row limits in force, and the prefixes every query may use
without declaring them (as `sh:declare`, the SHACL vocabulary for prefix declarations).
"""

from __future__ import annotations

import threading

from flask import Response, current_app, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, VOID, XSD

from loader.namespaces import DCAT3_VERSION, FORMATS, NOLSI, PREFIXES, SD
from sparql_api import editor, engine, formats
from sparql_api.service import Asked

RESULT_FORMATS = tuple(f.w3c for f in formats.SOLUTIONS + formats.GRAPHS)
GRAPH_COUNTS = (
    "SELECT ?g (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
)

_counts: dict[str, dict[str | None, int]] = {}
_counts_lock = threading.Lock()


def respond() -> Response:
    """The query editor for a browser, the Service Description for an RDF client."""
    if wants_html(request.accept_mimetypes, formats.GRAPHS):
        page = render_template("editor.html", examples=editor.examples())
        return Response(page, content_type="text/html; charset=utf-8")
    chosen = formats.negotiate(request.accept_mimetypes, formats.GRAPHS)
    if chosen is None:
        offered = ", ".join(f.media_type for f in formats.GRAPHS)
        return Response(f"The Service Description is offered as: {offered}\n", status=406, content_type="text/plain")
    build = engine.current(current_app.config["NOLSI"].store)
    body = formats.serialize(graph(request.base_url, build), chosen)
    response = Response(body, content_type=chosen.content_type)
    response.headers["Vary"] = "Accept"
    response.set_etag(engine.etag(build, "service-description", request.base_url, chosen.name))
    response.last_modified = build.built
    response.make_conditional(request)  # 304, 412 or 206 set on the response itself
    return response


def wants_html(accept, alternatives: tuple[formats.Format, ...]) -> bool:
    """Whether a client names HTML itself, at least as high as any alternative: a browser.

    `*/*` alone (curl, most libraries) does not count: those get the machine-readable form.
    """
    html = max((q for value, q in accept if value in ("text/html", "application/xhtml+xml")), default=0)
    rdf = max((q for value, q in accept for f in alternatives if value in (f.media_type, *f.aliases)), default=0)
    return html > 0 and html >= rdf


def graph(endpoint: str, build: engine.Build) -> Graph:
    settings = current_app.config["NOLSI"]
    sd = Graph(bind_namespaces="none")
    for prefix, namespace in (("sd", SD), ("void", VOID), ("nolsi", NOLSI), ("xsd", XSD), ("sh", SH)):
        sd.bind(prefix, namespace)
    service = URIRef(endpoint)
    sd.add((service, RDF.type, SD.Service))
    sd.add((service, SD.endpoint, service))
    sd.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    sd.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.service_allowlist:
        sd.add((service, SD.feature, SD.BasicFederatedQuery))
    for name in RESULT_FORMATS:
        sd.add((service, SD.resultFormat, FORMATS[name]))
    sd.add((service, NOLSI.queryTimeout, Literal(settings.query_timeout, datatype=XSD.decimal)))
    sd.add((service, NOLSI.resultRowLimit, Literal(settings.row_limit)))
    sd.add((service, DCAT3_VERSION, Literal(build.version)))
    for prefix, iri in PREFIXES.items():  # predeclared (sparql_api/prologue.py), as SHACL prefix declarations
        declaration = BNode(f"prefix-{prefix}")
        sd.add((service, SH.declare, declaration))
        sd.add((declaration, SH.prefix, Literal(prefix)))
        sd.add((declaration, SH.namespace, Literal(iri, datatype=XSD.anyURI)))

    dataset, default = BNode("dataset"), BNode("default")
    sd.add((service, SD.defaultDataset, dataset))
    sd.add((dataset, RDF.type, SD.Dataset))
    sd.add((dataset, SD.defaultGraph, default))
    sd.add((default, RDF.type, SD.Graph))
    counts = graph_counts(build)
    sd.add((default, VOID.triples, Literal(counts.pop(None, 0))))
    for graph_name, triples in counts.items():
        named, described = BNode(), BNode()
        sd.add((dataset, SD.namedGraph, named))
        sd.add((named, RDF.type, SD.NamedGraph))
        sd.add((named, SD.name, URIRef(str(graph_name))))
        sd.add((named, SD.graph, described))
        sd.add((described, RDF.type, SD.Graph))
        sd.add((described, VOID.triples, Literal(triples)))
    return sd


def graph_counts(build: engine.Build) -> dict[str | None, int]:
    """Triples per named graph (None: the default graph), counted once per release by an evaluator."""
    with _counts_lock:
        if build.version not in _counts:
            answer = current_app.extensions["nolsi.service"].answer(Asked(GRAPH_COUNTS, "tsv", None), build)
            rows = (row.split("\t") for row in answer.body.decode().splitlines()[1:])
            _counts[build.version] = {g.strip("<>") or None: int(n.split("^^")[0].strip('"')) for g, n in rows}
        return dict(_counts[build.version])
