"""Saved queries on the web: the catalogue, running a query with parameters, OpenAPI, sparql-examples."""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph
from flask import Blueprint, Response, current_app, jsonify, render_template, request
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from loader import typed
from loader.namespaces import SCHEMA
from sparql_api import binding, catalogue, engine, formats, protocol, saved_page, sparql
from sparql_api.description import wants_html

bp = Blueprint("saved", __name__)
# SHACL 1.0 has no DESCRIBE executable; SIB's sparql-examples use sh:describe for them.
SH_DESCRIBE = URIRef(str(SH) + "describe")
JSON_TYPES = (formats.Format("json", "application/json", None),)


@bp.app_context_processor
def _helpers() -> dict:
    return {"saved_answer": saved_page.answer}


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
        given = protocol.parameters(protocol.Incoming.of(request))
    except protocol.ProtocolError as error:
        return _error(error.status, error.message)
    for key in given:
        if len(given.getlist(key)) > 1:
            return _error(400, f"parameter {key!r} is given more than once", parameter=key)
    if not suffix and wants_html(request.accept_mimetypes, formats.SOLUTIONS + formats.GRAPHS):
        # A page opened without values shows the query with its examples, as its form does.
        page, status = saved_page.query_page(query, given.to_dict() or query.examples())
        return render_template("query.html", page=page), status
    try:
        bound = query.bindings(given.to_dict())
    except catalogue.ParameterError as error:
        return _error(400, str(error), parameter=error.parameter, accepts=error.accepts)
    if suffix:
        chosen = formats.BY_SUFFIX.get(suffix)
        if chosen is None:
            known = ", ".join("." + s for s in formats.BY_SUFFIX)
            return _error(404, f"unknown format suffix .{suffix}; use one of: {known}")
        solutions = chosen if chosen in formats.SOLUTIONS else None
        graphs = chosen if chosen in formats.GRAPHS else None
    else:
        solutions, graphs = sparql.choose_formats((), request.accept_mimetypes)
    return sparql.run(query.text, None, None, solutions, graphs, bound)


def _error(status: int, message: str, **details) -> Response:
    response = jsonify(error=message, **details)
    response.status_code = status
    return response


@bp.get("/api/openapi.json")
def openapi():
    """OpenAPI 3.1 for the saved queries, one operation per query, generated from the query files."""
    paths = {f"/queries/{query.name}": {"get": _operation(query)} for query in queries().values()}
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "nolsi saved queries",
            "version": engine.SOFTWARE,
            "description": "Named, documented SPARQL queries over the nolsi knowledge graph, with typed parameters. "
            "Each answers in the format the Accept header asks for; a suffix (.json, .csv, .tsv, .xml, "
            "or .ttl, .nt, .jsonld, .rdf, .nq, .trig for graphs) names one in the path instead.",
            "license": {"name": "CC-BY-4.0", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": request.host_url.rstrip("/")}],
        "paths": paths,
        "components": {"schemas": SCHEMAS, "headers": HEADERS},
    }
    return jsonify(document)


# Response schemas: SPARQL 1.1 Query Results JSON (https://www.w3.org/TR/sparql11-results-json/),
# and the text formats as strings.
SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "parameter": {"type": "string"}, "accepts": {"type": "string"}},
    },
    "RDFTerm": {
        "type": "object",
        "required": ["type", "value"],
        "properties": {
            "type": {"enum": ["uri", "literal", "bnode", "triple"]},
            "value": {"type": ["string", "object"]},
            "xml:lang": {"type": "string"},
            "datatype": {"type": "string", "format": "iri"},
        },
    },
    "Boolean": {
        "type": "object",
        "required": ["head", "boolean"],
        "properties": {"head": {"type": "object"}, "boolean": {"type": "boolean"}},
    },
    "JSONLD": {"type": ["array", "object"], "description": "A JSON-LD document."},
    "Text": {"type": "string"},
}
HEADERS = {
    "Result-Rows": {"description": "How many rows (or triples) the answer has.", "schema": {"type": "integer"}},
    "Result-Truncated": {
        "description": "Whether the answer was cut at the row limit.",
        "schema": {"enum": ["true", "false"]},
    },
    "Result-Row-Limit": {"description": "The server's row limit.", "schema": {"type": "integer"}},
    "ETag": {
        "description": "Of release and request: send it back in If-None-Match for a 304.",
        "schema": {"type": "string"},
    },
}


