"""Structured request logs: one JSON line per request, with a request id the client sees too."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time

from flask import Flask, g, request

SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
logger = logging.getLogger("nolsi.requests")


def init_app(app: Flask) -> None:
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    app.before_request(_start)
    app.after_request(_finish)


def request_id(incoming: str) -> str:
    """The client's Request-Id if it is a safe token, else a new one."""
    return incoming if SAFE_ID.match(incoming) else os.urandom(16).hex()


def write(record: dict) -> None:
    logger.info(json.dumps(record))


def _start() -> None:
    g.request_id = request_id(request.headers.get("Request-Id", ""))
    g.started = time.perf_counter()


def _finish(response):
    response.headers["Request-Id"] = g.get("request_id", "")
    record = {
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "bytes": response.calculate_content_length(),
        "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2),
        **g.get("log_extra", {}),
    }
    write(record)
    return response
