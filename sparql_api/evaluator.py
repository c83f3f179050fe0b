"""Query evaluation in killable, memory-bounded worker processes, admitted fairly.

pyoxigraph cannot be interrupted from Python: a runaway query holds its thread until it ends.
So every query runs in a separate, long-lived evaluator process. The web process sends the job
down a pipe and waits at most the time limit; if no answer comes, it kills the evaluator, starts
a fresh one and answers 503.

Three bounds hold inside the evaluator:

- **Rows.** Results are written by Oxigraph as SPARQL TSV (solutions) or N-Triples (graphs): one
  row per line, into a writer that stops the serialiser, and with it the lazy evaluation, once
  the row limit is passed. A query without LIMIT over a huge cross product costs N+1 rows, not
  the whole product. The kept rows are then written in the client's format by Oxigraph.
- **Bytes.** The same writer refuses an answer larger than `answer_bytes`.
- **Memory.** A watchdog thread samples the evaluator's resident memory while a query runs and
  ends the process with a message once the query has grown it by more than `memory_bytes`; the
  address-space limit (RLIMIT_AS) is the backstop for one sudden allocation. An evaluator that
  has kept a lot of memory after a query is retired and replaced.

Admission (`Pool`): a query waits at most `queue_wait` seconds for an evaluator, in a queue of at
most `queue_size`, else gets 503 with Retry-After. The queue is served newest first: under
overload the request that came last is the one whose client is surely still waiting, and a burst
of runaways cannot keep a later short query behind them. A query that runs longer than
`LONG_AFTER` seconds needs one of the long-query slots (all evaluators but `reserved`); when they
are all taken it is stopped with 503 and Retry-After, so `reserved` evaluators always turn over
quickly and a short query never waits behind runaways for more than about a second.

Small releases are copied into an in-memory Oxigraph store when an evaluator starts (about 2.5x
faster to query than the on-disk store, docs/benchmarks.md); larger ones are read from disk.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import resource
import select
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import islice
from multiprocessing import reduction
from multiprocessing.connection import Connection
from typing import Protocol

import pyoxigraph
from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, QueryTriples, RdfFormat

from loader.typed import in_memory
from sparql_api import binding, formats, guard, prologue, remote

Term = NamedNode | pyoxigraph.Literal


@dataclass(frozen=True)
class Job:
    store: str
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    solutions_format: str | None
    graph_format: str | None
    row_limit: int
    substitutions: tuple[tuple[str, Term], ...] = ()
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
    retire: bool = field(default=False, compare=False)  # the evaluator that made it ends after sending it


@dataclass(frozen=True)
class Limits:
    """What every evaluator of a pool is allowed; fixed at start-up."""

    backend: str = ""  # a SPARQL endpoint URL that answers instead of the store
    memory_bytes: int = 1 << 30
    answer_bytes: int = 256 << 20
    memory_quads: int = 500_000  # releases up to this size are served from memory


class QueryTimeout(Exception):
    pass


class Busy(Exception):
    """No evaluator could take the query in time: 503 with Retry-After."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


READY = "ready"
STARTUP_TIMEOUT = 120.0  # seconds an evaluator may take to start (and load a store); not counted against the query
LONG_AFTER = 0.5  # seconds after which a query counts as long-running
KILL_WAIT = 5.0  # seconds to wait for a killed evaluator to be gone (unmapping gigabytes takes a moment)
# Oxigraph's parser and planner recurse once per operator of a chain (`1 + 1 + ...`, `<p>/<p>/...`,
# BIND after BIND), one to three kilobytes a level: the 8 MB default stack overflows, killing the
# process, at about 3,000 BINDs. With 1 GiB no query of the 1 MB request limit got there (measured
# for every kind of chain; see RELIABILITY.md); it is address space, only the pages used are memory.
STACK_BYTES = 1 << 30
PAGE = os.sysconf("SC_PAGE_SIZE")


