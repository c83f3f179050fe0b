"""The `nolsi` command as a user runs it: exit status, messages, and what it leaves on disk."""

from pathlib import Path

import pyoxigraph

from loader import store
from tests.conftest import FIXTURES, nolsi
from tests.test_store import tree_bytes

SAMPLE = FIXTURES / "valid" / "formats" / "sample.ttl"
NAMELESS = FIXTURES / "invalid" / "cli" / "nameless-infrastructure.ttl"


def test_build_of_files_reports_a_summary_and_serves_them(store_dir: Path):
    done = nolsi("build", "--no-shapes", "--store", store_dir, SAMPLE, FIXTURES / "valid" / "formats" / "sample.nq")
    assert done.returncode == 0, done.stderr
    assert "2 files, 3 graphs, 4 triples, 0 violations" in done.stdout
    built = pyoxigraph.Store.read_only(str(store.resolve(store_dir)))
    assert sorted(g.value for g in built.named_graphs()) == [
        "http://example.org/graph/one",
        "http://example.org/graph/two",
        "https://w3id.org/nolsi/graph/sample",
    ]
    assert len(built) == 4 + 2, "four quads in named graphs, and their two distinct triples as the default graph"


def test_syntax_error_is_one_line_and_leaves_the_store_untouched(store_dir: Path):
    assert nolsi("build", "--no-shapes", "--store", store_dir, SAMPLE).returncode == 0
    before = tree_bytes(store_dir)
    bad = FIXTURES / "invalid" / "syntax" / "undeclared-prefix.ttl"
    done = nolsi("build", "--no-shapes", "--store", store_dir, SAMPLE, bad)
    assert done.returncode == 1
    assert done.stderr == f"{bad}:4:1: The prefix foo: has not been declared\n"
    assert "Traceback" not in done.stdout + done.stderr
    assert tree_bytes(store_dir) == before


def test_shacl_violation_is_reported_and_leaves_the_store_untouched(store_dir: Path):
    assert nolsi("build", "--no-shapes", "--store", store_dir, SAMPLE).returncode == 0
    before = tree_bytes(store_dir)
    done = nolsi("build", "--store", store_dir, NAMELESS)
    assert done.returncode == 1
    assert "https://w3id.org/nolsi/id/ri/nameless" in done.stderr
    assert "Violation" in done.stderr and "prefLabel" in done.stderr
    assert "validation failed" in done.stderr and "the store was not changed" in done.stderr
    assert "Traceback" not in done.stderr
    assert tree_bytes(store_dir) == before


def test_validate_writes_nothing(tmp_path: Path):
    done = nolsi("validate", SAMPLE, env={"NOLSI_STORE": str(tmp_path / "store")})
    assert done.returncode == 0, done.stderr
    assert "valid: 1 files" in done.stdout
    assert not (tmp_path / "store").exists()


def test_validate_fails_on_a_violation():
    done = nolsi("validate", NAMELESS)
    assert done.returncode == 1
    assert "ri/nameless" in done.stderr


def test_every_option_is_documented_with_its_environment_variable():
    for command in ("build", "validate", "serve"):
        done = nolsi(command, "--help")
        assert done.returncode == 0
        options = [line.split()[0] for line in done.stdout.splitlines() if line.strip().startswith("--")]
        assert options, command
        assert " ".join(done.stdout.split()).count("env var: NOLSI_") == len(options), done.stdout


def test_options_can_come_from_the_environment(store_dir: Path):
    done = nolsi("build", SAMPLE, env={"NOLSI_STORE": str(store_dir), "NOLSI_SHAPES": "false"})
    assert done.returncode == 0, done.stderr
    assert store.resolve(store_dir).parent == store_dir / "builds"


def test_serve_refuses_a_damaged_store_at_once(store_dir: Path):
    assert nolsi("build", "--no-shapes", "--store", store_dir, SAMPLE).returncode == 0
    for table in store.resolve(store_dir).glob("*.sst"):
        table.write_bytes(b"garbage")
    done = nolsi("serve", "--store", store_dir, "--port", "1", timeout=60)
    assert done.returncode == 1
    assert "cannot be opened" in done.stderr and "nolsi build" in done.stderr
    assert "Traceback" not in done.stderr


