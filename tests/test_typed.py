"""Oxigraph's results as they are used (loader/typed.py): the bytes of a serialiser, the solutions of a SELECT."""

from __future__ import annotations

import pyoxigraph
import pytest

from loader.typed import in_memory, solutions

STORE = pyoxigraph.Store()
STORE.add(
    pyoxigraph.Quad(
        pyoxigraph.NamedNode("http://example.org/s"),
        pyoxigraph.NamedNode("http://example.org/p"),
        pyoxigraph.Literal("o"),
    )
)


def test_in_memory_gives_the_serialisers_bytes():
    written = pyoxigraph.serialize(STORE, format=pyoxigraph.RdfFormat.N_QUADS)
    assert in_memory(written) == b'<http://example.org/s> <http://example.org/p> "o" .\n'


def test_in_memory_refuses_a_serialiser_that_wrote_to_a_file(tmp_path):
    written = pyoxigraph.serialize(STORE, tmp_path / "out.nq", format=pyoxigraph.RdfFormat.N_QUADS)
    with pytest.raises(TypeError, match="without `output`"):
        in_memory(written)


def test_solutions_of_a_select():
    rows = solutions(STORE.query("SELECT ?o WHERE { ?s ?p ?o }"))
    assert [row["o"] for row in rows] == [pyoxigraph.Literal("o")]


@pytest.mark.parametrize("query", ["ASK { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }"])
def test_solutions_refuses_other_query_forms(query):
    with pytest.raises(TypeError, match="a SELECT query was expected"):
        solutions(STORE.query(query))