def evaluate(source: Source, job: Job, answer_bytes: int = Limits.answer_bytes) -> Answer:
    """Check and run one job against the release (the embedded store or the server that holds it);
    called inside an evaluator process (or directly in tests)."""
    template = prologue.declare(job.query)
    try:
        guard.check(template, job.service_allowlist)  # the template, before any value is written into it
    except guard.Refused as error:
        return _plain(error.status, error.message)
    text = binding.write(template, dict(job.substitutions))
    try:
        results = source.query(text, job.default_graphs, job.named_graphs, job.base_iri)
        return _serialize(results, job, answer_bytes)
    except remote.BackendError as error:
        return _plain(error.status, error.message)
    except _Unwritable as error:
        return _plain(503, str(error))
    except _TooLarge:
        return _plain(
            503,
            f"The answer is larger than the {answer_bytes:,} bytes this endpoint sends; add a LIMIT or select less.",
        )
    except SyntaxError as error:
        return _plain(400, f"Malformed query: {prologue.syntax_error(str(error), job.query)}")
    except (RuntimeError, OSError, ValueError) as error:  # the engine refuses it (an unknown function, a bad cast)
        return _plain(400, f"The query cannot be evaluated: {error}")


class Source(Protocol):
    """What answers a query: the embedded store (`Embedded`) or the SPARQL server that holds the
    release (`remote.Backend`, `nolsi serve --backend`), chosen once at start-up. A graph comes
    back as Oxigraph's triples or as N-Triples bytes."""

    def query(
        self,
        text: str,
        default_graphs: tuple[str, ...] | None,
        named_graphs: tuple[str, ...] | None,
        base_iri: str | None,
    ) -> QuerySolutions | QueryBoolean | QueryTriples | bytes: ...


@dataclass(frozen=True)
class Embedded:
    """The release in an Oxigraph store in this process (in memory or on disk)."""

    store: pyoxigraph.Store

    def query(self, text, default_graphs, named_graphs, base_iri):
        options: dict = {"base_iri": base_iri}  # SPARQL 1.1 Query 4.1.1.1: relative IRIs resolve against the service
        if default_graphs is not None or named_graphs is not None:
            options["default_graph"] = [NamedNode(iri) for iri in default_graphs or ()]
            options["named_graphs"] = [NamedNode(iri) for iri in named_graphs or ()]
        return self.store.query(text, **options)


def _serialize(results, job: Job, answer_bytes: int) -> Answer:
    """The engine's results, cut at the row limit while they are produced, in the client's format."""
    if isinstance(results, (QuerySolutions, QueryBoolean)):
        if job.solutions_format is None:
            return _not_acceptable("SELECT and ASK results", formats.SOLUTIONS)
        target = formats.BY_NAME[job.solutions_format]
        if isinstance(results, QueryBoolean):
            body = in_memory(results.serialize(format=target.results_syntax))
            return Answer(200, body, target.content_type, "boolean", 1)
        lines, rows, truncated = _capture(results, QueryResultsFormat.TSV, job.row_limit, 1, answer_bytes)
        if target.results_syntax != QueryResultsFormat.TSV:
            lines = _convert(
                lambda: pyoxigraph.parse_query_results(lines, format=QueryResultsFormat.TSV).serialize(
                    format=target.results_syntax
                ),
                target,
            )
        return Answer(200, lines, target.content_type, "solutions", rows, truncated)

    if job.graph_format is None:
        return _not_acceptable("CONSTRUCT and DESCRIBE results", formats.GRAPHS)
    target = formats.BY_NAME[job.graph_format]
    if isinstance(results, bytes):  # a backend's graph, already N-Triples
        lines, rows, truncated = _cut(results, job.row_limit, 0)
    else:
        lines, rows, truncated = _capture(results, RdfFormat.N_TRIPLES, job.row_limit, 0, answer_bytes)
    if target.graph_syntax not in (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS):
        lines = _convert(
            lambda: pyoxigraph.serialize(
                pyoxigraph.parse(lines, format=RdfFormat.N_TRIPLES), format=target.graph_syntax
            ),
            target,
        )
    return Answer(200, lines, target.content_type, "graph", rows, truncated)


class _Enough(Exception):
    """Raised inside the serialiser's write: the rows we need are written, stop evaluating."""


class _TooLarge(Exception):
    pass


