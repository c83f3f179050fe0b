from pathlib import Path

import pytest

from loader import read
from loader.namespaces import GRAPH
from tests.conftest import FIXTURES

FORMATS = sorted((FIXTURES / "valid" / "formats").iterdir())
SYNTAX_ERRORS = {
    "unterminated-string.ttl": (2, 11, "Unexpected end of file"),
    "undeclared-prefix.ttl": (4, 1, "The prefix foo: has not been declared"),
    "missing-object.nt": (1, 47, "The object of a triple must be"),
    "truncated.jsonld": (2, 1, "Unexpected end of file"),
    "unclosed.rdf": (None, None, "expected `</rdf:Description>`"),
}


@pytest.mark.parametrize("path", FORMATS, ids=lambda p: p.name)
def test_every_syntax_gives_the_same_facts(path: Path):
    dataset = read.read(read.file_sources([path]))
    facts = sorted((str(q.subject), str(q.predicate), str(q.object)) for q in dataset)
    assert facts == [
        ("<http://example.org/tsd>", "<http://example.org/label>", '"TSD"@en'),
        ("<http://example.org/tsd>", "<http://example.org/rank>", '"4"^^<http://www.w3.org/2001/XMLSchema#integer>'),
    ]


@pytest.mark.parametrize("path", FORMATS, ids=lambda p: p.name)
def test_triple_files_go_to_their_own_graph_and_quad_files_keep_theirs(path: Path):
    graphs = {q.graph_name.value for q in read.read(read.file_sources([path]))}
    if path.suffix in {".nq", ".trig"}:
        assert graphs == {"http://example.org/graph/one", "http://example.org/graph/two"}
    else:
        assert graphs == {str(GRAPH["sample"])}


@pytest.mark.parametrize("name", sorted(SYNTAX_ERRORS))
def test_syntax_error_names_file_line_and_column(name: str):
    path = FIXTURES / "invalid" / "syntax" / name
    with pytest.raises(read.ReadError) as caught:
        read.read(read.file_sources([path]))
    line, column, message = SYNTAX_ERRORS[name]
    error = caught.value
    assert (error.path, error.line, error.column) == (path, line, column)
    assert message in error.message
    where = f":{line}:{column}" if line else ""
    assert str(error).startswith(f"{path}{where}: ")
    assert "\n" not in str(error)


def test_unknown_extension_is_refused(tmp_path: Path):
    path = tmp_path / "facts.txt"
    path.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    with pytest.raises(read.ReadError, match=r"unknown RDF file extension '\.txt'"):
        read.read(read.file_sources([path]))


def test_missing_file_is_reported(tmp_path: Path):
    with pytest.raises(read.ReadError, match="No such file"):
        read.read(read.file_sources([tmp_path / "absent.ttl"]))


def test_blank_nodes_of_two_files_stay_apart(tmp_path: Path):
    for name in ("one", "two"):
        (tmp_path / f"{name}.ttl").write_text('_:b0 <http://example.org/p> "x" .\n')
    dataset = read.read(read.file_sources(sorted(tmp_path.glob("*.ttl"))))
    assert len({q.subject for q in dataset}) == 2


def test_project_sources_put_each_data_file_in_its_graph(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "ontology" / "vocab").mkdir(parents=True)
    for path in ("data/rdmkit.ttl", "ontology/nolsi.ttl", "ontology/vocab/role.ttl"):
        (tmp_path / path).write_text("")
    sources = read.project_sources(tmp_path / "data", tmp_path / "ontology")
    assert {(s.path.relative_to(tmp_path).as_posix(), s.graph) for s in sources} == {
        ("data/rdmkit.ttl", GRAPH["rdmkit"]),
        ("ontology/nolsi.ttl", GRAPH["ontology"]),
        ("ontology/vocab/role.ttl", GRAPH["vocab-role"]),
    }


def test_project_sources_refuse_a_missing_or_empty_data_folder(tmp_path: Path):
    (tmp_path / "ontology").mkdir()
    with pytest.raises(read.ReadError, match="no such data folder"):
        read.project_sources(tmp_path / "data", tmp_path / "ontology")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "README.md").write_text("")
    with pytest.raises(read.ReadError, match=r"holds no Turtle file"):
        read.project_sources(tmp_path / "data", tmp_path / "ontology")
