"""The notebook client and the example notebook, against a live server on the curated graph."""

import os

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from sparql_api.client import Client, NolsiError
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def nolsi(curated_server) -> Client:
    return Client(curated_server)


def test_catalogue_lists_every_saved_query(nolsi: Client):
    listed = nolsi.queries()
    assert "services-for-classification" in set(listed["name"])
    assert listed["title"].map(bool).all()


def test_saved_query_gives_typed_columns(nolsi: Client):
    red = nolsi.run("services-for-classification", level="red")
    assert {"service", "name", "maxLevel"} <= set(red.columns)
    assert set(red["maxLevel"]) <= {"red", "black"}
    assert "https://w3id.org/nolsi/id/service/tsd" in set(red["service"])
    assert str(red["name"].dtype) == "string"


def test_counts_are_integers(nolsi: Client):
    counts = nolsi.sparql(
        "SELECT (COUNT(*) AS ?n) (1.5 AS ?x) (true AS ?b) "
        "('2020-10-29'^^<http://www.w3.org/2001/XMLSchema#date> AS ?d) WHERE { ?s ?p ?o }"
    )
    assert str(counts["n"].dtype) == "Int64" and counts["n"][0] > 1000
    assert str(counts["x"].dtype) == "Float64" and counts["x"][0] == 1.5
    assert str(counts["b"].dtype) == "boolean" and counts["b"][0]
    assert counts["d"][0] == pd.Timestamp("2020-10-29")


def test_bad_value_raises_with_the_servers_reason(nolsi: Client):
    with pytest.raises(
        NolsiError, match="400: parameter 'level': 'purple' is not allowed; expected one of: green, yellow, red, black"
    ):
        nolsi.run("services-for-classification", level="purple")


def test_quickstart_notebook_runs(curated_server):
    notebook = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    env = {"NOLSI_URL": curated_server, "PYTHONPATH": str(ROOT)}
    os.environ.update(env)
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert "tsd" in str(outputs)
