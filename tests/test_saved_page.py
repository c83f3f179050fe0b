"""The saved-query page model (sparql_api/saved_page.py), built without HTTP from the real graph."""

from __future__ import annotations

import csv
import io
import threading
import time
from pathlib import Path

import pyoxigraph
import pytest

from loader.namespaces import ID
from loader.settings import Settings
from sparql_api import saved_page
from sparql_api.app import create_app
from tests.test_queries import expected


@pytest.fixture(scope="module")
def app(curated_store: Path):
    app = create_app(Settings.from_env(store=curated_store, evaluators=1))
    yield app
    app.extensions["nolsi.service"].close()


def page_of(app, name: str, values: dict[str, str] | None = None) -> tuple[saved_page.QueryPage, int]:
    query = app.extensions["nolsi.queries"][name]
    with app.test_request_context(f"/queries/{name}"):
        return saved_page.query_page(query, query.examples() if values is None else values)


def test_a_table_has_the_answer_rows_with_iris_labelled_and_linked_here(app):
    page, status = page_of(app, "infrastructure-nodes")
    assert status == 200 and page.error is None and page.table is not None
    rows = list(csv.reader(io.StringIO(expected("infrastructure-nodes"))))
    assert page.table.columns == rows[0]
    assert page.table.total == len(page.table.rows) == len(rows) - 1
    cells = {cell for row in page.table.rows for cell in row if cell is not None and cell.iri}
    assert saved_page.Cell("ELIXIR Norway", f"{ID}ri/elixir-norway", "/doc/ri/elixir-norway") in cells
    assert not [cell for cell in cells if cell.external and cell.iri.startswith(ID)]


def test_downloads_carry_the_values_of_the_page(app):
    page, status = page_of(app, "services-for-classification", {"level": "red"})
    assert status == 200 and page.table is not None
    assert page.downloads == [
        (label, f"/queries/services-for-classification.{suffix}?level=red")
        for label, suffix in saved_page.TABLE_DOWNLOADS
    ]


def test_an_ask_query_is_a_yes_or_no(app):
    query = next(q for q in app.extensions["nolsi.queries"].values() if q.form == "ASK")
    page, status = page_of(app, query.name)
    assert status == 200 and page.table is None
    assert page.boolean is (expected(query.name).strip() == "true")


def test_a_missing_required_value_is_a_400_page_that_names_it(app):
    page, status = page_of(app, "services-for-classification", {"level": ""})
    assert status == 400 and page.table is None
    assert page.error is not None and "'level' is required" in page.error
    assert page.values == {"level": ""}  # the form shows what was sent


def test_a_construct_query_shows_its_graph_with_the_triple_count(app):
    page, status = page_of(app, "entity-neighbourhood")
    triples = len(expected("entity-neighbourhood").splitlines())
    assert status == 200 and page.graph is not None and page.graph.triples == triples > 0
    assert not page.graph.cut
    assert len(list(pyoxigraph.parse(page.graph.text, format=pyoxigraph.RdfFormat.TURTLE))) == triples


def test_a_query_that_gets_no_answer_is_a_503_page_that_keeps_the_form(curated_store: Path):
    """The only evaluator is busy with a runaway for longer than a query may wait for one: the page
    says why, with its form and values, instead of a bare error."""
    settings = Settings.from_env(store=curated_store, evaluators=1, query_timeout=3, queue_wait=0.2, cache_bytes=0)
    app = create_app(settings)
    pool = app.extensions["nolsi.service"].pool
    runaway = threading.Thread(
        target=app.test_client().get,
        args=("/sparql",),
        kwargs={"query_string": {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}},
    )
    runaway.start()
    try:
        deadline = time.monotonic() + 30
        while pool._slots.free and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not pool._slots.free, "the runaway never took the evaluator"
        page, status = page_of(app, "services-for-classification", {"level": "red"})
        assert status == 503 and page.table is None and page.values == {"level": "red"}
        assert page.error is not None and "stayed busy" in page.error
    finally:
        runaway.join()
        app.extensions["nolsi.service"].close()
