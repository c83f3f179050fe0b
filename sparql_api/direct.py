"""The plain SPARQL query request, answered from the ASGI scope without Flask.

A distinct query costs the engine about 0.1 ms and the trip to an evaluator about 0.2 ms; Flask,
Werkzeug and the extensions around them cost about 1 ms more per request (docs/serving.md), which
halved throughput against Oxigraph server. So the common protocol request (a GET or POST of a query
to /sparql, without CORS, conditional or range headers) is answered here, with the same parser, the
same query service, the same headers, the same compression and the same log line as the Flask view. Every other request,
and every request when rate limiting is on, goes to Flask. tests/test_direct.py sends the same
requests both ways and compares the answers.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from werkzeug.http import quote_etag, unquote_etag
from werkzeug.sansio.utils import get_current_url, get_host
from werkzeug.wrappers import Response

from loader.settings import Settings
from sparql_api import accept, compression, errors, formats, logs, protocol, security, sparql
from sparql_api.service import Asked, QueryService, Unanswered

PATH = "/sparql"
# Requests with these headers need what only the Flask app does: CORS, revalidation (304), ranges.
FLASK_ONLY = frozenset(
    (b"origin", b"if-none-match", b"if-modified-since", b"if-match", b"if-unmodified-since", b"if-range", b"range")
)

Headers = list[tuple[bytes, bytes]]


def answerable(scope: Mapping) -> bool:
    """Whether `respond` can answer this request exactly as the Flask app would."""
    if scope["path"] != PATH or scope.get("root_path"):
        return False
    if scope["method"] != "POST" and not (scope["method"] == "GET" and scope["query_string"]):
        return False  # a bare GET is the Service Description; HEAD and OPTIONS are Flask's
    for name, value in scope["headers"]:
        if name in FLASK_ONLY or (name == b"accept" and value.count(b",") >= accept.MAX_RANGES):
            return False
    return True


def respond(service: QueryService, settings: Settings, scope: Mapping, body: bytes) -> tuple[int, Headers, bytes]:
    """Status, headers and body of the answer; blocks while the query runs (call it in a thread)."""
    started = time.perf_counter()
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:  # repeated fields joined with commas, as in a WSGI environ
        key = name.decode("latin-1")
        headers[key] = f"{headers[key]},{value.decode('latin-1')}" if key in headers else value.decode("latin-1")
    request_id = logs.request_id(headers.get("request-id", ""))
    extra = {}
    try:
        status, out, payload = _answer(service, settings, scope, headers, body)
    except Exception as error:  # noqa: BLE001 - store, evaluators or a bug: the answers errors.py gives Flask
        status, out, payload = _parts(errors.response_for(error))
        extra = {"unanswered": True} if isinstance(error, Unanswered) else {}
    out, payload = _encoded(status, out, payload, headers.get("accept-encoding", ""))
    out = [
        *out,
        *security.CORS_HEADERS,
        *security.HEADERS,
        ("Content-Length", str(len(payload))),
        ("Request-Id", request_id),
    ]
    logs.write(
        {
            "request_id": request_id,
            "method": scope["method"],
            "path": PATH,
            "status": status,
            "bytes": len(payload),
            "ms": round((time.perf_counter() - started) * 1000, 2),
            **extra,
        }
    )
    return status, [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in out], payload


def _answer(
    service: QueryService, settings: Settings, scope: Mapping, headers: dict[str, str], body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    incoming = protocol.Incoming(scope["method"], scope["query_string"], headers.get("content-type", ""), lambda: body)
    try:
        query = protocol.parse(incoming)
        solutions, graphs = sparql.choose_formats(query.formats, accept.parse(headers.get("accept", "")))
    except protocol.ProtocolError as error:
        return _plain(error.status, error.message)
    except formats.UnknownFormat as error:
        return _plain(400, str(error))
    build = service.served()
    scheme = scope.get("scheme", "http")
    server = scope.get("server")
    asked = Asked(
        query.query,
        solutions.name if solutions else None,
        graphs.name if graphs else None,
        query.default_graphs,
        query.named_graphs,
        (),
        get_current_url(scheme, get_host(scheme, headers.get("host"), server and tuple(server)), "", PATH),
    )
    etag = service.etag(asked, build)
    answer = service.answer(asked, build)
    return answer.status, sparql.answer_headers(answer, etag, build, settings.row_limit), answer.body


def _encoded(
    status: int, fields: list[tuple[str, str]], payload: bytes, accept_encoding: str
) -> tuple[list[tuple[str, str]], bytes]:
    """Fields and body compressed as `compression.compress` does it for Flask's answers."""
    media_type = dict(fields)["Content-Type"].split(";", 1)[0].strip().lower()
    if not compression.varies(media_type, status, len(payload)):
        return fields, payload
    fields = [(k, f"{v}, Accept-Encoding" if k == "Vary" else v) for k, v in fields]
    if "Vary" not in dict(fields):
        fields.append(("Vary", "Accept-Encoding"))
    coding = compression.coding(accept_encoding)
    if coding is None or status != 200:
        return fields, payload
    tag = next((unquote_etag(v)[0] or "" for k, v in fields if k == "ETag"), None)
    fields = [(k, quote_etag(compression.etag(tag or "", coding)) if k == "ETag" else v) for k, v in fields]
    return [*fields, ("Content-Encoding", coding)], compression.compressed(payload, coding, tag)


def _plain(status: int, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    return _parts(errors.plain(status, message))


def _parts(response: Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """A Werkzeug response's status, headers (but its length, which `respond` adds) and body."""
    fields = [(name, value) for name, value in response.headers.to_wsgi_list() if name != "Content-Length"]
    return response.status_code, fields, response.get_data()
