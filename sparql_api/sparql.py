"""`/sparql`: the SPARQL 1.1 Protocol query operation."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from pyoxigraph import QueryResultsFormat

bp = Blueprint("sparql", __name__)


@bp.get("/sparql")
def query() -> Response:
    text = request.args.get("query")
    if text is None:
        return Response("Missing the query parameter.\n", status=400, mimetype="text/plain")
    store = current_app.extensions["nolsi.engine"]
    try:
        results = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as error:
        return Response(f"Malformed query: {error}\n", status=400, mimetype="text/plain")
    body = results.serialize(format=QueryResultsFormat.JSON)
    return Response(body, mimetype="application/sparql-results+json")