class _Writer:
    """A file for Oxigraph's serialisers that counts lines and stops them past `lines` or `max_bytes`."""

    def __init__(self, lines: int, max_bytes: int):
        self.parts: list[bytes] = []
        self.left, self.room = lines, max_bytes

    def write(self, data) -> int:
        data = bytes(data)
        self.parts.append(data)
        self.left -= data.count(b"\n")
        self.room -= len(data)
        if self.left < 0:
            raise _Enough
        if self.room < 0:
            raise _TooLarge
        return len(data)

    def flush(self) -> None:
        pass


def _capture(results, syntax, limit: int, header: int, max_bytes: int) -> tuple[bytes, int, bool]:
    """Serialise one-row-per-line results until one row past the limit, then cut at the limit."""
    writer = _Writer(limit + header, max_bytes)
    with contextlib.suppress(_Enough):
        results.serialize(writer, format=syntax)
    return _cut(b"".join(writer.parts), limit, header)


def _cut(text: bytes, limit: int, header: int) -> tuple[bytes, int, bool]:
    """Keep at most `limit` rows of a one-row-per-line text; say how many were kept and whether cut."""
    rows = text.count(b"\n") - header
    if rows <= limit:
        return text, rows, False
    end = -1
    for _ in range(limit + header):
        end = text.index(b"\n", end + 1)
    return text[: end + 1], limit, True


def _convert(write: Callable[[], bytes | None], target: formats.Format) -> bytes:
    try:
        return in_memory(write())
    except (SyntaxError, ValueError, OSError) as error:  # e.g. one value beyond the parser's 16 MiB buffer
        raise _Unwritable(f"The answer cannot be written as {target.media_type}: {error}") from None


class _Unwritable(Exception):
    pass


def _plain(status: int, message: str) -> Answer:
    return Answer(status, message.rstrip("\n").encode() + b"\n", "text/plain")


def _not_acceptable(what: str, offered_formats: tuple[formats.Format, ...]) -> Answer:
    offered = ", ".join(f.media_type for f in offered_formats)
    return _plain(406, f"None of the media types in Accept can represent {what}; offered: {offered}")


# --- inside an evaluator process ---------------------------------------------------------------


_statm: dict[int, int] = {}  # pid -> an open /proc/self/statm of that process (a fork must open its own)


def _resident() -> int:
    """Resident memory in bytes: one pread of an open file, a few microseconds."""
    pid = os.getpid()
    if pid not in _statm:
        _statm.clear()
        _statm[pid] = os.open("/proc/self/statm", os.O_RDONLY)
    return int(os.pread(_statm[pid], 128, 0).split()[1]) * PAGE


def _in_memory(path: str, memory_quads: int) -> Embedded | None:
    """The release copied into memory if it has at most `memory_quads` quads, else None."""
    on_disk = pyoxigraph.Store.read_only(path)
    if (
        memory_quads <= 0
        or len(list(islice(on_disk.quads_for_pattern(None, None, None, None), memory_quads + 1))) > memory_quads
    ):
        return None
    in_memory = pyoxigraph.Store()
    in_memory.bulk_extend(on_disk.quads_for_pattern(None, None, None, None))
    return Embedded(in_memory)


class _Watchdog:
    """Ends the evaluator, after telling the web process why, when a query grows it past its budget."""

    INTERVAL = 0.02

    def __init__(self, connection: Connection, send_lock: threading.Lock, budget: int):
        self.connection, self.send_lock, self.budget = connection, send_lock, budget
        self.baseline = 0
        self.running = False  # a plain flag, not an Event: setting it must not wake a thread on every query
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while True:
            time.sleep(self.INTERVAL)
            if self.running and _resident() - self.baseline > self.budget:
                self.send_lock.acquire()  # never released: the process ends here
                budget = self.budget >> 20
                message = f"The query needed more than the {budget} MiB of memory a query may use, and was stopped."
                try:
                    self.connection.send(replace(_plain(503, message), retire=True))
                finally:
                    os._exit(3)
            time.sleep(self.INTERVAL)


