"""The SPARQL 1.1 Protocol query operation: turn an HTTP request into a query request or a 4xx.

Section numbers refer to https://www.w3.org/TR/sparql11-protocol/.

Parameters are decoded strictly: a percent-escape that is not UTF-8 is an error, never a
replacement character, so the engine runs exactly the query the client sent. Bodies are read up
to the size limit plus one byte, so an oversized body is refused even without Content-Length.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

import pyoxigraph
from flask import Request, current_app
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_options_header

GRAPH_PARAMETERS = {"default-graph-uri", "named-graph-uri"}
FORMAT_PARAMETERS = {"format", "output", "results"}  # output and results: Fuseki's and SPARQLWrapper's names
QUERY_PARAMETERS = {"query"} | GRAPH_PARAMETERS | FORMAT_PARAMETERS
UPDATE_PARAMETERS = {"update", "using-graph-uri", "using-named-graph-uri"}
ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
READ_ONLY = "This endpoint is read-only: SPARQL Update is not accepted."
FORM = "application/x-www-form-urlencoded"


class ProtocolError(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(message)


@dataclass(frozen=True)
class QueryRequest:
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    formats: tuple[str, ...]


@dataclass(frozen=True)
class Incoming:
    """What the query operation reads of an HTTP request: taken from Flask's request, or straight
    from an ASGI scope by `direct`. The body is read only once it is needed."""

    method: str
    query_string: bytes
    content_type: str
    read_body: Callable[[], bytes]

    @classmethod
    def of(cls, request: Request) -> Incoming:
        return cls(request.method, request.query_string, request.content_type or "", lambda: body(request))


def parse(incoming: Incoming) -> QueryRequest:
    if incoming.method in ("GET", "HEAD"):  # 2.1.1 query via GET
        return _from_parameters(_decode(incoming.query_string, "query string"))
    media_type, options = parse_options_header(incoming.content_type)
    media_type = media_type.lower()
    if media_type == FORM:  # 2.1.2 query via POST with URL-encoded parameters
        return _from_parameters(_with_form(incoming, options))
    if media_type == "application/sparql-query":  # 2.1.3 query via POST directly
        _utf8_charset(options)
        parameters = _decode(incoming.query_string, "query string")
        _refuse_unknown(parameters, GRAPH_PARAMETERS | FORMAT_PARAMETERS)
        try:
            text = incoming.read_body().decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError(400, f"The query body is not valid UTF-8 (byte {error.start}).") from None
        return _request(text, parameters)
    if media_type == "application/sparql-update":
        raise ProtocolError(403, READ_ONLY)
    raise ProtocolError(
        415,
        f"Unsupported Content-Type {media_type or 'none'}: send a query as application/x-www-form-urlencoded "
        "or application/sparql-query.",
    )


def parameters(incoming: Incoming) -> MultiDict:
    """URL parameters, plus the form body of a form POST: for routes other than /sparql."""
    media_type, options = parse_options_header(incoming.content_type)
    if incoming.method == "POST" and media_type.lower() == FORM:
        return _with_form(incoming, options)
    return _decode(incoming.query_string, "query string")


def _with_form(incoming: Incoming, options: Mapping[str, str]) -> MultiDict:
    """The URL parameters and those of an application/x-www-form-urlencoded body, in that order."""
    url = _decode(incoming.query_string, "query string")
    _utf8_charset(options)
    return _merged(url, _decode(incoming.read_body(), "form body"))


def body(request: Request) -> bytes:
    limit = current_app.config["NOLSI"].max_request_bytes
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise ProtocolError(413, f"The request body is larger than the limit of {limit} bytes.")
    return data


def _decode(raw: bytes, where: str) -> MultiDict:
    try:
        return MultiDict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        raise ProtocolError(400, f"The {where} is not valid UTF-8 after percent-decoding.") from None


def _utf8_charset(options: Mapping[str, str]) -> None:
    charset = options.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"SPARQL requests must be UTF-8, not {charset}.")


def _from_parameters(parameters: MultiDict) -> QueryRequest:
    if UPDATE_PARAMETERS & set(parameters):
        raise ProtocolError(403, READ_ONLY)
    _refuse_unknown(parameters, QUERY_PARAMETERS)
    queries = parameters.getlist("query")
    if not queries:
        raise ProtocolError(400, "Missing the query parameter.")
    if len(queries) > 1:
        raise ProtocolError(400, f"Exactly one query parameter is allowed; this request has {len(queries)}.")
    return _request(queries[0], parameters)


def _request(text: str, parameters: MultiDict) -> QueryRequest:
    if not text.strip():
        raise ProtocolError(400, "The query is empty.")
    default = tuple(_graph_iri(name, "default-graph-uri") for name in parameters.getlist("default-graph-uri"))
    named = tuple(_graph_iri(name, "named-graph-uri") for name in parameters.getlist("named-graph-uri"))
    explicit = bool(default or named)
    return QueryRequest(
        query=text,
        default_graphs=default if explicit else None,
        named_graphs=named if explicit else None,
        formats=tuple(value for name in sorted(FORMAT_PARAMETERS) for value in parameters.getlist(name)),
    )


def _graph_iri(value: str, parameter: str) -> str:
    """A graph name must be an absolute IRI (RFC 3987), as the engine will check again."""
    try:
        pyoxigraph.NamedNode(value)
    except ValueError:
        raise ProtocolError(400, f"The {parameter} value {value!r} is not an IRI.") from None
    if not ABSOLUTE.match(value):
        raise ProtocolError(400, f"The {parameter} value {value!r} is not an absolute IRI.")
    return value


def _refuse_unknown(parameters: MultiDict, allowed: set[str]) -> None:
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise ProtocolError(
            400, f"Unknown parameter(s): {', '.join(unknown)}. This operation accepts: {', '.join(sorted(allowed))}."
        )


def _merged(*sources: MultiDict) -> MultiDict:
    merged: MultiDict[str, str] = MultiDict()
    for source in sources:
        for key, value in source.items(multi=True):
            merged.add(key, value)
    return merged
