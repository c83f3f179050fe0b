"""Compressed answers on the real graph: each kind of response, the coding the client prefers,
correct HTTP around it (Vary, its own ETag and 304, the compressed length), release files as they are.

Bodies are read raw (`decode_content=False`) and decompressed here, so the tests see the bytes sent.
"""

from __future__ import annotations

import gzip
import hashlib
import random
from urllib.parse import quote

import brotli
import pytest
import requests
from flask import Flask

from sparql_api import compression, editor, errors

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 500"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 500"
# path, Accept: every kind of answer the server writes itself
ANSWERS = [
    ("/", "text/html"),
    ("/doc/ri/elixir-norway", "text/html"),
    ("/doc/ri/elixir-norway", "text/turtle"),
    ("/doc/ri/elixir-norway", "application/ld+json"),
    ("/.well-known/void", "application/rdf+xml"),
    ("/queries/services-for-classification.csv?level=red", "*/*"),
    ("/queries", "text/html"),
    ("/api/openapi.json", "*/*"),
    ("/ontology", "text/html"),
    (f"/sparql?query={quote(SELECT)}", "application/sparql-results+json"),
    (f"/sparql?query={quote(SELECT)}", "application/sparql-results+xml"),
    (f"/sparql?query={quote(SELECT)}", "text/csv"),
    (f"/sparql?query={quote(SELECT)}", "text/tab-separated-values"),
    (f"/sparql?query={quote(CONSTRUCT)}", "application/n-triples"),
]
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}


def get(url: str, accept: str, encoding: str, **headers) -> tuple[requests.Response, bytes]:
    response = requests.get(
        url, headers={"Accept": accept, "Accept-Encoding": encoding, **headers}, stream=True, timeout=30
    )
    return response, response.raw.read(decode_content=False)


