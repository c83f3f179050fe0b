"""`/sparql`, the query operation's HTTP (sparql_api/sparql.py): HEAD, validators and 304, Vary, and
the result headers, against `nolsi serve` of the sample (tests/conftest.py `sample_endpoint`). The
protocol itself is in tests/test_protocol.py, formats in tests/test_formats.py."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import pytest
import requests

from loader.settings import Settings
from tests.conftest import Server
from tests.test_clients import ASK, CONSTRUCT, SELECT, TRIPLES, plain_rows, rows_of


@pytest.mark.parametrize("query", [SELECT, CONSTRUCT])
def test_head_is_get_without_the_body(sample_endpoint: Server, query: str):
    got = requests.get(sample_endpoint.url, params={"query": query}, timeout=15)
    head = requests.head(sample_endpoint.url, params={"query": query}, timeout=15)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    for name in (
        "Content-Type",
        "ETag",
        "Last-Modified",
        "Vary",
        "Result-Rows",
        "Result-Truncated",
        "Result-Row-Limit",
    ):
        assert head.headers.get(name) == got.headers.get(name), name
    assert int(head.headers["Content-Length"]) == len(got.content)


def test_etag_and_304(sample_endpoint: Server):
    first = requests.get(sample_endpoint.url, params={"query": SELECT}, timeout=15)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')  # a strong validator
    again = requests.get(sample_endpoint.url, params={"query": SELECT}, headers={"If-None-Match": etag}, timeout=15)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag and "accept" in again.headers["Vary"].lower()
    assert (
        requests.get(
            sample_endpoint.url, params={"query": SELECT}, headers={"If-None-Match": f'"x", {etag}'}, timeout=15
        ).status_code
        == 304
    )

    as_csv = requests.get(sample_endpoint.url, params={"query": SELECT}, headers={"Accept": "text/csv"}, timeout=15)
    assert as_csv.headers["ETag"] != etag  # another representation, another validator
    stale = requests.get(
        sample_endpoint.url, params={"query": SELECT}, headers={"Accept": "text/csv", "If-None-Match": etag}, timeout=15
    )
    assert stale.status_code == 200 and plain_rows(rows_of(stale.content, "text/csv")) == plain_rows(TRIPLES)
    other = requests.get(sample_endpoint.url, params={"query": ASK}, timeout=15)
    assert other.headers["ETag"] != etag


def test_last_modified_and_if_modified_since(sample_endpoint: Server):
    response = requests.get(sample_endpoint.url, params={"query": SELECT}, timeout=15)
    last_modified = email.utils.parsedate_to_datetime(response.headers["Last-Modified"])
    built = datetime.fromisoformat(requests.get(sample_endpoint.base + "/-/version", timeout=15).json()["built"])
    assert last_modified == built <= datetime.now(UTC)
    since = requests.get(
        sample_endpoint.url,
        params={"query": SELECT},
        headers={"If-Modified-Since": response.headers["Last-Modified"]},
        timeout=15,
    )
    assert since.status_code == 304
    before = email.utils.format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert (
        requests.get(
            sample_endpoint.url, params={"query": SELECT}, headers={"If-Modified-Since": before}, timeout=15
        ).status_code
        == 200
    )


def test_vary_accept(sample_endpoint: Server):
    for query in (SELECT, CONSTRUCT):
        response = requests.get(sample_endpoint.url, params={"query": query}, timeout=15)
        assert "accept" in {v.strip().lower() for v in response.headers["Vary"].split(",")}
    description = requests.get(sample_endpoint.url, timeout=15)
    assert "accept" in description.headers["Vary"].lower()


def test_result_headers_without_a_cut(sample_endpoint: Server):
    response = requests.get(sample_endpoint.url, params={"query": SELECT}, timeout=15)
    assert response.headers["Result-Rows"] == "2"
    assert response.headers["Result-Truncated"] == "false"
    assert response.headers["Result-Row-Limit"] == str(Settings().row_limit)
