"""Saved queries on the web: the catalogue, running a query with parameters, OpenAPI, sparql-examples."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH

from sparql_api import catalogue, formats, protocol, sparql
from sparql_api.description import wants_html

bp = Blueprint("saved", __name__)
SCHEMA = Namespace("https://schema.org/")
SUFFIXES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "ttl": "turtle", "nt": "ntriples",
            "jsonld": "jsonld", "rdf": "rdfxml", "nq": "nquads", "trig": "trig"}
# SHACL 1.0 has no DESCRIBE executable; SIB's sparql-examples use sh:describe for them.
SH_DESCRIBE = URIRef(str(SH) + "describe")
JSON_TYPES = (formats.Format("json", "application/json", None),)


def queries() -> dict[str, catalogue.SavedQuery]:
    return current_app.extensions["nolsi.queries"]


@bp.get("/queries")
def index():
    listed = [q.describe() for q in queries().values()]
    if wants_html(request.accept_mimetypes, JSON_TYPES):
        return render_template("queries.html", queries=queries().values())
    response = jsonify(queries=listed)
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/queries/<string:name>", methods=["GET", "HEAD", "POST"])
def run(name: str):
    name, _, suffix = name.partition(".")
    query = queries().get(name)
    if query is None:
        return _error(404, f"no saved query named {name!r}; see /queries")
    try:
        given = protocol.parameters(request)
    except protocol.ProtocolError as error:
        return _error(error.status, error.message)
    for key in given:
        if len(given.getlist(key)) > 1:
            return _error(400, f"parameter {key!r} is given more than once", parameter=key)
    html = not suffix and wants_html(request.accept_mimetypes, formats.SOLUTIONS + formats.GRAPHS)
    try:
        bound = query.bindings(given.to_dict())
    except catalogue.ParameterError as error:
        if html:
            return render_template("query.html", query=query, given=given, error=str(error), table=None), 400
        return _error(400, str(error), parameter=error.parameter, accepts=error.accepts)
    if html:
        return _page(query, given, bound)
    if suffix:
        if suffix not in SUFFIXES:
            return _error(404, f"unknown format suffix .{suffix}; use one of: {', '.join('.' + s for s in SUFFIXES)}")
        chosen = formats.BY_NAME[SUFFIXES[suffix]]
        solutions = chosen if chosen in formats.SOLUTIONS else None
        graphs = chosen if chosen in formats.GRAPHS else None
    else:
        solutions, graphs = sparql.choose_formats(())
    return sparql.run(query.text, None, None, solutions, graphs, bound)


def _page(query: catalogue.SavedQuery, given, bound):
    """The HTML page: the form, and the result table once the required values are there."""
    table = None
    if all(p.name in dict(bound) or not p.required for p in query.parameters) and query.form in ("SELECT", "ASK"):
        response = sparql.run(query.text, None, None, formats.BY_NAME["json"], None, bound)
        if response.status_code != 200:
            return render_template("query.html", query=query, given=given, error=response.get_data(as_text=True), table=None), response.status_code
        table = response.get_json(force=True)
    return render_template("query.html", query=query, given=given, error=None, table=table)


def _error(status: int, message: str, **details) -> Response:
    response = jsonify(error=message, **details)
    response.status_code = status
    return response


@bp.get("/api/openapi.json")
def openapi():
    """OpenAPI 3.1 for the saved queries, one operation per query, generated from the query files."""
    paths = {}
    for query in queries().values():
        parameters = [_openapi_parameter(p) for p in query.parameters]
        media = ["application/sparql-results+json", "text/csv", "text/tab-separated-values", "application/sparql-results+xml"]
        if query.form in ("CONSTRUCT", "DESCRIBE"):
            media = [f.media_type for f in formats.GRAPHS]
        paths[f"/queries/{query.name}"] = {
            "get": {
                "operationId": query.name.replace("-", "_"),
                "summary": query.title,
                "description": query.description,
                "tags": list(query.tags),
                "parameters": parameters,
                "responses": {
                    "200": {"description": "The query results.", "content": {m: {} for m in media}},
                    "400": {"description": "A parameter value does not fit its type.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    "503": {"description": "The query ran out of time."},
                },
            }
        }
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "nolsi saved queries",
            "version": current_app.config.get("NOLSI_SOFTWARE_VERSION", "0"),
            "description": "Named, documented SPARQL queries over the nolsi knowledge graph, with typed parameters.",
            "license": {"name": "CC-BY-4.0", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": request.host_url.rstrip("/")}],
        "paths": paths,
        "components": {"schemas": {"Error": {"type": "object", "required": ["error"], "properties": {
            "error": {"type": "string"}, "parameter": {"type": "string"}, "accepts": {"type": "string"}}}}},
    }
    return jsonify(document)


def _openapi_parameter(parameter: catalogue.Parameter) -> dict:
    schema = {
        "iri": {"type": "string", "format": "iri"},
        "entity": {"type": "string"},
        "concept": {"type": "string"},
        "enum": {"type": "string"},
        "string": {"type": "string", "maxLength": catalogue.MAX_VALUE_LENGTH},
        "integer": {"type": "integer"},
        "decimal": {"type": "number"},
        "date": {"type": "string", "format": "date"},
        "boolean": {"type": "boolean"},
    }[parameter.type]
    if parameter.values:
        schema = {**schema, "enum": list(parameter.values)}
    if parameter.default is not None:
        schema = {**schema, "default": parameter.default}
    entry = {"name": parameter.name, "in": "query", "required": parameter.required, "schema": schema,
             "description": parameter.description or parameter.accepts()}
    if parameter.example is not None:
        entry["example"] = parameter.example
    return entry


@bp.get("/.well-known/sparql-examples")
def examples():
    """The saved queries as SHACL SPARQL executables, the convention of SIB's sparql-examples."""
    base = request.host_url
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in (("sh", SH), ("rdfs", RDFS), ("schema", SCHEMA)):
        graph.bind(prefix, namespace)
    endpoint = URIRef(base + "sparql")
    executable = {"SELECT": (SH.SPARQLSelectExecutable, SH.select), "ASK": (SH.SPARQLAskExecutable, SH.ask),
                  "CONSTRUCT": (SH.SPARQLConstructExecutable, SH.construct), "DESCRIBE": (SH.SPARQLExecutable, SH_DESCRIBE)}
    for query in queries().values():
        node = URIRef(f"{base}queries/{query.name}")
        kind, predicate = executable[query.form]
        graph.add((node, RDF.type, SH.SPARQLExecutable))
        graph.add((node, RDF.type, kind))
        graph.add((node, RDFS.label, Literal(query.title, lang="en")))
        graph.add((node, RDFS.comment, Literal(query.description, lang="en")))
        graph.add((node, predicate, Literal(query.text)))
        graph.add((node, SCHEMA.target, endpoint))
        for tag in query.tags:
            graph.add((node, SCHEMA.keywords, Literal(tag)))
    chosen = formats.negotiate(request.accept_mimetypes, formats.GRAPHS)
    if chosen is None:
        return _error(406, "offered: " + ", ".join(f.media_type for f in formats.GRAPHS))
    response = Response(formats.serialize(graph, chosen), content_type=chosen.content_type)
    response.headers["Vary"] = "Accept"
    return response
