"""Every error a client sees is a short plain-text message with the right status, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, Response, g
from werkzeug.exceptions import HTTPException

from loader.store import StoreError
from sparql_api.service import Unanswered

logger = logging.getLogger("nolsi.errors")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Unanswered, _unanswered)
    app.register_error_handler(Exception, response_for)


def plain(status: int, message: str) -> Response:
    return Response(message.rstrip("\n") + "\n", status=status, content_type="text/plain; charset=utf-8")


def response_for(error: Exception) -> Response:
    """The answer to a request that failed beyond the protocol's own 4xx: the store cannot be read,
    no evaluator answered, or a bug. The same whether Flask or `direct` served the request; call it
    while handling the exception, so that a bug's traceback reaches the log."""
    if isinstance(error, StoreError):
        logger.error("store unavailable: %s", error)
        return plain(503, "The dataset is not available right now.")
    if isinstance(error, Unanswered):
        response = plain(503, error.message)
        if error.retry_after is not None:
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    logger.exception("unexpected error")
    return plain(500, "Internal error; it has been logged.")


def _http_error(error: HTTPException) -> Response:
    response = plain(error.code or 500, f"{error.name}: {error.description}")
    for name in ("Allow", "Retry-After"):
        if error.get_headers() and dict(error.get_headers()).get(name):
            response.headers[name] = dict(error.get_headers())[name]
    return response


def _unanswered(error: Unanswered) -> Response:
    g.log_extra = {"unanswered": True}
    return response_for(error)