def vary(response: requests.Response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("path, accept", ANSWERS)
@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_answers_are_compressed_with_their_own_etag_length_and_vary(curated, path: str, accept: str, coding: str):
    plain, identity = get(curated.base + path, accept, "identity")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert int(plain.headers["Content-Length"]) == len(identity) >= compression.MIN_BYTES
    assert "accept-encoding" in vary(plain)  # the body depends on it, even when not compressed

    packed, body = get(curated.base + path, accept, coding)
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == coding
    assert int(packed.headers["Content-Length"]) == len(body) < len(identity)
    assert DECODE[coding](body) == identity
    assert packed.headers["Content-Type"] == plain.headers["Content-Type"]
    assert "accept-encoding" in vary(packed) and "Accept-Ranges" not in packed.headers
    if "ETag" in plain.headers:
        assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + f':{coding}"'


def test_a_compressed_etag_revalidates_only_in_its_own_coding(curated):
    url = curated.base + "/doc/ri/elixir-norway"
    first, _ = get(url, "text/html", "gzip, deflate, br")
    etag = first.headers["ETag"]
    assert etag.endswith(':br"') and not etag.startswith("W/")
    again, body = get(url, "text/html", "gzip, deflate, br", **{"If-None-Match": etag})
    assert again.status_code == 304 and body == b""
    assert again.headers["ETag"] == etag and "accept-encoding" in vary(again)
    other, body = get(url, "text/html", "gzip", **{"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["Content-Encoding"] == "gzip" and gzip.decompress(body)
    plain, body = get(url, "text/html", "identity", **{"If-None-Match": etag})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers and b"<html" in body
    identity_etag = plain.headers["ETag"]
    assert get(url, "text/html", "identity", **{"If-None-Match": identity_etag})[0].status_code == 304
    sparql = f"{curated.base}/sparql?query={quote(SELECT)}"
    tagged = get(sparql, "text/csv", "gzip")[0].headers["ETag"]
    revalidated = get(sparql, "text/csv", "gzip", **{"If-None-Match": tagged})[0]
    assert revalidated.status_code == 304 and "accept-encoding" in vary(revalidated)


@pytest.mark.parametrize(
    "accept_encoding, coding",
    [
        ("gzip, deflate, br, zstd", "br"),  # browsers: equal q, the server's order
        ("gzip, deflate", "gzip"),  # curl --compressed without Brotli, Python's requests
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("*", "br"),
        ("br;q=0, gzip;q=0", None),  # q=0 refuses a coding
        ("*;q=0", None),
        ("identity", None),
        ("", None),
        ("compress, deflate", None),
    ],
)
def test_the_coding_follows_the_clients_q_values(curated, accept_encoding: str, coding: str | None):
    response, body = get(curated.base + "/doc/ri/elixir-norway", "text/html", accept_encoding)
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == coding
    assert b"ELIXIR" in (DECODE[coding](body) if coding else body)


@pytest.mark.parametrize("name", ["nolsi-{v}.nq.gz", "nolsi-{v}.ttl.gz", "void.ttl", "SHA256SUMS"])
def test_release_files_are_sent_as_they_are(curated, name: str):
    name = name.format(v=curated.version)
    file = (curated.release / name).read_bytes()
    response, body = get(f"{curated.base}/releases/{curated.version}/{name}", "*/*", "gzip, deflate, br")
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert body == file and int(response.headers["Content-Length"]) == len(file)
    assert response.headers["Accept-Ranges"] == "bytes" and "accept-encoding" not in vary(response)
    if name != "SHA256SUMS":
        assert response.headers["ETag"] == f'"{hashlib.sha256(file).hexdigest()}"'
    ranged, part = get(f"{curated.base}/releases/{curated.version}/{name}", "*/*", "gzip, br", Range="bytes=0-99")
    assert ranged.status_code == 206 and part == file[:100]


def test_small_answers_are_not_compressed(curated):
    response, body = get(curated.base + "/-/health", "*/*", "gzip, br")
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert len(body) < compression.MIN_BYTES and "accept-encoding" not in vary(response)


def test_head_gives_the_compressed_length(curated):
    url = curated.base + "/doc/ri/elixir-norway"
    got, body = get(url, "text/html", "gzip")
    head = requests.head(url, headers={"Accept": "text/html", "Accept-Encoding": "gzip"}, timeout=30)
    assert head.headers["Content-Encoding"] == "gzip"
    assert int(head.headers["Content-Length"]) == int(got.headers["Content-Length"]) == len(body)


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_streamed_browser_file_is_compressed_as_it_streams(coding: str):
    app = Flask(__name__)
    errors.init_app(app)
    compression.init_app(app)
    app.register_blueprint(editor.bp)
    with app.test_client() as client:
        response = client.get("/static/yasgui/yasgui.min.js", headers={"Accept-Encoding": coding}, buffered=False)
        assert response.is_streamed and response.headers["Content-Encoding"] == coding
        assert "Content-Length" not in response.headers and "Accept-Ranges" not in response.headers
        chunks = list(response.iter_encoded())
        response.close()
    assert len(chunks) > 2  # several pieces, sent as they come
    assert DECODE[coding](b"".join(chunks)) == (editor.BUILD / "yasgui.min.js").read_bytes()
    etag = response.headers["ETag"]
    assert etag.endswith(f':{coding}"')
    again = app.test_client().get(
        "/static/yasgui/yasgui.min.js", headers={"Accept-Encoding": coding, "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.data == b""


# --- compressed answers kept -------------------------------------------------------------------------


def test_a_large_answer_is_compressed_once_and_kept_for_its_etag(curated_store):
    """A query answer over KEEP_FROM bytes, asked twice (the second time from the answer cache): the
    compressed body is made once, kept under its identity ETag and coding, and sent again as it is."""
    from loader.settings import Settings
    from sparql_api.app import create_app

    app = create_app(Settings.from_env(store=curated_store, evaluators=1))
    try:
        client = app.test_client()
        query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 3000"
        headers = {"Accept": "application/sparql-results+json", "Accept-Encoding": "gzip"}
        first = client.get("/sparql", query_string={"query": query}, headers=headers)
        identity = client.get("/sparql", query_string={"query": query}, headers={"Accept": headers["Accept"]})
        assert first.status_code == identity.status_code == 200 and len(identity.data) > compression.KEEP_FROM
        tag = identity.headers["ETag"].strip('"')
        assert compression._kept[(tag, "gzip")] == first.data
        again = client.get("/sparql", query_string={"query": query}, headers=headers)
        assert again.data == first.data and gzip.decompress(again.data) == identity.data
    finally:
        app.extensions["nolsi.service"].close()


def test_kept_bodies_stay_within_their_budget(monkeypatch):
    monkeypatch.setattr(compression, "KEEP_BYTES", 3 * compression.KEEP_FROM)
    monkeypatch.setattr(compression, "_kept", compression.OrderedDict())
    monkeypatch.setattr(compression, "_kept_size", 0)
    bodies = [random.Random(n).randbytes(compression.KEEP_FROM) for n in range(8)]  # incompressible
    for n, body in enumerate(bodies):
        assert gzip.decompress(compression.compressed(body, "gzip", f"tag-{n}")) == body
    assert compression._kept_size == sum(len(b) for b in compression._kept.values()) <= compression.KEEP_BYTES
    assert ("tag-7", "gzip") in compression._kept and ("tag-0", "gzip") not in compression._kept
    small = b"x" * 100
    compression.compressed(small, "br", "small")
    assert ("small", "br") not in compression._kept  # small bodies compress quickly: not kept
