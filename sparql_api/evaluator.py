"""Query evaluation in killable worker processes.

pyoxigraph cannot be interrupted from Python: a runaway query holds its thread until it ends.
So every query runs in a separate, long-lived evaluator process. The web process sends the
job down a pipe and waits at most the time limit; if no answer comes, it kills the evaluator,
starts a fresh one and answers 503. Other requests never wait behind a runaway query.

Results are serialised by Oxigraph itself. To apply the row limit without converting rows in
Python, solutions are first written as SPARQL TSV and graphs as N-Triples: one row per line in
both, so the limit is a cut at a newline, and the cut text is parsed back and written in the
format the client asked for, all in Oxigraph.
"""

from __future__ import annotations

import collections
import multiprocessing
import multiprocessing.forkserver
import os
import select
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import pyoxigraph
from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

from sparql_api import binding, formats, guard, remote


@dataclass(frozen=True)
class Job:
    store: str
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    solutions_format: str | None
    graph_format: str | None
    row_limit: int
    substitutions: tuple[tuple[str, tuple], ...] = ()
    base_iri: str | None = None
    service_allowlist: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    media_type: str
    kind: str = ""
    rows: int = 0
    truncated: bool = False
    headers: dict = field(default_factory=dict)


class QueryTimeout(Exception):
    pass


READY = "ready"
STARTUP_TIMEOUT = 60.0  # seconds an evaluator may take to start; not counted against the query
# Oxigraph's parser and planner recurse once per operator of a chain (`1 + 1 + ...`, `<p>/<p>/...`,
# BIND after BIND), one to three kilobytes a level: the 8 MB default stack overflows, killing the
# process, at about 3,000 BINDs. With 1 GiB no query of the 1 MB request limit got there (measured
# for every kind of chain; see RELIABILITY.md); it is address space, only the pages used are memory.
STACK_BYTES = 1 << 30


def evaluate(source: pyoxigraph.Store | str, job: Job) -> Answer:
    """Check and run one job against an open store, or the URL of the SPARQL server that holds
    the release; called inside an evaluator process (or directly in tests)."""
    try:
        guard.check(job.query, job.service_allowlist)  # the template, before any value is written into it
    except guard.Refused as error:
        return Answer(error.status, f"{error.message}\n".encode(), "text/plain")
    text = binding.write(job.query, {name: _term(spec) for name, spec in job.substitutions})
    try:
        if isinstance(source, str):
            return _evaluate(remote.query(source, text, job.default_graphs, job.named_graphs, job.base_iri), job)
        options = {"base_iri": job.base_iri}  # SPARQL 1.1 Query 4.1.1.1: relative IRIs resolve against the service
        if job.default_graphs is not None or job.named_graphs is not None:
            options["default_graph"] = [NamedNode(iri) for iri in job.default_graphs or ()]
            options["named_graphs"] = [NamedNode(iri) for iri in job.named_graphs or ()]
        return _evaluate(source.query(text, **options), job)
    except remote.BackendError as error:
        return Answer(error.status, f"{error.message}\n".encode(), "text/plain")
    except SyntaxError as error:
        return Answer(400, f"Malformed query: {error}\n".encode(), "text/plain")
    except RuntimeError as error:  # the engine refuses the query (an unknown function, a bad cast, ...)
        return Answer(400, f"The query cannot be evaluated: {error}\n".encode(), "text/plain")


def _evaluate(results, job: Job) -> Answer:
    """Cut and serialise the engine's results, or a graph the backend sent as N-Triples."""
    if isinstance(results, (QuerySolutions, QueryBoolean)):
        if job.solutions_format is None:
            return _not_acceptable("SELECT and ASK results", formats.SOLUTIONS)
        target = formats.BY_NAME[job.solutions_format]
        if isinstance(results, QueryBoolean):
            return Answer(200, results.serialize(format=target.engine), target.content_type, "boolean", 1)
        lines = results.serialize(format=QueryResultsFormat.TSV)
        lines, rows, truncated = _cut(lines, job.row_limit, header=True)
        if target.engine != QueryResultsFormat.TSV:
            lines = pyoxigraph.parse_query_results(lines, format=QueryResultsFormat.TSV).serialize(format=target.engine)
        return Answer(200, lines, target.content_type, "solutions", rows, truncated)

    if job.graph_format is None:
        return _not_acceptable("CONSTRUCT and DESCRIBE results", formats.GRAPHS)
    target = formats.BY_NAME[job.graph_format]
    lines = results if isinstance(results, bytes) else results.serialize(format=RdfFormat.N_TRIPLES)
    lines, rows, truncated = _cut(lines, job.row_limit, header=False)
    if target.engine not in (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS):
        lines = pyoxigraph.serialize(pyoxigraph.parse(lines, format=RdfFormat.N_TRIPLES), format=target.engine)
    return Answer(200, lines, target.content_type, "graph", rows, truncated)


def _cut(text: bytes, limit: int, header: bool) -> tuple[bytes, int, bool]:
    """Keep at most `limit` rows of a one-row-per-line text; say how many were kept and whether cut."""
    rows = text.count(b"\n") - (1 if header else 0)
    if rows <= limit:
        return text, rows, False
    end = -1
    for _ in range(limit + (1 if header else 0)):
        end = text.index(b"\n", end + 1)
    return text[: end + 1], limit, True


