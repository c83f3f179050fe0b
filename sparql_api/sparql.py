"""`/sparql`: the SPARQL 1.1 Protocol query operation, and the Service Description on a bare GET."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import http_date, quote_etag

from sparql_api import description, engine, formats, protocol
from sparql_api.errors import plain
from sparql_api.evaluator import Answer
from sparql_api.service import Asked

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "HEAD", "POST"])
def endpoint() -> Response:
    if request.method in ("GET", "HEAD") and not request.args:
        return description.respond()
    try:
        query = protocol.parse(protocol.Incoming.of(request))
    except protocol.ProtocolError as error:
        return plain(error.status, error.message)
    try:
        solutions, graphs = choose_formats(query.formats, request.accept_mimetypes)
    except formats.UnknownFormat as error:
        return plain(400, str(error))
    return run(query.query, query.default_graphs, query.named_graphs, solutions, graphs)


def choose_formats(named: tuple[str, ...], accept: MIMEAccept) -> tuple[formats.Format | None, formats.Format | None]:
    """The format for solutions and for graphs: the `format` parameters if given, else Accept."""
    if named:
        return formats.requested(named, formats.SOLUTIONS), formats.requested(named, formats.GRAPHS)
    return formats.negotiate(accept, formats.SOLUTIONS), formats.negotiate(accept, formats.GRAPHS)


def run(
    query: str,
    default_graphs: tuple[str, ...] | None,
    named_graphs: tuple[str, ...] | None,
    solutions: formats.Format | None,
    graphs: formats.Format | None,
    substitutions: tuple = (),
) -> Response:
    """Answer a query through the query service, with 304 on revalidation."""
    service = current_app.extensions["nolsi.service"]
    build = service.served()
    asked = Asked(
        query,
        solutions.name if solutions else None,
        graphs.name if graphs else None,
        default_graphs,
        named_graphs,
        substitutions,
        request.base_url,
    )
    etag = service.etag(asked, build)
    if request.method in ("GET", "HEAD") and etag in request.if_none_match:
        return _not_modified(etag, build)
    answer = service.answer(asked, build)
    return _respond(answer, etag, build)


def _respond(answer: Answer, etag: str, build: engine.Build) -> Response:
    row_limit = current_app.config["NOLSI"].row_limit
    response = Response(answer.body, status=answer.status, headers=answer_headers(answer, etag, build, row_limit))
    if answer.status == 200 and request.method in ("GET", "HEAD"):
        response.make_conditional(request)  # 304, 412 or 206 set on the response itself
    return response


def answer_headers(answer: Answer, etag: str, build: engine.Build, row_limit: int) -> list[tuple[str, str]]:
    """The headers of an answer, the same whether Flask or `direct` serves the request."""
    headers = [("Content-Type", answer.media_type), ("Vary", "Accept")]
    if answer.status == 200:
        headers += [
            ("Cache-Control", "public, no-cache"),
            ("Result-Rows", str(answer.rows)),
            ("Result-Truncated", "true" if answer.truncated else "false"),
            ("Result-Row-Limit", str(row_limit)),
            ("ETag", quote_etag(etag)),
            ("Last-Modified", http_date(build.built)),
        ]
    return headers


def _not_modified(etag: str, build: engine.Build) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    response.last_modified = build.built
    response.headers["Vary"] = "Accept"
    return response