def die_with(web_process: int) -> None:
    """End this process as soon as process `web_process` ends, even by SIGKILL (an evaluator in the
    middle of a query, a web worker whose server was killed): a thread waits on a pidfd of it
    (Linux). Elsewhere the closed connection ends an evaluator once its query is done."""
    try:
        handle = os.pidfd_open(web_process)
    except (AttributeError, OSError):
        return

    def watch() -> None:
        select.select([handle], [], [])
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _zygote(connection: Connection, web_process: int, limits: Limits, store: str) -> None:
    """A release's zygote: it opens the release once, then forks an evaluator whenever asked.

    A release small enough is copied into memory here, before any fork, so a new evaluator starts
    with those pages shared (copy-on-write) and is ready in milliseconds, whatever the size of the
    graph. (It does not share them for long: Oxigraph writes to the pages of an in-memory store as
    it reads them, so each evaluator copies what its queries touch; docs/benchmarks.md.)
    A larger release is opened on disk by each evaluator itself: an on-disk store's handle and
    threads must not cross a fork. Each evaluator's connection is passed back to the
    web process over this zygote's socket (SCM_RIGHTS)."""
    die_with(web_process)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # evaluators are reaped by the kernel
    opened: Source | None = remote.Backend(limits.backend) if limits.backend else None
    failure = ""
    if opened is None:
        try:
            opened = _in_memory(store, limits.memory_quads)
        except (OSError, RuntimeError) as error:
            failure = f"The dataset is not available right now ({error})."
    while True:
        try:
            connection.recv()
        except (EOFError, OSError):
            os._exit(0)
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            connection.close()
            ours.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _serve(Connection(theirs.detach()), web_process, limits, store, opened, failure)
            os._exit(0)
        theirs.close()
        connection.send(pid)
        reduction.send_handle(connection, ours.fileno(), web_process)
        ours.close()


def _serve(
    connection: Connection, web_process: int, limits: Limits, store: str, opened: Source | None, failure: str
) -> None:
    """An evaluator. The loop runs in a thread because only a new thread can be given the large
    stack the engine needs."""
    die_with(web_process)
    threading.stack_size(STACK_BYTES)
    loop = threading.Thread(target=_loop, args=(connection, limits, store, opened, failure))
    loop.start()
    loop.join()


def _loop(connection: Connection, limits: Limits, store: str, opened: Source | None, failure: str) -> None:
    """Open the release if the zygote did not (before saying ready: that is not a query's time), then answer jobs."""
    send_lock = threading.Lock()
    if opened is None and not failure:
        try:
            opened = Embedded(pyoxigraph.Store.read_only(store))
        except (OSError, RuntimeError) as error:
            failure = f"The dataset is not available right now ({error})."
    threading.stack_size(256 << 10)  # the watchdog needs little; set before the address-space limit counts it
    watchdog = _Watchdog(connection, send_lock, limits.memory_bytes)
    _limit_address_space(limits.memory_bytes)
    connection.send(READY)
    while True:
        try:
            job: Job = connection.recv()
        except (EOFError, OSError):
            return
        if opened is None:
            answer = replace(_plain(503, failure), retire=True)
        else:
            watchdog.baseline = _resident()
            watchdog.running = True
            try:
                answer = evaluate(opened, job, limits.answer_bytes)
            except MemoryError:
                answer = replace(
                    _plain(
                        503,
                        f"The query needed more than the {limits.memory_bytes >> 20} MiB of memory a query may use.",
                    ),
                    retire=True,
                )
            except Exception as error:  # noqa: BLE001 - any failure of one query is its answer; the evaluator serves on
                answer = _plain(500, f"The query engine failed: {error}")
            finally:
                watchdog.running = False
            if _resident() - watchdog.baseline > limits.memory_bytes // 4:
                answer = replace(answer, retire=True)  # glibc keeps freed memory: start afresh instead
        with send_lock:
            connection.send(answer)
        if answer.retire:
            return


