"""`nolsi push` into a real Oxigraph server started here, which then answers as nolsi does."""

import shutil
from pathlib import Path

import requests

from loader import store
from tests.conftest import nolsi, reserved_port

COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
LABELS = (
    "SELECT ?ri ?label WHERE { ?ri a <https://w3id.org/nolsi/ontology#ResearchInfrastructure> ; "
    "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label } ORDER BY ?ri ?label"
)


def answers(url: str, query: str) -> list[dict]:
    response = requests.post(
        url, data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=60
    )
    response.raise_for_status()
    return response.json()["results"]["bindings"]


def test_pushed_release_answers_like_nolsi(curated, oxigraph_server):
    done = nolsi("push", "--store", curated.store, "--to", oxigraph_server + "/store")
    assert done.returncode == 0, done.stderr
    assert f"pushed {curated.version}" in done.stdout
    for query in (COUNTS, LABELS):
        assert answers(oxigraph_server + "/query", query) == answers(curated.base + "/sparql", query)


def test_pushing_twice_replaces_rather_than_adds(curated, oxigraph_server):
    for _ in range(2):
        assert nolsi("push", "--store", curated.store, "--to", oxigraph_server + "/store").returncode == 0
    assert answers(oxigraph_server + "/query", COUNTS) == answers(curated.base + "/sparql", COUNTS)


def test_an_unreachable_server_is_a_clear_error(curated):
    with reserved_port() as closed:
        done = nolsi("push", "--store", curated.store, "--to", f"http://127.0.0.1:{closed}/store")
    assert done.returncode == 1
    assert done.stderr.startswith("nolsi: PUT http://127.0.0.1:") and "failed" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_store_without_release_is_a_clear_error(tmp_path):
    assert (
        nolsi(
            "build",
            "--no-shapes",
            "--store",
            tmp_path / "s",
            Path(__file__).parent / "fixtures/valid/formats/sample.ttl",
        ).returncode
        == 0
    )
    shutil.rmtree(tmp_path / "s" / "releases")
    done = nolsi("push", "--store", tmp_path / "s", "--to", "http://127.0.0.1:9/store")
    assert done.returncode == 1 and "no release folder" in done.stderr
    assert store.resolve(tmp_path / "s")
