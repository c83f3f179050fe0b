"""The Flask app as an ASGI application (sparql_api/asgi.py), called here as granian calls it: the body
is read whole on the event loop, within the size limit, before a thread runs Flask. Slow and idle
clients against a live server: tests/test_serving.py."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from sparql_api.asgi import Adapter

LIMIT = 1_000


@pytest.fixture(scope="module")
def adapter(sample_app):
    settings = dataclasses.replace(sample_app.config["NOLSI"], max_request_bytes=LIMIT)
    adapter = Adapter(sample_app, settings)
    yield adapter
    adapter.executor.shutdown()


def call(adapter: Adapter, method: str, path: str, headers: dict[str, str], *parts: bytes, whole: bool = True):
    """One request, its body in `parts`; when not `whole`, the client promises more and is gone instead.
    The status, headers and body of the answer."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    messages = [
        {"type": "http.request", "body": p, "more_body": not whole or i < len(parts) - 1} for i, p in enumerate(parts)
    ]
    sent: list[dict] = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(adapter(scope, receive, send))
    start, *body = sent
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, b"".join(m["body"] for m in body)


def test_a_request_reaches_flask(adapter):
    status, headers, body = call(adapter, "GET", "/-/health", {}, b"")
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert headers["content-type"] == "application/json"


def test_a_body_in_pieces_is_read_whole(adapter):
    status, _, body = call(
        adapter,
        "POST",
        "/sparql",
        {"Content-Type": "application/sparql-query", "Accept": "text/csv"},
        b"SELECT (1 ",
        b"AS ?x) ",
        b"{}",
    )
    assert status == 200, body
    assert body.decode().splitlines() == ["x", "1"]


def test_a_declared_length_over_the_limit_is_413_before_any_body(adapter):
    status, headers, body = call(adapter, "POST", "/sparql", {"Content-Length": str(LIMIT + 1), "Request-Id": "mine-1"})
    assert status == 413 and headers["content-type"].startswith("text/plain")
    assert headers["request-id"] == "mine-1" and body.endswith(b"\n") and b"limit" in body


def test_a_body_over_the_limit_without_a_length_is_413(adapter):
    status, _, body = call(
        adapter, "POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"#" * 600, b"#" * 600
    )
    assert status == 413 and b"over the limit" in body


def test_a_body_that_ends_early_is_400(adapter):
    status, _, body = call(
        adapter, "POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"ASK", whole=False
    )
    assert status == 400 and b"ended early" in body


def test_a_length_that_is_not_a_number_is_400(adapter):
    status, headers, body = call(adapter, "POST", "/sparql", {"Content-Length": "12abc", "Request-Id": "bad id!"})
    assert status == 400 and b"not a number" in body
    assert headers["request-id"] != "bad id!" and len(headers["request-id"]) == 32
