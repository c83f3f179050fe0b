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
        "http://example.org/graph/one", "http://example.org/graph/two", "https://w3id.org/nolsi/graph/sample"]
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