def test_version_is_the_installed_one():
    import importlib.metadata

    done = nolsi("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"nolsi {importlib.metadata.version('nolsi')}"


ADHOC = "SELECT ?label WHERE { ?s <http://example.org/label> ?label }"


def test_query_runs_ad_hoc_sparql_as_text_or_file_on_the_local_store(store_dir: Path, tmp_path: Path):
    assert nolsi("build", "--no-shapes", "--store", store_dir, SAMPLE).returncode == 0
    done = nolsi("query", "--store", store_dir, "--sparql", ADHOC, "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["label", "TSD"]
    query_file = tmp_path / "labels.rq"
    query_file.write_text(
        "# the labels\nSELECT ?label ?rank WHERE {\n  ?s ex:label ?label ; ex:rank ?rank\n}\n".replace(
            "ex:label", "<http://example.org/label>"
        ).replace("ex:rank", "<http://example.org/rank>")
    )
    done = nolsi("query", "--store", store_dir, "--sparql", query_file)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["label", "rank"] and "TSD" in done.stdout and "(1 rows)" in done.stdout
    # predeclared prefixes and the one-line syntax error, as on the web
    done = nolsi("query", "--store", store_dir, "--sparql", "ASK { ?s rdfs:label ?o }", "--format", "json")
    assert done.returncode == 0 and '"boolean":false' in done.stdout.replace(" ", "")
    done = nolsi("query", "--store", store_dir, "--sparql", "SELECT ?x WHERE { ?x foo:bar 1 }")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "nolsi: Malformed query: line 1, column 22: unknown prefix 'foo:'; declare it with a PREFIX line"
    ]


def test_query_needs_a_name_or_sparql_and_params_only_with_a_name(store_dir: Path):
    assert nolsi("query", "--store", store_dir).returncode == 2
    assert nolsi("query", "research-infrastructures", "--sparql", ADHOC, "--store", store_dir).returncode == 2
    done = nolsi("query", "--sparql", ADHOC, "--param", "a=b", "--store", store_dir)
    assert done.returncode == 1 and "--param is for saved queries" in done.stderr


def test_saved_query_still_runs_with_its_parameters(store_dir: Path):
    assert nolsi("build", "--no-shapes", "--store", store_dir, SAMPLE).returncode == 0
    done = nolsi(
        "query", "services-for-classification", "--param", "level=red", "--store", store_dir, "--format", "csv"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("level,service")  # the columns; the sample has no services
    done = nolsi("query", "services-for-classification", "--param", "level=purple", "--store", store_dir)
    assert done.returncode == 1 and "parameter 'level'" in done.stderr


def test_query_asks_another_server_over_the_protocol(oxigraph_server: str):
    """Against a real Oxigraph server: ad-hoc SPARQL, a saved query with its parameters bound into
    the text, and the server's own error message."""
    import requests

    loaded = requests.post(
        oxigraph_server + "/store?default",
        data=SAMPLE.read_bytes(),
        headers={"Content-Type": "text/turtle"},
        timeout=10,
    )
    assert loaded.status_code in (200, 201, 204), loaded.text
    endpoint = oxigraph_server + "/query"
    done = nolsi("query", "--sparql", ADHOC, "--endpoint", endpoint, "--format", "csv", "--store", "/nonexistent")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["label", "TSD"]
    done = nolsi("query", "--sparql", ADHOC, "--endpoint", endpoint)
    assert done.returncode == 0 and "TSD" in done.stdout and "(1 rows)" in done.stdout
    done = nolsi(
        "query", "services-for-classification", "--param", "level=red", "--endpoint", endpoint, "--format", "tsv"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("?level\t?service")
    done = nolsi("query", "--sparql", "SELECT WHERE {", "--endpoint", endpoint)
    assert done.returncode == 1 and done.stderr.startswith(f"nolsi: {endpoint} answered 400")
    done = nolsi("query", "--sparql", ADHOC, "--endpoint", "http://127.0.0.1:9/sparql")
    assert done.returncode == 1 and "cannot reach" in done.stderr


def test_both_validators_report_the_same_violations():
    compiled = nolsi("validate", NAMELESS)
    reference = nolsi("validate", "--validator", "pyshacl", NAMELESS)
    assert compiled.returncode == reference.returncode == 1
    assert compiled.stderr == reference.stderr
    assert "ri/nameless" in compiled.stderr


def test_progress_on_a_terminal_and_none_otherwise(store_dir: Path):
    import os
    import pty
    import subprocess
    import sys

    quiet = nolsi("build", "--store", store_dir, SAMPLE)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "", "nothing but errors on stderr when it is not a terminal"
    assert quiet.stdout.startswith("built "), "the summary line"

    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "loader.cli", "build", "--store", str(store_dir), str(SAMPLE)],
        stdout=subprocess.PIPE,
        stderr=secondary,
        cwd=Path(__file__).resolve().parent.parent,
    )
    os.close(secondary)
    shown = b""
    while True:  # read while it writes: a terminal holds only a few kilobytes
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the other end is closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert process.wait(timeout=300) == 0
    text = shown.decode()
    for step in ("read 1 files", "validated: 0 violations", "writing store"):
        assert step in text, text


def test_build_from_a_missing_or_empty_data_folder_is_refused(store_dir: Path, tmp_path: Path):
    """It built the ontology alone, reported 0 data files and exit 0, and switched that in."""
    assert nolsi("build", "--no-shapes", "--store", store_dir, SAMPLE).returncode == 0
    before = tree_bytes(store_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not RDF")
    for folder, message in (
        (tmp_path / "nonexistent", "no such data folder"),
        (empty, "the data folder holds no Turtle file (*.ttl); nothing to build"),
    ):
        for command in ("build", "validate"):
            options = ("--store", store_dir) if command == "build" else ()
            done = nolsi(command, *options, "--data-dir", folder)
            assert done.returncode == 1, (command, folder, done.stdout)
            assert done.stderr.strip().splitlines() == [
                f"{folder}: {message}"
                + ("; point --data-dir (or NOLSI_DATA_DIR) at the folder of data files" if "no such" in message else "")
            ]
            assert done.stdout == ""
    done = nolsi("build", "--store", store_dir, env={"NOLSI_DATA_DIR": str(tmp_path / "nonexistent")})
    assert done.returncode == 1 and "no such data folder" in done.stderr
    assert tree_bytes(store_dir) == before