def _not_acceptable(what: str, offered_formats: tuple[formats.Format, ...]) -> Answer:
    offered = ", ".join(f.media_type for f in offered_formats)
    return Answer(406, f"None of the media types in Accept can represent {what}; offered: {offered}\n".encode(), "text/plain")


def _term(spec: tuple):
    kind, value, extra = spec
    if kind == "iri":
        return NamedNode(value)
    if kind == "lang":
        return pyoxigraph.Literal(value, language=extra)
    return pyoxigraph.Literal(value, datatype=NamedNode(extra))


def _die_with(web_process: int) -> None:
    """End this process as soon as the web process that asked for it ends, even by SIGKILL in the
    middle of a query: a thread waits on a pidfd of it (Linux). Elsewhere the closed connection
    ends the evaluator once its query is done."""
    try:
        handle = os.pidfd_open(web_process)
    except (AttributeError, OSError):
        return

    def watch() -> None:
        select.select([handle], [], [])
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _serve(connection: Connection, web_process: int, backend: str) -> None:
    """The evaluator's loop: one job in, one answer out, until the web process goes away. It runs
    in a thread because only a new thread can be given the large stack the engine needs."""
    _die_with(web_process)
    threading.stack_size(STACK_BYTES)
    loop = threading.Thread(target=_loop, args=(connection, backend))
    loop.start()
    loop.join()


def _loop(connection: Connection, backend: str) -> None:
    stores: dict[str, pyoxigraph.Store] = {}
    connection.send(READY)
    while True:
        try:
            job: Job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            if not backend and job.store not in stores:
                stores.clear()
                stores[job.store] = pyoxigraph.Store.read_only(job.store)
            answer = evaluate(backend or stores[job.store], job)
        except Exception as error:  # the engine's own failures: report them, keep serving
            answer = Answer(500, f"The query engine failed: {error}\n".encode(), "text/plain")
        connection.send(answer)


# Evaluators are forked from a fork server: a small single-threaded process that has imported the
# engine and rdflib's SPARQL parser (for the guard) once, so a new evaluator is ready in
# milliseconds, not the half second of a fresh interpreter. Never forked from the web process
# itself: it runs threads, and a fork of a threaded process can hold locks nobody will release.
# As in any multiprocessing program, a script that creates the app must keep its top level under
# `if __name__ == "__main__":`; gunicorn, `nolsi` and notebooks need nothing.
_forks = multiprocessing.get_context("forkserver")
_forks.set_forkserver_preload(["sparql_api.evaluator"])  # with it pyoxigraph, and rdflib's parser for the guard


class Evaluator:
    """One evaluator process and the connection to it."""

    def __init__(self, backend: str):
        self.connection, theirs = _forks.Pipe()
        self.process = _forks.Process(target=_serve, args=(theirs, os.getpid(), backend), daemon=True)
        self.process.start()
        theirs.close()
        self.ready = False

    def run(self, job: Job, timeout: float) -> Answer:
        """Send one job; the time limit starts only once the evaluator has started up."""
        if not self.ready:
            if not self.connection.poll(STARTUP_TIMEOUT) or self.connection.recv() != READY:
                raise EOFError("the evaluator did not start")
            self.ready = True
        self.connection.send(job)
        if not self.connection.poll(timeout):
            self.kill()
            raise QueryTimeout(f"The query did not finish within {timeout:g} seconds and was stopped.")
        return self.connection.recv()

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()

    @property
    def alive(self) -> bool:
        return self.process.is_alive()


class Pool:
    """Evaluators for one web process: one per concurrent request, replaced when killed. With a
    `backend` URL they send every query there instead of opening the store."""

    def __init__(self, size: int, backend: str = ""):
        self._backend = backend
        # Warm evaluators are taken from the right; new ones join at the left, so a request never
        # waits for an evaluator to start while a started one is idle. (deque ops are atomic.)
        self._idle: collections.deque[Evaluator] = collections.deque()
        self._slots = threading.BoundedSemaphore(size)
        # Start the fork server now: it imports the engine while the web process finishes starting,
        # so the first request waits only for a fork.
        multiprocessing.forkserver.ensure_running()

    def run(self, job: Job, timeout: float) -> Answer:
        with self._slots:
            evaluator = self._checkout()
            try:
                answer = evaluator.run(job, timeout)
            except (EOFError, OSError, BrokenPipeError):
                evaluator.kill()
                return Answer(503, b"The query engine stopped unexpectedly; please retry.\n", "text/plain")
            except QueryTimeout:
                self._start()  # now, so that it is ready once the warm ones are busy
                raise
            self._idle.append(evaluator)
            return answer

    def _start(self) -> None:
        self._idle.appendleft(Evaluator(self._backend))

    def _checkout(self) -> Evaluator:
        while True:
            try:
                evaluator = self._idle.pop()
            except IndexError:
                return Evaluator(self._backend)
            if evaluator.alive:
                return evaluator
            evaluator.kill()

    def close(self) -> None:
        while True:
            try:
                self._idle.pop().kill()
            except IndexError:
                return