def _limit_address_space(budget: int) -> None:
    """RLIMIT_AS at what the process maps now plus twice the query budget: one sudden allocation
    beyond it fails at once instead of taking the machine before the watchdog looks."""
    with open("/proc/self/statm", "rb") as statm:
        mapped = int(statm.read().split()[0]) * PAGE
    limit = mapped + 2 * budget + (256 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# Evaluators are forked from a fork server: a small single-threaded process that has imported the
# engine and rdflib's SPARQL parser (for the guard) once, so a new evaluator is ready in
# milliseconds, not the half second of a fresh interpreter. Never forked from the web process
# itself: it runs threads, and a fork of a threaded process can hold locks nobody will release.
# As in any multiprocessing program, a script that creates the app must keep its top level under
# `if __name__ == "__main__":`; the server, `nolsi` and notebooks need nothing.
_forks = multiprocessing.get_context("forkserver")
_forks.set_forkserver_preload(["sparql_api.evaluator"])  # with it pyoxigraph, and rdflib's parser for the guard


class Zygote:
    """The zygote process of one release, and the connection to it."""

    def __init__(self, limits: Limits, store: str):
        self.limits, self.store = limits, store
        self.connection, theirs = _forks.Pipe()
        self.process = _forks.Process(target=_zygote, args=(theirs, os.getpid(), limits, store), daemon=True)
        self.process.start()
        theirs.close()
        self.lock = threading.Lock()

    def evaluator(self) -> Evaluator:
        with self.lock:
            if not self.connection.poll(0) and not self.process.is_alive():
                raise EOFError("the zygote has ended")
            self.connection.send("fork")
            if not self.connection.poll(STARTUP_TIMEOUT):
                raise EOFError("the zygote did not answer")
            pid = self.connection.recv()
            handle = reduction.recv_handle(self.connection)
        return Evaluator(pid, Connection(handle), self.store)

    def close(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


class Evaluator:
    """One evaluator process (a child of its release's zygote) and the connection to it."""

    def __init__(self, pid: int, connection: Connection, store: str):
        self.pid, self.connection, self.store = pid, connection, store
        self.ready = False
        # One poll object for the evaluator's life: Connection.poll builds a selector on every call.
        self._readable = select.poll()
        self._readable.register(connection.fileno(), select.POLLIN)
        # A pidfd names this process and no later one with its number, and becomes readable once
        # it has exited: its memory is given back by then (the zygote's kernel reaps it at once).
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:
            self._pidfd = None  # it has ended already

    def send(self, job: Job) -> None:
        """Send one job once the evaluator has started; its start-up is not counted against the query."""
        if not self.ready:
            if not self.wait(STARTUP_TIMEOUT) or self.connection.recv() != READY:
                raise EOFError("the evaluator did not start")
            self.ready = True
        self.connection.send(job)

    def wait(self, seconds: float) -> bool:
        """True once the evaluator has sent something (or hung up: then `recv` raises EOFError)."""
        return bool(self._readable.poll(max(seconds, 0) * 1000))

    def kill(self) -> None:
        """End the evaluator and wait until it has gone, so that its successor never runs beside it:
        the pool's process count and memory stay within `size` evaluators even while one turns over."""
        self.connection.close()
        if self._pidfd is None:
            return
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        select.select([self._pidfd], [], [], KILL_WAIT)
        os.close(self._pidfd)
        self._pidfd = None

    @property
    def alive(self) -> bool:
        return self._pidfd is not None and not select.select([self._pidfd], [], [], 0)[0]


class _Slots:
    """A counting semaphore whose waiters are served newest first, with a bounded queue."""

    def __init__(self, size: int, queue_size: int):
        self.free, self.queue_size = size, queue_size
        self.lock = threading.Lock()
        self.waiters: list[threading.Event] = []

    def acquire(self, timeout: float) -> bool:
        """True once a slot is ours; False after `timeout`; `Busy` at once if the queue is full."""
        with self.lock:
            if self.free > 0:
                self.free -= 1
                return True
            if len(self.waiters) >= self.queue_size:
                raise Busy(
                    f"All query evaluators are busy and {len(self.waiters)} queries are waiting; please retry.", 1
                )
            granted = threading.Event()
            self.waiters.append(granted)
        if granted.wait(timeout):
            return True
        with self.lock:
            if granted.is_set():  # handed over just as the wait ended
                return True
            self.waiters.remove(granted)
            return False

    def release(self) -> None:
        with self.lock:
            if self.waiters:
                self.waiters.pop().set()  # the slot passes straight to the newest waiter
            else:
                self.free += 1


class Pool:
    """The evaluators of one web process, and admission to them (see the module docstring)."""

    def __init__(
        self,
        size: int,
        limits: Limits = Limits(),
        queue_wait: float = 2.0,
        queue_size: int = 64,
        reserved: int | None = None,
    ):
        self.size, self.limits, self.queue_wait, self.queue_size = size, limits, queue_wait, queue_size
        # Warm evaluators are taken from the right; new ones join at the left, so a request never
        # waits for an evaluator to start while a started one is idle. (deque ops are atomic.)
        self._idle: collections.deque[Evaluator] = collections.deque()
        self._slots = _Slots(size, queue_size)
        reserved = max(1, size // 4) if reserved is None else reserved
        self._long = threading.BoundedSemaphore(max(1, size - reserved))
        self._zygote: Zygote | None = None
        self._zygote_lock = threading.Lock()
        # Start the fork server now: it imports the engine while the web process finishes starting,
        # so the first request waits only for a fork.
        multiprocessing.forkserver.ensure_running()

    def run(self, job: Job, timeout: float) -> Answer:
        if not self._slots.acquire(self.queue_wait):
            raise Busy(f"All {self.size} query evaluators stayed busy for {self.queue_wait:g} s; please retry.", 2)
        try:
            return self._run(job, timeout)
        finally:
            self._slots.release()

    def _run(self, job: Job, timeout: float) -> Answer:
        try:
            evaluator = self._started(job)
        except (EOFError, OSError):
            return _plain(503, "No query evaluator could be started; please retry.")
        try:
            started = time.monotonic()
            if not evaluator.wait(min(LONG_AFTER, timeout)):
                if not self._long.acquire(blocking=False):
                    self._replace(evaluator, job.store)
                    raise Busy(
                        "Too many long-running queries are being answered right now; this one was stopped after "
                        f"{LONG_AFTER:g} s to keep the endpoint responsive. Please retry later.",
                        int(timeout),
                    )
                try:
                    if not evaluator.wait(timeout - (time.monotonic() - started)):
                        self._replace(evaluator, job.store)
                        raise QueryTimeout(f"The query did not finish within {timeout:g} seconds and was stopped.")
                finally:
                    self._long.release()
            answer: Answer = evaluator.connection.recv()
        except (EOFError, OSError):
            evaluator.kill()
            return _plain(
                503,
                "The query engine stopped while answering (out of memory or a crash); "
                "please retry or simplify the query.",
            )
        if answer.retire:
            evaluator.kill()
        else:
            self._idle.append(evaluator)
        return answer

    def _started(self, job: Job) -> Evaluator:
        """An evaluator that has been sent `job`. One that ended while idle (killed from outside)
        has not started the query: a new one is tried once. Raises EOFError or OSError when the
        zygote cannot give one."""
        evaluator = self._checkout(job.store)
        try:
            evaluator.send(job)
            return evaluator
        except (EOFError, OSError):
            evaluator.kill()
        evaluator = self._fork(job.store)
        try:
            evaluator.send(job)
        except (EOFError, OSError):
            evaluator.kill()
            raise
        return evaluator

    def _replace(self, evaluator: Evaluator, store: str) -> None:
        """Kill a stopped query's evaluator and start its successor now, so that it is warm when needed."""
        evaluator.kill()
        self._idle.appendleft(self._fork(store))

    def _checkout(self, store: str) -> Evaluator:
        """A started evaluator of this release if one is idle, else a new one. Evaluators of an
        earlier release are ended as they come up: each holds the release it started with."""
        while True:
            try:
                evaluator = self._idle.pop()
            except IndexError:
                return self._fork(store)
            if evaluator.alive and evaluator.store == store:
                return evaluator
            evaluator.kill()

    def prepare(self, store: str) -> Zygote:
        """The zygote of `store`, started (or restarted) if needed; it loads the release while the caller goes on."""
        with self._zygote_lock:
            zygote = self._zygote
            if zygote is None or zygote.store != store or not zygote.process.is_alive():
                if zygote is not None:
                    zygote.close()
                zygote = self._zygote = Zygote(self.limits, store)
            return zygote

    def _fork(self, store: str) -> Evaluator:
        return self.prepare(store).evaluator()

    def close(self) -> None:
        while True:
            try:
                self._idle.pop().kill()
            except IndexError:
                break
        if self._zygote is not None:
            self._zygote.close()
