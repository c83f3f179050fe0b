"""One query job, as an evaluator process runs it (sparql_api/evaluator.py `evaluate`), called directly
on an in-memory store, and a pool turning a stopped evaluator over. The evaluator processes under load
(time limit, memory, killed workers, admission) are proved on a live server in tests/test_reliability.py
and tests/test_serving.py."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace

import pyoxigraph
import pytest
from pyoxigraph import Literal, NamedNode, Quad

from loader import layout
from sparql_api import evaluator
from sparql_api.evaluator import Embedded, Job, Pool, QueryTimeout

EX = "http://example.org/"
STORE = pyoxigraph.Store()
for n in range(10):
    STORE.add(Quad(NamedNode(f"{EX}s{n}"), NamedNode(f"{EX}p"), Literal(n), NamedNode(f"{EX}g")))
SOURCE = Embedded(STORE)


def job(
    query: str, solutions: str | None = "csv", graphs: str | None = "ntriples", row_limit: int = 100, **more
) -> Job:
    return Job("", query, None, None, solutions, graphs, row_limit, **more)


def test_solutions_are_cut_at_the_row_limit_and_say_so():
    answer = evaluator.evaluate(SOURCE, job("SELECT ?a ?b WHERE { GRAPH ?g { ?a ?p ?x . ?b ?q ?y } }", row_limit=7))
    assert (answer.status, answer.kind, answer.rows, answer.truncated) == (200, "solutions", 7, True)
    assert answer.body.decode().splitlines()[0] == "a,b" and answer.body.count(b"\n") == 8


def test_a_result_within_the_limit_is_whole_in_the_format_asked():
    answer = evaluator.evaluate(SOURCE, job("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", solutions="json"))
    assert (answer.status, answer.rows, answer.truncated, answer.media_type) == (
        200,
        10,
        False,
        "application/sparql-results+json",
    )
    assert len(list(pyoxigraph.parse_query_results(answer.body, format=pyoxigraph.QueryResultsFormat.JSON))) == 10


def test_graphs_are_cut_too():
    answer = evaluator.evaluate(SOURCE, job("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", row_limit=3))
    assert (answer.kind, answer.rows, answer.truncated) == ("graph", 3, True)
    assert len(list(pyoxigraph.parse(answer.body, format=pyoxigraph.RdfFormat.N_TRIPLES))) == 3


def test_ask_is_one_boolean():
    answer = evaluator.evaluate(SOURCE, job(f"ASK {{ GRAPH ?g {{ <{EX}s3> ?p 3 }} }}", solutions="tsv"))
    assert (answer.status, answer.kind, answer.body) == (200, "boolean", b"true")


@pytest.mark.parametrize(
    "query, solutions, graphs",
    [("ASK {}", None, "ntriples"), ("CONSTRUCT WHERE { ?s ?p ?o }", "csv", None)],
)
def test_a_form_the_client_cannot_read_is_a_406_naming_what_is_offered(query, solutions, graphs):
    answer = evaluator.evaluate(SOURCE, job(query, solutions, graphs))
    assert answer.status == 406 and b"offered: " in answer.body


def test_an_answer_over_the_byte_limit_is_refused():
    answer = evaluator.evaluate(SOURCE, job("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"), answer_bytes=100)
    assert answer.status == 503 and b"larger than the 100 bytes" in answer.body


def test_a_syntax_error_is_a_400_counted_in_the_query_as_sent():
    answer = evaluator.evaluate(SOURCE, job("SELECT * WHERE { ?s ?p }"))
    assert answer.status == 400 and answer.body.startswith(b"Malformed query: line 1, column 25: ")


def test_service_is_refused_before_the_engine_sees_it():
    answer = evaluator.evaluate(SOURCE, job("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"))
    assert 400 <= answer.status < 500 and answer.media_type == "text/plain"


def test_substitutions_are_bound_as_values():
    answer = evaluator.evaluate(
        SOURCE,
        job("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", substitutions=(("s", NamedNode(f"{EX}s4")),)),
    )
    assert answer.status == 200 and answer.body.decode().splitlines() == ["o", "4"]


def test_an_unknown_function_is_a_400():
    answer = evaluator.evaluate(SOURCE, job(f"SELECT (<{EX}nofunction>(1) AS ?x) WHERE {{}}"))
    assert answer.status == 400, answer.body


def ended(pid: int) -> bool:
    """Whether process `pid` has exited with all its threads: gone, or a zombie nobody has reaped yet.
    (A zombie leader whose other threads are still exiting has not ended: its pidfd is not readable yet,
    and the memory they hold is not given back.)"""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rpartition(")")[2].split()[0]
        return state in ("Z", "X") and len(os.listdir(f"/proc/{pid}/task")) == 1
    except (FileNotFoundError, ProcessLookupError):
        return True


@pytest.mark.parametrize("stopped_by", ["memory", "time"])
def test_a_stopped_query_s_evaluator_is_gone_before_its_successor_starts(curated, stopped_by: str):
    """A pool of one on the real graph: a sorted cross product, which grows by about a gigabyte a
    second, is stopped at its memory budget or its time limit. When the client is answered the
    process that ran it has exited and given its memory back, so the pool never holds more
    evaluators (processes, memory) than its size, even while one turns over."""
    limits = evaluator.Limits(memory_bytes=(256 << 20) if stopped_by == "memory" else (16 << 30))
    pool = Pool(1, limits)
    try:
        runaway = Job(
            str(layout.build(curated.store, curated.version)),
            "SELECT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1",
            None,
            None,
            "json",
            None,
            10,
        )
        assert pool.run(replace(runaway, query="ASK {}"), 5).status == 200
        (first,) = pool._idle
        if stopped_by == "memory":
            assert pool.run(runaway, 30).status == 503
        else:
            with pytest.raises(QueryTimeout):
                pool.run(runaway, 0.6)
        assert ended(first.pid)
    finally:
        pool.close()


def test_a_pool_whose_zygote_and_evaluator_were_killed_answers_with_new_ones(curated):
    """Killed from outside while idle (an OOM killer, an operator): the next query finds its
    evaluator gone before the query started, and is answered by a new zygote's evaluator."""
    pool = Pool(1)
    try:
        ask = Job(str(layout.build(curated.store, curated.version)), "ASK {}", None, None, "json", None, 10)
        assert pool.run(ask, 5).status == 200
        (idle,) = pool._idle
        zygote = pool.prepare(ask.store).process
        os.kill(idle.pid, signal.SIGKILL)
        zygote.kill()
        zygote.join()
        deadline = time.monotonic() + 10  # SIGKILL is not instant: the evaluator must have ended, not be ending
        while not ended(idle.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ended(idle.pid)
        answer = pool.run(ask, 5)
        assert (answer.status, answer.body) == (200, b'{"head":{},"boolean":true}')
        assert pool.prepare(ask.store).process.pid != zygote.pid
    finally:
        pool.close()
