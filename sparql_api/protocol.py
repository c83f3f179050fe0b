"""The SPARQL 1.1 Protocol query operation: turn an HTTP request into a query request or a 4xx.

Section numbers refer to https://www.w3.org/TR/sparql11-protocol/.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request
from werkzeug.datastructures import MultiDict

QUERY_PARAMETERS = {"query", "default-graph-uri", "named-graph-uri", "format"}
DIRECT_URL_PARAMETERS = {"default-graph-uri", "named-graph-uri", "format"}
UPDATE_PARAMETERS = {"update", "using-graph-uri", "using-named-graph-uri"}


class ProtocolError(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(message)


@dataclass(frozen=True)
class QueryRequest:
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    format: str | None


def parse(request: Request) -> QueryRequest:
    if request.method in ("GET", "HEAD"):
        return _from_parameters(request.args, allowed=QUERY_PARAMETERS)
    media_type = request.mimetype
    if media_type == "application/x-www-form-urlencoded":  # 2.1.2 query via POST with URL-encoded parameters
        if request.args:
            _refuse_unknown(request.args, {"format"})
        return _from_parameters(_merged(request.args, request.form), allowed=QUERY_PARAMETERS)
    if media_type == "application/sparql-query":  # 2.1.3 query via POST directly
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"A SPARQL query body must be UTF-8, not {charset}.")
        _refuse_unknown(request.args, DIRECT_URL_PARAMETERS)
        try:
            text = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError(400, f"The query body is not valid UTF-8 (byte {error.start}).") from None
        return _request(text, request.args)
    if media_type == "application/sparql-update":
        raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    shown = media_type or "none"
    raise ProtocolError(
        415,
        f"Unsupported Content-Type {shown}: send a query as application/x-www-form-urlencoded "
        "or application/sparql-query.",
    )


def _from_parameters(parameters: MultiDict, allowed: set[str]) -> QueryRequest:
    if UPDATE_PARAMETERS & set(parameters):
        raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    _refuse_unknown(parameters, allowed)
    queries = parameters.getlist("query")
    if not queries:
        raise ProtocolError(400, "Missing the query parameter.")
    if len(queries) > 1:
        raise ProtocolError(400, f"Exactly one query parameter is allowed; this request has {len(queries)}.")
    return _request(queries[0], parameters)


def _request(text: str, parameters: MultiDict) -> QueryRequest:
    formats = parameters.getlist("format")
    if len(formats) > 1:
        raise ProtocolError(400, "At most one format parameter is allowed.")
    default = tuple(parameters.getlist("default-graph-uri"))
    named = tuple(parameters.getlist("named-graph-uri"))
    explicit = bool(default or named)
    return QueryRequest(
        query=text,
        default_graphs=default if explicit else None,
        named_graphs=named if explicit else None,
        format=formats[0] if formats else None,
    )


def _refuse_unknown(parameters: MultiDict, allowed: set[str]) -> None:
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise ProtocolError(
            400, f"Unknown parameter(s): {', '.join(unknown)}. This operation accepts: {', '.join(sorted(allowed))}."
        )


def _merged(*sources: MultiDict) -> MultiDict:
    merged = MultiDict()
    for source in sources:
        for key, value in source.items(multi=True):
            merged.add(key, value)
    return merged