def _operation(query: catalogue.SavedQuery) -> dict:
    return {
        "operationId": query.name.replace("-", "_"),
        "summary": query.title,
        "description": query.description,
        "tags": list(query.tags),
        "parameters": [_openapi_parameter(p) for p in query.parameters],
        "responses": {
            "200": {
                "description": "The query's answer.",
                "content": _content(query),
                "headers": {name: {"$ref": f"#/components/headers/{name}"} for name in HEADERS},
            },
            "304": {"description": "Not modified since the ETag of If-None-Match."},
            "400": {
                "description": "A parameter value does not fit its type.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            "406": {
                "description": "No format the Accept header allows.",
                "content": {"text/plain": {"schema": {"$ref": "#/components/schemas/Text"}}},
            },
            "503": {
                "description": "The query ran out of time or the server is busy (see Retry-After).",
                "content": {"text/plain": {"schema": {"$ref": "#/components/schemas/Text"}}},
            },
        },
    }


def _content(query: catalogue.SavedQuery) -> dict:
    """A schema per format: SPARQL JSON with the query's own columns, text for the rest."""
    text: dict[str, object] = {"schema": {"$ref": "#/components/schemas/Text"}}
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        return {
            f.media_type: {"schema": {"$ref": "#/components/schemas/JSONLD"}} if f.name == "jsonld" else text
            for f in formats.GRAPHS
        }
    json_schema: dict[str, object]
    if query.form == "ASK":
        json_schema = {"$ref": "#/components/schemas/Boolean"}
    else:
        columns = list(_columns(query))
        json_schema = {
            "type": "object",
            "required": ["head", "results"],
            "properties": {
                "head": {
                    "type": "object",
                    "required": ["vars"],
                    "properties": {"vars": {"type": "array", "items": {"enum": columns}, "examples": [columns]}},
                },
                "results": {
                    "type": "object",
                    "required": ["bindings"],
                    "properties": {
                        "bindings": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {c: {"$ref": "#/components/schemas/RDFTerm"} for c in columns},
                            },
                        }
                    },
                },
            },
        }
    content: dict[str, dict[str, object]] = {f.media_type: text for f in formats.SOLUTIONS}
    content[formats.BY_NAME["json"].media_type] = {"schema": json_schema}
    return content


@lru_cache(maxsize=256)
def _columns(query: catalogue.SavedQuery) -> tuple[str, ...]:
    """The variables a SELECT projects, in order: from running it, parameters bound, on an empty store."""
    probe = {p.name: pyoxigraph.NamedNode("urn:nolsi:probe") for p in query.parameters}
    probed = typed.solutions(pyoxigraph.Store().query(binding.write(query.text, probe)))
    return tuple(v.value for v in probed.variables)


def _typed(parameter: catalogue.Parameter, raw: str):
    """A default or example as the JSON value its schema types: 0 and false, not "0" and "false"."""
    if parameter.type == "integer":
        return int(raw)
    if parameter.type == "decimal":
        return float(raw)
    if parameter.type == "boolean":
        return raw.lower() in ("true", "1")
    return raw


def _openapi_parameter(parameter: catalogue.Parameter) -> dict:
    schemas: dict[str, dict[str, object]] = {
        "iri": {"type": "string", "format": "iri"},
        "entity": {"type": "string"},
        "concept": {"type": "string"},
        "enum": {"type": "string"},
        "string": {"type": "string", "maxLength": catalogue.MAX_VALUE_LENGTH},
        "integer": {"type": "integer"},
        "decimal": {"type": "number"},
        "date": {"type": "string", "format": "date"},
        "boolean": {"type": "boolean"},
    }
    schema = schemas[parameter.type]
    if parameter.values:
        schema = {**schema, "enum": list(parameter.values)}
    if parameter.default is not None:
        schema = {**schema, "default": _typed(parameter, parameter.default)}
    entry = {
        "name": parameter.name,
        "in": "query",
        "required": parameter.required,
        "schema": schema,
        "description": parameter.description or parameter.accepts(),
    }
    if parameter.example is not None:
        entry["example"] = _typed(parameter, parameter.example)
    return entry


@bp.get("/.well-known/sparql-examples")
def examples():
    """The saved queries as SHACL SPARQL executables, the convention of SIB's sparql-examples."""
    base = request.host_url
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in (("sh", SH), ("rdfs", RDFS), ("schema", SCHEMA)):
        graph.bind(prefix, namespace)
    endpoint = URIRef(base + "sparql")
    executable = {
        "SELECT": (SH.SPARQLSelectExecutable, SH.select),
        "ASK": (SH.SPARQLAskExecutable, SH.ask),
        "CONSTRUCT": (SH.SPARQLConstructExecutable, SH.construct),
        "DESCRIBE": (SH.SPARQLExecutable, SH_DESCRIBE),
    }
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
