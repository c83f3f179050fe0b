"""Structured request logs (sparql_api/logs.py): one JSON line per request, with the Request-Id the
client gets. On a live server: tests/test_reliability.py::
test_the_log_line_of_a_request_carries_the_request_id_of_its_response."""

from __future__ import annotations

import json
import logging

import pytest

from sparql_api import logs


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(json.loads(record.getMessage()))


@pytest.fixture
def lines():
    handler = Lines()
    logs.logger.addHandler(handler)
    yield handler.records
    logs.logger.removeHandler(handler)


def test_a_safe_request_id_is_kept_and_any_other_replaced():
    assert logs.request_id("abc-123_X.y") == "abc-123_X.y"
    for unsafe in ("", "a b", "x" * 65, "id\r\nSet-Cookie: x", "ünï"):
        replaced = logs.request_id(unsafe)
        assert replaced != unsafe and logs.SAFE_ID.match(replaced)


def test_one_line_per_request_with_the_id_the_client_sees(sample_app, lines):
    client = sample_app.test_client()
    response = client.get("/-/health", headers={"Request-Id": "trace-42"})
    assert response.headers["Request-Id"] == "trace-42"
    other = client.get("/no/such/page")
    assert logs.SAFE_ID.match(other.headers["Request-Id"])
    assert [(r["request_id"], r["path"], r["status"], r["method"]) for r in lines] == [
        ("trace-42", "/-/health", 200, "GET"),
        (other.headers["Request-Id"], "/no/such/page", 404, "GET"),
    ]
    assert all(r["ms"] >= 0 and r["bytes"] > 0 for r in lines)
