"""The query request answered without Flask (`sparql_api.direct`) gets the answer Flask gives:
the same status, body and headers, request by request, on the real graph. And only the requests
it can answer exactly are routed to it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest

from loader.settings import Settings
from sparql_api import direct
from sparql_api.app import create_app

BASE = "http://127.0.0.1:8000"
LABELS = "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label LIMIT 5"
FORM = "application/x-www-form-urlencoded"

# method, query string, content type, body, Accept
REQUESTS = {
    "GET, JSON": ("GET", {"query": LABELS}, None, b"", "application/sparql-results+json"),
    "GET, CSV with a charset parameter": ("GET", {"query": LABELS}, None, b"", "text/csv; charset=utf-8"),
    "POST form, format parameter": ("POST", {}, FORM, urlencode({"query": LABELS, "format": "xml"}).encode(), ""),
    "POST form and URL parameters": ("POST", {"format": "tsv"}, FORM, urlencode({"query": LABELS}).encode(), ""),
    "POST query, CONSTRUCT as Turtle": (
        "POST",
        {},
        "application/sparql-query",
        b"CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } ORDER BY ?s ?c LIMIT 7",
        "text/turtle",
    ),
    "ASK as XML": ("GET", {"query": "ASK { ?s a dcat:DataService }"}, None, b"", "application/sparql-results+xml"),
    "a dataset of named graphs": (
        "GET",
        {"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": "urn:nowhere"},
        None,
        b"",
        "text/csv",
    ),
    "relative IRIs resolve against the endpoint": ("GET", {"query": "SELECT (<x> AS ?iri) {}"}, None, b"", "text/csv"),
    "a syntax error": ("GET", {"query": "SELECT ?x WHERE { ?x foo:bar ?y }"}, None, b"", ""),
    "an unknown parameter": ("GET", {"query": LABELS, "timeout": "5"}, None, b"", ""),
    "no acceptable format": ("GET", {"query": LABELS}, None, b"", "image/png"),
    "an unknown format name": ("GET", {"query": LABELS, "format": "yaml"}, None, b"", ""),
    "an update": ("POST", {}, FORM, urlencode({"update": "CLEAR ALL"}).encode(), ""),
    "an update as the query": ("POST", {}, "application/sparql-query", b"DELETE WHERE { ?s ?p ?o }", ""),
    "an unsupported content type": ("POST", {}, "text/plain", b"SELECT * {}", ""),
    "a body that is not UTF-8": ("POST", {}, "application/sparql-query", b"SELECT * { ?s ?p '\xff' }", ""),
    "a charset other than UTF-8": ("POST", {}, "application/sparql-query; charset=latin-1", b"ASK {}", ""),
    "two queries": ("GET", [("query", "ASK {}"), ("query", "ASK {}")], None, b"", ""),
    "an empty query": ("POST", {}, FORM, b"query=", ""),
}
# The same requests, with the Accept-Encoding each kind of client sends.
ENCODINGS = {
    "": "",  # curl
    "identity": "identity",  # Python's http.client and urllib: SPARQLWrapper, rdflib's SPARQLStore
    "gzip": "gzip, deflate",  # requests, pandas' notebook client
    "br": "gzip, deflate, br, zstd",  # browsers
    "br refused": "br;q=0, gzip",
}
VARYING = {"date", "server", "request-id"}


@pytest.fixture(scope="module")
def app(curated_store: Path):
    app = create_app(Settings.from_env(store=curated_store, evaluators=2))
    yield app
    app.extensions["nolsi.service"].close()


def scope(method: str, parameters, content_type: str | None, accept: str, encoding: str = "") -> dict:
    headers = [(b"host", BASE.removeprefix("http://").encode())]
    if encoding:
        headers.append((b"accept-encoding", encoding.encode()))
    if content_type:
        headers.append((b"content-type", content_type.encode()))
    if accept:
        headers.append((b"accept", accept.encode()))
    return {
        "type": "http",
        "method": method,
        "path": "/sparql",
        "root_path": "",
        "scheme": "http",
        "query_string": urlencode(parameters).encode(),
        "headers": headers,
        "server": ("127.0.0.1", 8000),
    }


def fields(pairs) -> dict[str, str]:
    return {name.lower(): value for name, value in pairs if name.lower() not in VARYING}


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("name", REQUESTS)
def test_direct_answers_as_flask_does(app, name, encoding):
    method, parameters, content_type, body, accept = REQUESTS[name]
    asked = scope(method, parameters, content_type, accept, ENCODINGS[encoding])
    assert direct.answerable(asked)
    status, headers, payload = direct.respond(app.extensions["nolsi.service"], app.config["NOLSI"], asked, body)

    flask = app.test_client().open(
        "/sparql",
        method=method,
        base_url=BASE,
        query_string=urlencode(parameters),
        data=body,
        headers={
            k: v
            for k, v in (("Content-Type", content_type), ("Accept", accept), ("Accept-Encoding", ENCODINGS[encoding]))
            if v
        },
    )
    assert (status, payload) == (flask.status_code, flask.data), payload[:300]
    assert fields((k.decode(), v.decode()) for k, v in headers) == fields(flask.headers.items())


def test_direct_gives_its_request_id_and_writes_one_log_line(app, caplog):
    asked = scope("GET", {"query": "ASK {}"}, None, "")
    asked["headers"].append((b"request-id", b"trace-42"))
    with caplog.at_level("INFO", logger="nolsi.requests"):
        _, headers, _ = direct.respond(app.extensions["nolsi.service"], app.config["NOLSI"], asked, b"")
    assert (b"request-id", b"trace-42") in headers
    assert [r.getMessage() for r in caplog.records if '"trace-42"' in r.getMessage()] != []


@pytest.mark.parametrize(
    "change",
    [
        {"method": "HEAD"},
        {"method": "OPTIONS"},
        {"query_string": b""},  # the Service Description
        {"path": "/sparql/"},
        {"path": "/queries/x"},
        {"root_path": "/nolsi"},
        {"headers": [(b"origin", b"https://example.org")]},  # CORS is the Flask app's
        {"headers": [(b"if-none-match", b'"abc"')]},  # so are 304s
        {"headers": [(b"if-modified-since", b"Sat, 05 Dec 2026 19:02:32 GMT")]},
        {"headers": [(b"range", b"bytes=0-10")]},
        {"headers": [(b"accept", b"text/csv," * direct.accept.MAX_RANGES)]},  # Flask's 400
    ],
)
def test_other_requests_go_to_flask(change):
    asked = {**scope("GET", {"query": "ASK {}"}, None, ""), **change}
    assert not direct.answerable(asked)


def test_a_bare_post_is_direct_and_answered_as_flask_answers_it(app):
    """A POST without a query is the protocol's 400 (or 415), not the Service Description."""
    asked = scope("POST", {}, None, "")
    assert direct.answerable(asked)
    status, _, payload = direct.respond(app.extensions["nolsi.service"], app.config["NOLSI"], asked, b"")
    flask = app.test_client().post("/sparql", base_url=BASE)
    assert (status, payload) == (flask.status_code, flask.data)
    assert status == 415
