"""Every error a client sees is a short plain-text message with the right status, never a traceback."""

from __future__ import annotations

from flask import Flask, current_app, g
from werkzeug.exceptions import HTTPException

from loader.store import StoreError
from sparql_api.service import Unanswered


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(StoreError, _store_error)
    app.register_error_handler(Unanswered, _unanswered)
    app.register_error_handler(Exception, _unexpected)


def _http_error(error: HTTPException):
    from sparql_api.sparql import plain

    response = plain(error.code or 500, f"{error.name}: {error.description}")
    for name in ("Allow", "Retry-After"):
        if error.get_headers() and dict(error.get_headers()).get(name):
            response.headers[name] = dict(error.get_headers())[name]
    return response


def _store_error(error: StoreError):
    from sparql_api.sparql import plain

    current_app.logger.error("store unavailable: %s", error)
    return plain(503, "The dataset is not available right now.")


def _unanswered(error: Unanswered):
    from sparql_api.sparql import plain

    g.log_extra = {"unanswered": True}
    response = plain(503, error.message)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _unexpected(error: Exception):
    from sparql_api.sparql import plain

    current_app.logger.exception("unexpected error")
    return plain(500, "Internal error; it has been logged.")
