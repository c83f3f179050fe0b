"""The notebook client (client/, its own distribution) and the example notebook, against a live server
on the curated graph; the notebook runs as a user runs it, in a Python where only the client is installed."""

import email.parser
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from nolsi_client import Client, NolsiError
from packaging.requirements import Requirement

from tests.conftest import ROOT

CLIENT = ROOT / "client"


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


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*map(str, args)], check=False, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def client_wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("client-wheel")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", out, CLIENT)
    assert built.returncode == 0, built.stderr[-3000:]
    return next(out.glob("nolsi_client-*.whl"))


def test_the_client_distribution_needs_only_pandas_and_requests(client_wheel: Path):
    with zipfile.ZipFile(client_wheel) as wheel:
        names = wheel.namelist()
        metadata = email.parser.Parser().parsestr(
            wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        )
    required = {Requirement(line).name.lower() for line in metadata.get_all("Requires-Dist", [])}
    assert required == {"pandas", "requests"}
    assert [n for n in names if not n.startswith("nolsi_client-")] == ["nolsi_client.py"]


def test_quickstart_notebook_runs_where_only_the_client_is_installed(
    curated_server, client_wheel: Path, tmp_path: Path
):
    """A fresh venv with the client's wheel installed, and the test venv's packages (pandas, requests,
    Jupyter's kernel) reachable by a path line only, so this checkout's own packages are not: the
    notebook runs in a kernel of that Python, from a folder outside the checkout."""
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", "--without-pip", venv).returncode == 0
    python = venv / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (purelib / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", client_wheel)
    assert installed.returncode == 0, installed.stderr[-3000:]
    server_code = run(python, "-c", "import sparql_api", cwd=tmp_path)
    assert "No module named 'sparql_api'" in server_code.stderr

    executed = tmp_path / "executed.ipynb"
    script = (
        "import sys, nbformat; from nbclient import NotebookClient; "
        "nb = nbformat.read(sys.argv[1], as_version=4); "
        "NotebookClient(nb, timeout=120, kernel_name='python3', resources={'metadata': {'path': '.'}}).execute(); "
        "nbformat.write(nb, sys.argv[2])"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NOLSI_URL": curated_server}
    done = run(python, "-c", script, ROOT / "notebooks" / "quickstart.ipynb", executed, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-5000:]
    notebook = executed.read_text()
    assert '"output_type": "error"' not in notebook
    assert "/id/service/tsd" in notebook  # the saved query's answer, shown
