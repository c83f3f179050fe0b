"""Reliability of a live `nolsi serve` (issue 8, parts 2-6): runaway queries, no SSRF, no path
traversal, builds while serving, damaged stores, a bounded soak, and request ids in the logs.

Every server here is a real `nolsi serve` (granian, its workers and their evaluator processes),
started by `launch`, which, unlike `conftest.serving`, also gives the server's process id (to read
its process tree from /proc) and its log file. RELIABILITY.md lists each guarantee with the test
that proves it, here and in the other test modules.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
import requests

from sparql_api import engine
from tests.conftest import FIXTURES, NOLSI, ROOT, nolsi, reserved_port, wait_until_answering

SAMPLE = FIXTURES / "valid" / "formats" / "sample.ttl"
TRACEBACK_MARKERS = ("Traceback", 'File "')
# Each worker's fork server; its child a release's zygote, whose children are the evaluators.
FORK_SERVER = "multiprocessing.forkserver"


# --- processes, read from /proc --------------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    state: str  # R running, S sleeping, Z zombie, ...
    cpu_ticks: int
    rss_kib: int
    cmdline: str


PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def processes() -> dict[int, Proc]:
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        rest = stat.rsplit(b")", 1)[1].split()
        table[int(entry.name)] = Proc(
            int(entry.name),
            int(rest[1]),
            rest[0].decode(),
            int(rest[11]) + int(rest[12]),
            int(rest[21]) * PAGE_KIB,
            cmdline,
        )
    return table


def process_tree(root: int) -> dict[int, Proc]:
    """`root` and all its descendants."""
    table = processes()
    found, todo = {}, [root]
    children: dict[int, list[int]] = {}
    for proc in table.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    while todo:
        pid = todo.pop()
        if pid in table and pid not in found:
            found[pid] = table[pid]
            todo.extend(children.get(pid, []))
    return found


def evaluators_in(tree: dict[int, Proc]) -> dict[int, Proc]:
    """The evaluator processes of a tree: children of a zygote, itself a child of a fork server;
    all three run the fork server's command line."""

    def forked(pid: int) -> bool:
        return pid in tree and FORK_SERVER in tree[pid].cmdline

    return {pid: p for pid, p in tree.items() if forked(pid) and forked(p.ppid) and forked(tree[p.ppid].ppid)}


def running(pid: int) -> bool:
    """Whether `pid` is alive and not a zombie waiting to be reaped."""
    proc = processes().get(pid)
    return proc is not None and proc.state != "Z"


# --- servers -------------------------------------------------------------------------------------------


@dataclass
class Launched:
    base: str
    process: subprocess.Popen
    log: Path
    workers: int
    slots: int  # evaluators per worker
    seen_evaluators: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return self.base + "/sparql"

    @property
    def pid(self) -> int:
        return self.process.pid  # `nolsi serve` execs granian: the same process is its master

    def tree(self) -> dict[int, Proc]:
        found = process_tree(self.pid)
        self.seen_evaluators |= set(evaluators_in(found))
        return found

    def evaluators(self) -> dict[int, Proc]:
        return evaluators_in(self.tree())

    def rss_kib(self) -> int:
        return sum(p.rss_kib for p in self.tree().values())

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def launch(*args: str, env: dict | None = None, workers: int = 2, evaluators: int = 4, hard_stop: bool = False):
    """Start `nolsi serve` on a port reserved for it, in a session of its own; stop the whole session after.

    `hard_stop` kills it at once (SIGKILL): for a server left busy by a test that is expected to
    fail, so that it does not burn the CPU the next tests need."""
    with reserved_port() as port:
        log = Path(tempfile.mkstemp(prefix="nolsi-reliability-", suffix=".log")[1])
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [
                    *NOLSI,
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                    "--evaluators",
                    str(evaluators),
                    *map(str, args),
                ],
                cwd=ROOT,
                env={**os.environ, **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Launched(f"http://127.0.0.1:{port}", process, log, workers, evaluators)
        try:
            wait_until_answering(process, server.base + "/-/health", log, answered=lambda status: status == 200)
            yield server
        finally:
            stop(process, hard_stop)
            log.unlink(missing_ok=True)


def stop(process: subprocess.Popen, hard: bool = False) -> None:
    """Stop the process group a server runs in (its master, workers and evaluators, even orphaned ones)."""
    try:
        os.killpg(process.pid, signal.SIGKILL if hard else signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
    process.wait()


def fresh(query: str) -> str:
    """The query with a unique comment: no answer cache can answer it."""
    return f"{query}\n# {uuid.uuid4()}"


def timed_get(url: str, query: str, timeout: float = 60) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.get(url, params={"query": query}, timeout=timeout)
    return response, time.monotonic() - started


def warm(server: Launched, rounds: int = 3) -> None:
    """Fill each worker's evaluator pool: as many concurrent trivial queries as the server has evaluators."""
    width = server.workers * server.slots
    with ThreadPoolExecutor(width) as pool:
        for _ in range(rounds):
            answers = list(pool.map(lambda _: timed_get(server.url, fresh("ASK {}"))[0], range(width)))
            assert all(a.status_code == 200 for a in answers)


def no_traceback(text: str) -> None:
    for marker in TRACEBACK_MARKERS:
        assert marker not in text, text[:2000]


# === 2. Runaway queries ===================================================================================

LIMIT = 2  # --query-timeout of the runaway server, seconds
SLACK = 5  # what the time limit may be exceeded by: an evaluator's start-up is not counted, a loaded CI machine
SIMPLE = "ASK { <https://w3id.org/nolsi/id/ri/elixir-norway> ?p ?o }"
ANY = "!<urn:nolsi:none>"  # a negated property set: any predicate
RUNAWAYS = {
    "cartesian product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    # Every row of a cross product is no runaway any more: evaluation stops at the row limit
    # (tests/test_serving.py::test_a_cross_product_without_limit_is_cut_at_the_row_limit_at_once).
    "sorted cartesian product": "SELECT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY DESC(STR(?c)) ?f LIMIT 1",
    "deep property path": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a ({ANY}|^{ANY})* ?b }}",
    "chain of property paths": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a (<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>|"
        f"^<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>)* ?b . ?b {ANY}* ?c . ?c ({ANY}|^{ANY})* ?d }}"
    ),
    "catastrophic regex over a cross join": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f "
        'FILTER(REGEX(CONCAT(STR(?c), STR(?f), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"), "(a+)+$")) }'
    ),
    "catastrophic regex over a long string": (
        'SELECT ?n WHERE { { SELECT (GROUP_CONCAT(CONCAT(STR(?c), STR(?f)); separator="aaaaaaaa") AS ?x) '
        'WHERE { ?a ?b ?c . ?d ?e ?f } } BIND(REGEX(CONCAT(?x, "!"), "(a+)+$") AS ?n) }'
    ),
    "huge GROUP_CONCAT over a cross join": (
        "SELECT (STRLEN(GROUP_CONCAT(CONCAT(STR(?c), STR(?f)))) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
    ),
}


@pytest.fixture(scope="module")
def runaway_server(curated):
    """The curated store behind a 2-second time limit; one worker, so that every runaway and every
    simple query meet in the same evaluator pool, the hardest case for keeping them apart."""
    with launch("--store", curated.store, "--query-timeout", LIMIT, workers=1, evaluators=4) as server:
        warm(server)
        yield server


def simple_is_answered(server: Launched) -> float:
    response, seconds = timed_get(server.url, fresh(SIMPLE), timeout=30)
    assert response.status_code == 200 and response.json()["boolean"] is True, response.text
    return seconds


def assert_cut(response: requests.Response, seconds: float, name: str) -> None:
    """A runaway's answer: 503 at the time limit, a message saying so, nothing of a result."""
    assert response.status_code == 503, f"{name}: {response.status_code} after {seconds:.1f} s: {response.text[:300]}"
    assert response.headers["Content-Type"].startswith("text/plain")
    if "MiB of memory" in response.text:  # the memory budget stopped it before the time limit could
        assert seconds < LIMIT + SLACK and "stopped" in response.text, f"{name}: answered after {seconds:.1f} s"
    else:
        assert LIMIT - 0.1 <= seconds < LIMIT + SLACK, f"{name}: answered after {seconds:.1f} s with a {LIMIT} s limit"
        assert f"{LIMIT} seconds" in response.text and "stopped" in response.text, response.text
    assert len(response.content) == int(response.headers["Content-Length"]) < 300, (
        "more than the message: a partial result?"
    )
    assert not response.text.lstrip().startswith(("{", "<", "?", "n\t", "n,")) and "Result-Rows" not in response.headers


@pytest.mark.parametrize("name", list(RUNAWAYS))
def test_a_runaway_query_is_cut_at_the_time_limit(runaway_server: Launched, name: str):
    """Cut with a 503 and a message, no partial body; meanwhile a simple query from another client
    is answered, correctly, in under a second."""
    result = {}
    thread = threading.Thread(
        target=lambda: result.update(
            zip(("response", "seconds"), timed_get(runaway_server.url, fresh(RUNAWAYS[name])), strict=True)
        )
    )
    thread.start()
    simple = []
    for _ in range(3):  # during the runaway: at about 0.3, 0.8 and 1.3 s into its 2 s
        time.sleep(0.3)
        simple.append(simple_is_answered(runaway_server))
    thread.join(LIMIT + SLACK + 30)
    assert_cut(result["response"], result["seconds"], name)
    assert max(simple) < 1, f"simple queries during the runaway took {[round(s, 2) for s in simple]} s"


def test_simple_queries_stay_fast_before_during_and_after_runaways(runaway_server: Launched):
    """A client asking simple queries back to back while runaways come and go, one after another and
    two at a time, gets every answer, right, in under a second: also just after a runaway is killed
    and its evaluator replaced."""
    stop_at = threading.Event()
    latencies: list[tuple[float, float]] = []
    started = time.monotonic()

    def client():
        while not stop_at.is_set():
            sent = time.monotonic() - started
            latencies.append((round(sent, 2), round(simple_is_answered(runaway_server), 2)))
            time.sleep(0.05)

    watcher = threading.Thread(target=client)
    watcher.start()
    cuts = []
    try:
        for batch in (1, 2, 3):
            with ThreadPoolExecutor(batch) as pool:
                for response, seconds in pool.map(
                    lambda n: timed_get(runaway_server.url, fresh(RUNAWAYS["cartesian product"])), range(batch)
                ):
                    cuts.append(round(time.monotonic() - started, 2))
                    assert_cut(response, seconds, "cartesian product")
            time.sleep(1.5)  # the client keeps asking after the kill, while the evaluator is replaced
    finally:
        stop_at.set()
        watcher.join(60)
    slow = [(sent, took) for sent, took in latencies if took >= 1]
    assert not slow, (
        f"{len(slow)} of {len(latencies)} simple queries took a second or more: (sent at s, took s) "
        f"{slow}; runaways were cut at {cuts} s"
    )


def test_no_evaluator_is_left_behind_after_runaways(runaway_server: Launched):
    """After runaways, two and then three at once, the server's tree holds at most one evaluator per
    thread of each worker, no zombie, and every evaluator ever seen is either still in the pool or
    gone: none runs on outside the tree."""
    runaway_server.tree()
    for batch in (2, 3):
        with ThreadPoolExecutor(batch) as pool:
            for response, seconds in pool.map(
                lambda n: timed_get(runaway_server.url, fresh(RUNAWAYS["deep property path"])), range(batch)
            ):
                assert_cut(response, seconds, "deep property path")
        runaway_server.tree()
    simple_is_answered(runaway_server)
    time.sleep(1)
    tree = runaway_server.tree()
    pool = set(evaluators_in(tree))
    assert len(pool) <= runaway_server.workers * runaway_server.slots, f"{len(pool)} evaluators: {pool}"
    assert not [p for p in tree.values() if p.state == "Z"], "zombie processes in the server's tree"
    leaked = {pid for pid in runaway_server.seen_evaluators - pool if running(pid)}
    assert not leaked, f"evaluators outside the server's tree still running: {leaked}"
    assert len(runaway_server.seen_evaluators) > len(pool), "no evaluator was replaced: were the runaways cut?"


def test_a_killed_worker_leaves_no_evaluator_running(curated):
    """When a web worker dies (OOM killer, operator), the evaluators it
    started must not run on: a runaway in one of them would burn a CPU outside any server."""
    with launch("--store", curated.store, "--query-timeout", 120, workers=1, hard_stop=True) as server:
        warm(server, rounds=1)
        thread = threading.Thread(
            target=lambda: _ignore_errors(timed_get, server.url, fresh(RUNAWAYS["cartesian product"]), 150)
        )
        thread.start()
        deadline = time.monotonic() + 20
        busy = None
        before = server.evaluators()
        while busy is None and time.monotonic() < deadline:
            time.sleep(0.5)
            now = server.evaluators()
            busy = next(
                (p for pid, p in now.items() if pid in before and p.cpu_ticks > before[pid].cpu_ticks + 10), None
            )
            before = now
        assert busy is not None, "no evaluator got busy with the runaway"
        table = processes()
        worker = table[
            table[busy.ppid].ppid
        ].ppid  # evaluator -> its release's zygote -> the worker's fork server -> worker
        os.kill(worker, signal.SIGKILL)
        thread.join(30)
        time.sleep(5)
        proc = processes().get(busy.pid)
        assert not running(busy.pid), (
            f"evaluator {busy.pid} of the killed worker {worker} still runs 5 s later: "
            f"parent {proc.ppid}, state {proc.state}, {proc.cpu_ticks} CPU ticks"
        )


def _ignore_errors(function, *args):
    try:
        return function(*args)
    except requests.RequestException:
        return None


# The guard parses with rdflib every query whose text holds what looks like a SERVICE clause, in a
# comment or a string too: slow (about half a millisecond a character), so it runs in the
# evaluator, under the time limit, never in the web process.
# A saved query with a comment that looks like a SERVICE clause: the guard parses it, and lets it through.
SERVICE_IN_A_COMMENT = (
    ROOT / "queries" / "services-of-type.rq"
).read_text() + "\n# cf. SERVICE <http://example.org/sparql>\n"


def mentions_service(size: int) -> str:
    """A query of about `size` characters, a long sum, that only mentions a SERVICE clause in a
    comment: rdflib's parse of it is slow (~0.5 ms a character here), Oxigraph's instant."""
    terms = max(1, (size - 80) // 4)
    return (
        "ASK { FILTER("
        + " + ".join(["1"] * terms)
        + " > 0) }\n# only a comment mentions SERVICE <http://example.org/sparql>"
    )


def concurrently(server: Launched, sent: dict, meanwhile: dict[str, str]) -> tuple[dict, dict]:
    """POST every request of `sent` (key -> keyword arguments of `requests.post`) at once; half a
    second later, GET each query of `meanwhile` in turn. Returns (status, seconds) by key, and the
    seconds each `meanwhile` query took (or what went wrong) by name; the time limit plus slack
    bounds every wait."""
    results: dict = {}

    def post(key):
        started = time.monotonic()
        try:
            response = requests.post(server.url, timeout=LIMIT + SLACK, **sent[key])
            results[key] = (response.status_code, round(time.monotonic() - started, 1))
        except requests.Timeout:
            results[key] = ("no answer", round(time.monotonic() - started, 1))

    threads = [threading.Thread(target=post, args=(key,)) for key in sent]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    timed = {}
    for name, query in meanwhile.items():
        try:
            response, seconds = timed_get(server.url, fresh(query), timeout=LIMIT + SLACK)
            timed[name] = round(seconds, 2) if response.status_code == 200 else f"status {response.status_code}"
        except requests.Timeout:
            timed[name] = f"no answer within {LIMIT + SLACK} s"
    for thread in threads:
        thread.join(LIMIT + SLACK + 5)
    return results, timed


def test_a_query_mentioning_service_is_held_to_the_time_limit_and_blocks_nothing(curated):
    """Queries of 2 to 200 kB that only mention a SERVICE clause in a comment, eight at once, are
    each answered (or refused) within the time limit; meanwhile a simple query and a small query
    that the guard must parse too are each answered in under a second."""
    sizes = [2_000, 4_000, 8_000, 12_000, 15_500, 15_900, 40_000, 200_000]
    with launch("--store", curated.store, "--query-timeout", LIMIT, workers=1, evaluators=12, hard_stop=True) as server:
        warm(server, rounds=1)
        # One at a time first, with the same grammar in small: rdflib's parser must meet each rule alone
        # once (test_a_fresh_server_answers_concurrent_queries_that_mention_service).
        for query in (SERVICE_IN_A_COMMENT, mentions_service(100)):
            response = requests.post(server.url, data={"query": fresh(query)}, timeout=30)
            assert response.status_code == 200, response.text
        sent = {
            size: {
                "data": fresh(mentions_service(size)).encode(),
                "headers": {"Content-Type": "application/sparql-query"},
            }
            for size in sizes
        }
        results, meanwhile = concurrently(
            server, sent, {"simple": SIMPLE, "a small query the guard parses": SERVICE_IN_A_COMMENT}
        )
    late = {size: r for size, r in results.items() if r[0] not in (200, 400, 403, 503) or r[1] >= LIMIT + SLACK}
    slow = {name: r for name, r in meanwhile.items() if not isinstance(r, float) or r >= 1}
    assert not late and not slow and len(results) == len(sizes), (
        f"with a {LIMIT} s limit, queries that mention SERVICE in a comment, by size: (status, seconds) {results}; "
        f"meanwhile: {meanwhile}"
    )


def test_a_fresh_server_answers_concurrent_queries_that_mention_service(curated):
    """The first queries a worker gets may come at once. Queries that look like they call a SERVICE
    (here in a comment), which the guard must parse with rdflib, but call none, are answered 200,
    then and ever after, as is the saved query about services; none is refused as federated."""
    with launch("--store", curated.store, workers=1, evaluators=8) as server:

        def ask(_):
            return requests.post(server.url, data={"query": fresh(SERVICE_IN_A_COMMENT)}, timeout=60).status_code

        with ThreadPoolExecutor(8) as pool:
            first = list(pool.map(ask, range(8)))
            later = list(pool.map(ask, range(16)))
        saved = requests.get(
            server.base + "/queries/services-of-type.json", params={"kind": "sensitive-data-platform"}, timeout=60
        )
        assert first == [200] * 8 and later == [200] * 16 and saved.status_code == 200, (
            f"eight at once on a fresh worker: {first}; sixteen more: {later}; then /queries/services-of-type.json: "
            f"{saved.status_code} {saved.text[:100]}"
        )


def update_of(size: int) -> str:
    """An INSERT DATA of about `size` characters, sent as a query: Oxigraph refuses it at once."""
    return "INSERT DATA { <http://example.org/s> <http://example.org/p> 1" + ", 1" * (size // 3) + " }"


def test_large_updates_are_refused_within_the_time_limit(curated):
    """INSERT DATA texts of 5 to 160 kB sent as queries, eight at once, are each refused (400 or 403)
    within the time limit, and a simple query is answered in under a second meanwhile."""
    sizes = [5_000, 10_000, 15_000, 19_000, 19_900, 40_000, 80_000, 160_000]
    with launch("--store", curated.store, "--query-timeout", LIMIT, workers=1, evaluators=8, hard_stop=True) as server:
        warm(server, rounds=1)
        assert requests.post(server.url, data={"query": update_of(100)}, timeout=30).status_code in (400, 403)
        results, meanwhile = concurrently(
            server, {size: {"data": {"query": update_of(size)}} for size in sizes}, {"simple": SIMPLE}
        )
        simple = meanwhile["simple"]
    late = {size: r for size, r in results.items() if r[0] not in (400, 403) or r[1] >= LIMIT + SLACK}
    assert not late and len(results) == len(sizes) and isinstance(simple, float) and simple < 1, (
        f"with a {LIMIT} s limit, updates sent as queries, by size: (status, seconds) {results}; a simple "
        f"query meanwhile: {simple}"
    )


# === 3. No SSRF, no path traversal ===================================================================


class Listener:
    """A TCP socket on 127.0.0.1 that records every connection made to it, in a thread of its own,
    and hangs up at once (so that a server that does connect is not left waiting for an answer)."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.received: list[bytes] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._closed.is_set():
            if not select.select([self.socket], [], [], 0.1)[0]:
                continue
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            connection.settimeout(0.5)
            try:
                self.received.append(connection.recv(4096))
            except OSError:
                self.received.append(b"")
            connection.close()

    def connections(self, wait: float = 0.5) -> list[bytes]:
        time.sleep(wait)
        return list(self.received)

    def close(self):
        self._closed.set()
        self._thread.join(5)
        self.socket.close()


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("reliability") / "store"
    done = nolsi("build", "--no-shapes", "--store", store, SAMPLE)
    assert done.returncode == 0, done.stderr
    return store


@pytest.fixture(scope="module")
def sample_server(sample_store):
    with launch("--store", sample_store, "--query-timeout", 5, workers=1) as server:
        yield server


@pytest.fixture(scope="module")
def listener():
    listening = Listener()
    yield listening
    listening.close()


# What tests/test_clients.py already proves (SERVICE: plain, SILENT, lower case, codepoint escape,
# prefixed name, relative to BASE, VALUES variable, in EXISTS/subquery/OPTIONAL/CONSTRUCT/DESCRIBE;
# FROM, FROM NAMED, default-graph-uri and named-graph-uri by GET; LOAD and every update form) is not
# repeated here. These are the other ways an IRI can reach the engine.
SSRF_QUERIES = {
    "SERVICE ?e from BIND(IRI(...))": 'SELECT * WHERE { BIND(IRI("{u}/sparql") AS ?e) SERVICE ?e { ?s ?p ?o } }',
    "SERVICE ?e from BIND(<...>)": "SELECT * WHERE { BIND(<{u}/sparql> AS ?e) SERVICE SILENT ?e { ?s ?p ?o } }",
    "SERVICE ?e from VALUES of several": (
        "SELECT * WHERE { VALUES ?e { <urn:x> <{u}/sparql> } SERVICE ?e { ?s ?p ?o } }"
    ),
    "SERVICE ?e bound by a subquery": "SELECT * WHERE { { SELECT (<{u}/sparql> AS ?e) {} } SERVICE ?e { ?s ?p ?o } }",
    "SERVICE in MINUS": "SELECT * WHERE { ?s ?p ?o MINUS { SERVICE <{u}/sparql> { ?s ?p ?o } } }",
    "SERVICE in GRAPH": "SELECT * WHERE { GRAPH ?g { SERVICE <{u}/sparql> { ?s ?p ?o } } }",
    "SERVICE in UNION": "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE <{u}/sparql> { ?s ?p ?o } } }",
    "SERVICE in NOT EXISTS": "ASK { FILTER NOT EXISTS { SERVICE <{u}/sparql> { ?s ?p ?o } } }",
    "SERVICE in BIND(EXISTS)": "SELECT * WHERE { BIND(EXISTS { SERVICE <{u}/sparql> { ?s ?p ?o } } AS ?x) }",
    "SERVICE nested in SERVICE": "SELECT * WHERE { SERVICE <urn:x> { SERVICE <{u}/sparql> { ?s ?p ?o } } }",
    "BASE and a relative prefix": "BASE <{u}/> PREFIX r: <a/> SELECT * WHERE { SERVICE r:sparql { ?s ?p ?o } }",
    "relative SERVICE IRI, resolved against the endpoint": "SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "SERVICE written with codepoint escapes in the IRI": "SELECT * WHERE { SERVICE <{u}/\\u0073parql> { ?s ?p ?o } }",
    # rdflib applies the codepoint escape \u0022 before parsing (SPARQL 1.1 section 19.2), Oxigraph only
    # inside the string: rdflib sees a string where Oxigraph sees a SERVICE call.
    "SERVICE that rdflib reads as a string (\\u0022)": (
        'SELECT ?x WHERE { BIND("\\u0022 AS ?x) BIND(" AS ?y) SERVICE <{u}/sparql> { ?s ?p ?o } #" AS ?z)\n}'
    ),
    "SERVICE that rdflib reads as a string (\\u0027)": (
        "SELECT ?x WHERE { BIND('\\u0027 AS ?x) BIND(' AS ?y) SERVICE <{u}/sparql> { ?s ?p ?o } #' AS ?z)\n}"
    ),
    "FROM with a relative IRI and BASE": (
        "BASE <{u}/> SELECT * FROM <data.ttl> FROM NAMED <named.ttl> WHERE { ?s ?p ?o }"
    ),
    "DESCRIBE of a remote IRI": "DESCRIBE <{u}/thing>",
    "IRI() and STR() of a remote IRI": (
        'SELECT (IRI("{u}/x") AS ?i) (STR(<{u}/y>) AS ?s) (isIRI(<{u}/z>) AS ?b) WHERE {}'
    ),
}


def _transports(url: str, text: str, extra: dict | None = None) -> list[requests.Response]:
    extra = extra or {}
    return [
        requests.get(url, params={"query": text, **extra}, timeout=30),
        requests.post(url, data={"query": text, **extra}, timeout=30),
        requests.post(
            url, params=extra, data=text.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=30
        ),
    ]


@pytest.mark.parametrize("name", list(SSRF_QUERIES))
def test_no_query_makes_the_server_connect_anywhere(sample_server: Launched, listener: Listener, name: str):
    query = SSRF_QUERIES[name].replace("{u}", listener.url)
    before = len(listener.connections(wait=0))
    statuses = [r.status_code for r in _transports(sample_server.url, query)]
    received = listener.connections()[before:]
    assert not received, f"the server connected to the listener ({statuses}): {received[0][:300]!r}"
    assert all(s < 500 for s in statuses), statuses


@pytest.mark.parametrize(
    "parameters",
    [
        {"default-graph-uri": "{u}/default"},
        {"named-graph-uri": "{u}/named"},
        {"default-graph-uri": "{u}/a", "named-graph-uri": "{u}/b"},
    ],
    ids=["default-graph-uri", "named-graph-uri", "both"],
)
def test_graph_parameters_are_never_fetched_by_any_transport(
    sample_server: Launched, listener: Listener, parameters: dict
):
    """tests/test_clients.py proves it for GET; here also for the form POST and the direct POST
    (where they travel in the URL)."""
    extra = {k: v.replace("{u}", listener.url) for k, v in parameters.items()}
    before = len(listener.connections(wait=0))
    responses = _transports(sample_server.url, "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", extra)
    assert [r.status_code for r in responses] == [200, 200, 200], [r.text[:200] for r in responses]
    assert all(r.json()["results"]["bindings"] == [] for r in responses)
    assert not listener.connections()[before:], "the server fetched a graph IRI"


def test_a_host_header_naming_the_listener_changes_nothing(sample_server: Launched, listener: Listener):
    """Relative IRIs resolve against the request's URL, whose host the client chooses."""
    before = len(listener.connections(wait=0))
    for query in (
        "SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
        "SELECT * FROM <data> WHERE { ?s ?p ?o }",
        "DESCRIBE <x>",
    ):
        response = requests.get(
            sample_server.url, params={"query": query}, timeout=30, headers={"Host": f"127.0.0.1:{listener.port}"}
        )
        assert response.status_code < 500, response.text
    assert not listener.connections()[before:]


def test_saved_query_iri_parameters_are_never_fetched(sample_server: Launched, listener: Listener):
    before = len(listener.connections(wait=0))
    for suffix in (".json", ".csv", ""):
        response = requests.get(
            f"{sample_server.base}/queries/fact-provenance{suffix}",
            params={"iri": listener.url + "/x"},
            headers={"Accept": "text/html"},
            timeout=30,
        )
        assert response.status_code == 200, response.text[:300]
    assert not listener.connections()[before:]


TRAVERSAL_PREFIXES = [
    "/releases/",
    "/releases/{v}/",
    "/releases/latest/",
    "/doc/",
    "/doc/ri/",
    "/id/",
    "/id/ri/",
    "/static/",
    "/static/yasgui/",
    "/static/swagger-ui/",
    "/queries/",
    "/graph/",
    "/vocab/",
    "/ontology/",
    "/shapes/",
    "/",
]
CLIMBS = [
    "../",
    "..%2f",
    "..%2F",
    "%2e%2e/",
    "%2e%2e%2f",
    "%2E%2E%2F",
    ".%2e/",
    "%2e./",
    "%252e%252e%252f",
    "%252e%252e/",
    "..\\",
    "..%5c",
    "%2e%2e%5c",
    "....//",
    "..%00/",
    "%00../",
    "%c0%ae%c0%ae/",
    "..;/",
    "/",
    "%2f",
]
TARGETS = {  # a file outside every served folder, and what only it contains
    "pyproject.toml": b"[project]",
    "etc/passwd": b"root:",
    "loader/settings.py": b"class Settings",
    "builds/{v}/CURRENT": b"MANIFEST-",
    "store/builds/{v}/CURRENT": b"MANIFEST-",
    ".build.lock": None,
}


def raw_get(base: str, target: bytes) -> tuple[int, dict[str, str], bytes]:
    """GET `target` byte for byte (no client-side normalisation of `..` or escapes)."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: " + parts.netloc.encode() + b"\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def follow(base: str, target: bytes) -> tuple[int, bytes, list[str]]:
    """GET `target`, following redirects on this server (and failing on any to elsewhere)."""
    hops = []
    for _ in range(6):
        status, headers, body = raw_get(base, target)
        if status not in (301, 302, 303, 307, 308):
            return status, body, hops
        location = urlsplit(headers["location"])
        assert not location.netloc or location.netloc == urlsplit(base).netloc, (
            f"redirected off the server: {headers['location']}"
        )
        hops.append(headers["location"])
        target = (location.path + (f"?{location.query}" if location.query else "")).encode("latin-1")
    raise AssertionError(f"more than 5 redirects: {hops}")


def test_no_path_leaves_the_served_folders(curated):
    """Every served prefix, every way of writing `..` (escaped, double-escaped, backslashes, NUL,
    overlong UTF-8, `;`), to files of the project, the store and the system: after following the
    server's own redirects, always 400 or 404, never one of those files."""
    version = curated.version
    failures = []
    for prefix in TRAVERSAL_PREFIXES:
        for climb in CLIMBS:
            for target, marker in TARGETS.items():
                path = (prefix + climb * 7 + target).replace("{v}", version)
                status, body, hops = follow(curated.base, path.encode())
                if status not in (400, 404) or (marker and marker in body):
                    failures.append((path, status, hops, body[:80]))
        for tail in ("%00", "x%00.ttl", "\x00", "..\x00/pyproject.toml", "%2e%2e%00/pyproject.toml"):
            path = (prefix + tail).replace("{v}", version)
            status, body, hops = follow(curated.base, path.encode("latin-1"))
            if status not in (400, 404):
                failures.append((path, status, hops, body[:80]))
    assert not failures, f"{len(failures)} paths not refused: {failures[:10]}"


# === 4. Crash safety ============================================================================================

EX = "http://example.org/"


def dataset(path: Path, name: str, triples: int, build: int) -> Path:
    """A small dataset file (its own named graph) of `triples` triples, plus one that numbers the build."""
    lines = [f'<{EX}{name}/s{i}> <{EX}p> "{name} {i}" .\n' for i in range(triples)]
    lines.append(f'<{EX}{name}/build> <{EX}number> "{build}" .\n')
    path.write_text("".join(lines))
    return path


MIXED = "SELECT (COUNT(*) AS ?n) (SAMPLE(?g) AS ?graph) (COUNT(DISTINCT ?g) AS ?graphs) WHERE { GRAPH ?g { ?s ?p ?o } }"
DEFAULT_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_builds_while_serving_never_show_a_mixed_state(tmp_path: Path):
    """`nolsi build FILES` of two datasets, one after the other, into the store being served, while
    clients ask count and version queries: every answer is all of one build, never an error, never
    a mix. (A build killed half-way: tests/test_store.py.)"""
    store_dir, a_dir, b_dir = tmp_path / "store", tmp_path / "a", tmp_path / "b"
    a_dir.mkdir(), b_dir.mkdir()
    sizes = {"a": 3, "b": 5}
    built = set()

    def build(name: str, number: int) -> None:
        folder = a_dir if name == "a" else b_dir
        done = nolsi(
            "build", "--no-shapes", "--store", store_dir, dataset(folder / f"{name}.nt", name, sizes[name], number)
        )
        assert done.returncode == 0, done.stderr
        built.add(next(line.split()[1].rstrip(":") for line in done.stdout.splitlines() if line.startswith("built ")))

    build("a", 0)
    answers, problems = [], []
    stop_at = threading.Event()
    with launch("--store", store_dir, "--query-timeout", 10, workers=2) as server:

        def client():
            session = requests.Session()
            while not stop_at.is_set():
                try:
                    mixed = session.get(server.url, params={"query": fresh(MIXED)}, timeout=30)
                    default = session.post(server.url, data={"query": fresh(DEFAULT_COUNT)}, timeout=30)
                    version = session.get(server.base + "/-/version", timeout=30)
                except requests.RequestException as error:
                    problems.append(repr(error))
                    continue
                if {mixed.status_code, default.status_code, version.status_code} != {200}:
                    problems.append((mixed.status_code, mixed.text[:200], default.status_code, version.status_code))
                    continue
                row = mixed.json()["results"]["bindings"][0]
                n, graphs, graph = int(row["n"]["value"]), int(row["graphs"]["value"]), row["graph"]["value"]
                name = graph.rstrip("/").rsplit("/", 1)[-1]
                if graphs != 1 or name not in sizes or n != sizes[name] + 1:
                    problems.append(("mixed", n, graphs, graph))
                default_n = int(default.json()["results"]["bindings"][0]["n"]["value"])
                if default_n not in {size + 1 for size in sizes.values()}:
                    problems.append(("default graph", default_n))
                answers.append((name, version.json()["dataset"]))

        clients = [threading.Thread(target=client) for _ in range(3)]
        for thread in clients:
            thread.start()
        try:
            for number in range(1, 5):
                build("b" if number % 2 else "a", number)
                time.sleep(0.3)
        finally:
            stop_at.set()
            for thread in clients:
                thread.join(60)
    assert not problems, f"{len(problems)} bad answers of {len(answers) + len(problems)}: {problems[:10]}"
    assert {name for name, _ in answers} == {"a", "b"}, "the clients never saw the switch"
    assert {version for _, version in answers} <= built
    assert len(built) == 5 and len({version for _, version in answers}) >= 3, (
        "every build is a new version, served in turn"
    )


def damaged_copy(sample_store: Path, tmp_path: Path, damage) -> tuple[Path, Path]:
    store_dir = tmp_path / "store"
    shutil.copytree(sample_store, store_dir, symlinks=True)
    build = (store_dir / "current").resolve()
    damage(build)
    return store_dir, build


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size or 64))


DAMAGES = {  # tests/test_cli.py::test_serve_refuses_a_damaged_store_at_once: every table overwritten
    "tables truncated": lambda b: [os.truncate(p, p.stat().st_size // 2) for p in b.glob("*.sst")],
    "a table deleted": lambda b: max(b.glob("*.sst"), key=lambda p: p.stat().st_size).unlink(),
    "manifest garbled": lambda b: [_garbage(p) for p in b.glob("MANIFEST-*")],
    "manifest deleted": lambda b: [p.unlink() for p in b.glob("MANIFEST-*")],
    "CURRENT file garbled": lambda b: (b / "CURRENT").write_bytes(b"garbage\n"),
    "CURRENT file deleted": lambda b: (b / "CURRENT").unlink(),
    "build folder deleted (current dangles)": shutil.rmtree,
}
STARTUP_LIMIT = 8  # seconds: a start-up error must come within a few seconds, not after a build


def finish(process: subprocess.Popen, seconds: float) -> tuple[str | None, str]:
    """(stdout, stderr) once `process` exits within `seconds`; else kill it and give (None, its output)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        return process.communicate(timeout=seconds)
    stop(process, hard=True)
    out, err = process.communicate()
    return None, (out or "") + (err or "")


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_store_is_a_clear_startup_error(sample_store: Path, tmp_path: Path, damage: str):
    """`nolsi serve` on a damaged store exits with a non-zero status and a message naming the
    problem, within seconds, without a traceback, without starting a server that fails later, and
    without replacing the damaged store by a build of something else."""
    store_dir, _build = damaged_copy(sample_store, tmp_path, DAMAGES[damage])
    builds_before = sorted(p.name for p in (store_dir / "builds").iterdir())
    started = time.monotonic()
    process = subprocess.Popen(
        [*NOLSI, "serve", "--store", str(store_dir), "--port", "0"],  # it must exit before it listens
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    out, err = finish(process, STARTUP_LIMIT)
    assert out is not None, (
        f"`nolsi serve` still runs {STARTUP_LIMIT} s after start on a store with {damage}; it said: {err[-1500:]}"
    )
    seconds = time.monotonic() - started
    assert process.returncode != 0, f"exit status 0 on a store with {damage}: {err[-1500:]}"
    assert "nolsi build" in err and str(store_dir) in err, err[-1500:]
    no_traceback(out + err)
    assert sorted(p.name for p in (store_dir / "builds").iterdir()) == builds_before, (
        "something was built into the store"
    )
    assert seconds < STARTUP_LIMIT


def test_a_store_damaged_while_serving_stops_the_server_instead_of_a_crash_loop(sample_store: Path, tmp_path: Path):
    """Defence in depth behind `nolsi serve`'s check: when the store is damaged while serving and a
    worker restarts, the new worker cannot boot; the server then stops with a non-zero status and a
    log that names the problem, after trying that one worker: no crash loop."""
    store_dir = tmp_path / "store"
    shutil.copytree(sample_store, store_dir, symlinks=True)
    with launch("--store", store_dir, workers=2) as server:
        for table in (store_dir / "current").resolve().glob("*.sst"):
            os.truncate(table, table.stat().st_size // 2)
        worker = next(p for p in server.tree().values() if p.ppid == server.pid)
        os.kill(worker.pid, signal.SIGKILL)
        try:
            status = server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            status = None
        log = server.log_text()
    assert status is not None and status != 0, (
        f"the server still runs 30 s after a worker could not boot:\n{log[-3000:]}"
    )
    assert log.count("cannot be opened") <= 2, f"workers were restarted again and again:\n{log[-3000:]}"
    assert "cannot be opened" in log and "nolsi build" in log, log[-3000:]


def test_serve_without_a_store_that_cannot_be_built_is_a_clear_error(tmp_path: Path):
    """A missing store is built first (README); when that build cannot succeed, `nolsi serve` exits
    1 with the build's one-line message, and starts nothing."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "invalid" / "syntax" / "undeclared-prefix.ttl", data / "broken.ttl")
    started = time.monotonic()
    done = nolsi(
        "serve",
        "--store",
        tmp_path / "store",
        "--port",
        0,  # it must exit before it listens
        env={"NOLSI_DATA_DIR": str(data)},
        timeout=STARTUP_LIMIT * 4,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "broken.ttl:4:1: The prefix foo: has not been declared" in done.stderr
    no_traceback(done.stdout + done.stderr)
    assert not (tmp_path / "store" / "current").exists()
    assert time.monotonic() - started < STARTUP_LIMIT * 4


# === 5. Load and soak =============================================================================================

SOAK_REQUESTS = int(os.environ.get("NOLSI_SOAK_REQUESTS", "20000"))
SOAK_SECONDS = float(os.environ.get("NOLSI_SOAK_SECONDS", "90"))  # the bound in time: the soak stops there if not done
SOAK_CLIENTS = 8
RUNAWAY_EVERY = 2500  # one runaway (cut at the 2 s limit, its evaluator replaced) per this many requests


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes | None = None
    content_type: str | None = None
    accept: str | None = None
    expect: int = 200


def soak_mix() -> list[Call]:
    """Queries by every transport, saved queries, pages and files: what a public endpoint is asked."""
    calls = []

    def add(weight: int, *args, **kwargs):
        calls.extend([Call(*args, **kwargs)] * weight)

    for limit in range(1, 6):
        add(2, "GET", "/sparql?" + urlencode({"query": f"SELECT ?s ?t WHERE {{ ?s a ?t }} LIMIT {limit}"}))
    add(3, "GET", "/sparql?" + urlencode({"query": DEFAULT_COUNT}), accept="text/csv")
    add(
        3,
        "POST",
        "/sparql",
        urlencode({"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"}).encode(),
        "application/x-www-form-urlencoded",
    )
    add(3, "POST", "/sparql", b"ASK { ?s ?p ?o }", "application/sparql-query")
    add(
        1,
        "POST",
        "/sparql",
        b"CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 20",
        "application/sparql-query",
        "text/turtle",
    )
    add(1, "GET", "/sparql?" + urlencode({"query": "ASK {"}), expect=400)
    add(4, "GET", "/queries/research-infrastructures.json")
    add(3, "GET", "/queries/people-and-roles.csv")
    add(2, "GET", "/queries/events-in-range.json?" + urlencode({"from": "2020-01-01", "to": "2030-01-01"}))
    add(1, "GET", "/queries/laws-by-lovdata-id.json?prefix=NOPE", expect=200)
    add(1, "GET", "/queries/research-infrastructures.json?bogus=1", expect=400)
    add(1, "GET", "/doc/ri/elixir-norway", accept="text/html")
    add(2, "GET", "/doc/ri/elixir-norway.ttl")
    add(1, "GET", "/id/ri/elixir-norway", expect=303)
    add(1, "GET", "/", accept="text/html")
    add(3, "GET", "/-/health")
    add(2, "GET", "/queries")
    add(2, "GET", "/releases/")
    add(1, "GET", "/.well-known/void")
    add(1, "GET", "/sparql", accept="text/turtle")
    add(1, "GET", "/no/such/page", expect=404)
    return calls


def test_soak(curated):
    """NOLSI_SOAK_REQUESTS requests (20 000; or as many as NOLSI_SOAK_SECONDS, 90 s, allow) from 8
    clients against 2 workers on the curated store, with a runaway now and then: no error, no
    connection lost, the RSS of the server's whole process tree within 10% between the first and
    the last quarter, and no evaluator leaked by the restarts after the runaways."""
    import http.client
    import random

    mix = soak_mix()
    random.Random(8).shuffle(mix)
    runaway = Call("GET", "/sparql?" + urlencode({"query": RUNAWAYS["cartesian product"]}), expect=503)
    with launch("--store", curated.store, "--query-timeout", LIMIT, workers=2, evaluators=4) as server:
        warm(server)
        port = urlsplit(server.base).port
        counter = iter(range(10**9))
        done, errors, samples, lock = [0], [], [], threading.Lock()
        deadline = time.monotonic() + SOAK_SECONDS
        stop_at = threading.Event()

        def send(connection, call):
            headers = {"Content-Type": call.content_type} if call.content_type else {}
            if call.accept:
                headers["Accept"] = call.accept
            path = call.path if call is not runaway else call.path + quote(f" # {uuid.uuid4()}")
            connection.request(call.method, path, body=call.body, headers=headers)
            response = connection.getresponse()
            body = response.read()
            return response, body

        def client(number: int):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while not stop_at.is_set():
                i = next(counter)
                if i >= SOAK_REQUESTS or time.monotonic() > deadline:
                    break
                call = runaway if i % RUNAWAY_EVERY == RUNAWAY_EVERY // 2 else mix[i % len(mix)]
                try:
                    response, body = send(connection, call)
                except (OSError, http.client.HTTPException) as error:
                    errors.append((call.path[:80], repr(error)))
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    continue
                if response.status != call.expect or any(m.encode() in body for m in TRACEBACK_MARKERS):
                    errors.append((call.path[:80], response.status, body[:200]))
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                with lock:
                    done[0] += 1
            connection.close()

        def sampler():
            while not stop_at.wait(0.5):
                tree = server.tree()
                samples.append((done[0], sum(p.rss_kib for p in tree.values()), len(tree)))

        watcher = threading.Thread(target=sampler)
        watcher.start()
        started = time.monotonic()
        with ThreadPoolExecutor(SOAK_CLIENTS) as pool:
            list(pool.map(client, range(SOAK_CLIENTS)))
        stop_at.set()
        watcher.join()
        seconds = time.monotonic() - started
        total = done[0]
        time.sleep(1)
        tree = server.tree()

    assert not errors, f"{len(errors)} errors in {total} requests: {errors[:10]}"
    if total < SOAK_REQUESTS:
        assert total >= SOAK_REQUESTS // 4, f"only {total} requests in {SOAK_SECONDS} s"
        print(f"soak cut at {SOAK_SECONDS:g} s: {total} of {SOAK_REQUESTS} requests")
    first = [rss for n, rss, _ in samples if n <= total / 4]
    last = [rss for n, rss, _ in samples if n >= total * 3 / 4]
    assert first and last, samples
    growth = (sum(last) / len(last)) / (sum(first) / len(first)) - 1
    report = (
        f"{total} requests in {seconds:.0f} s ({total / seconds:.0f}/s); tree RSS first quarter "
        f"{sum(first) / len(first) / 1024:.0f} MiB, last {sum(last) / len(last) / 1024:.0f} MiB ({growth:+.1%}); "
        f"{len(server.seen_evaluators)} evaluators seen, {len(evaluators_in(tree))} at the end"
    )
    print(report)
    assert growth < 0.10, report
    pool = set(evaluators_in(tree))
    assert len(pool) <= server.workers * server.slots, report
    assert not {pid for pid in server.seen_evaluators - pool if running(pid)}, "evaluators leaked out of the tree"
    # the master; per worker: itself, its fork server, multiprocessing's resource tracker, the zygote, its evaluators
    assert max(count for _, _, count in samples) <= 1 + server.workers * (4 + server.slots), (
        "more processes than the pools allow"
    )


def test_the_answer_cache_keeps_to_its_memory_bound(sample_store: Path):
    """The answer cache is bounded (NOLSI_CACHE_BYTES per worker). Forty distinct queries of 600 kB
    each (under the 1 MB request limit) with small answers must not grow the server by much more
    than that bound (1 MB, plus 10 MB for noise). Control: the same large query ten times."""
    bound = 1_000_000
    padding = "#" + "x" * 600_000 + "\n"
    with launch("--store", sample_store, workers=1, env={"NOLSI_CACHE_BYTES": str(bound)}) as server:
        session = requests.Session()

        def send(tag: str):
            response = session.post(
                server.url,
                data=(padding + f"ASK {{}} # {tag}").encode(),
                headers={"Content-Type": "application/sparql-query"},
                timeout=60,
            )
            assert response.status_code == 200, response.text[:200]

        for _ in range(5):
            send("warm-up")
        before = server.rss_kib()
        for _ in range(10):
            send("the same")
        same = server.rss_kib()
        for i in range(40):
            send(f"distinct {i}")
        after = server.rss_kib()
    grown = (after - same) * 1024
    assert grown < bound + 10_000_000, (
        f"40 distinct 600 kB queries grew the server by {grown / 1e6:.0f} MB "
        f"with a cache bound of {bound / 1e6:.0f} MB "
        f"(the same query 10 times: {(same - before) / 1024:+.0f} MB)"
    )


# === 6. Hardening: request ids, errors ===============================================================================


def log_records(server: Launched) -> list[dict]:
    records = []
    for line in server.log_text().splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):  # a line of a traceback or of granian's own log
                records.append(json.loads(line))
    return records


def test_the_log_line_of_a_request_carries_the_request_id_of_its_response(sample_server: Launched):
    """One JSON log line per request, with the id the client gets in `Request-Id`: for answers,
    errors of every kind, a client's own well-formed id, and an id that is not well formed
    (replaced, and not written to the log)."""
    hostile = 'x" , "status": 200, "injected": "yes'
    cases = [
        ("GET", "/sparql", {"query": "ASK {}"}, {}, 200),
        ("GET", "/sparql", {"query": "ASK {"}, {}, 400),
        ("GET", "/sparql", {"query": "CLEAR ALL"}, {}, 403),
        ("GET", "/sparql", {"query": "ASK {}"}, {"Accept": "image/png"}, 406),
        ("POST", "/sparql", {"query": "ASK {}"}, {"Content-Type": "text/plain"}, 415),
        ("GET", "/queries/research-infrastructures.json", {"bogus": "1"}, {}, 400),
        ("GET", "/no/such/page", {}, {}, 404),
        ("GET", "/-/health", {}, {"Request-Id": "client-chosen.id_1"}, 200),
        ("GET", "/sparql", {"query": "ASK {}"}, {"Request-Id": hostile}, 200),
        ("GET", "/sparql", {"query": "ASK {}"}, {"Request-Id": "a" * 65}, 200),
    ]
    for method, path, params, headers, status in cases:
        if method == "POST":
            response = requests.post(sample_server.base + path, data=urlencode(params), headers=headers, timeout=30)
        else:
            response = requests.get(sample_server.base + path, params=params, headers=headers, timeout=30)
        assert response.status_code == status, (path, params, response.status_code, response.text[:200])
        given = headers.get("Request-Id")
        request_id = response.headers["Request-Id"]
        assert re.fullmatch(r"[A-Za-z0-9._-]{1,64}", request_id)
        if given == "client-chosen.id_1":
            assert request_id == given
        elif given:
            assert request_id != given
        deadline = time.monotonic() + 5
        while True:
            lines = [r for r in log_records(sample_server) if r.get("request_id") == request_id]
            if lines or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert len(lines) == 1, f"{len(lines)} log lines with request id {request_id} for {method} {path}"
        assert lines[0]["path"] == path and lines[0]["status"] == status and lines[0]["method"] == method, lines[0]
    assert "injected" not in sample_server.log_text() and "a" * 65 not in sample_server.log_text()


def test_an_engine_failure_is_a_short_message_without_traceback(sample_store: Path, tmp_path: Path):
    """The one 5xx a client can meet without a bug: the served build damaged on disk while serving.
    Every route answers a short plain-text error with its Request-Id, never a traceback, and the
    server keeps serving what does not need the store."""
    store_dir = tmp_path / "store"
    shutil.copytree(sample_store, store_dir, symlinks=True)
    with launch("--store", store_dir, workers=1) as server:
        assert requests.get(server.url, params={"query": "ASK { ?s ?p ?o }"}, timeout=30).json()["boolean"] is True
        good = (store_dir / "current").resolve()
        broken = good.parent / (good.name + "-damaged")
        shutil.copytree(good, broken)
        for table in broken.glob("*.sst"):
            os.truncate(table, table.stat().st_size // 2)
        link = store_dir / "current-new"
        link.symlink_to(broken.relative_to(store_dir))
        os.replace(link, store_dir / "current")
        time.sleep(engine.RECHECK * 4)  # the server looks at the store link every RECHECK seconds
        for path, params in (
            ("/sparql", {"query": fresh("ASK { ?s ?p ?o }")}),
            ("/queries/research-infrastructures.json", {}),
            ("/doc/ri/elixir-norway", {}),
            ("/doc/ri/elixir-norway.ttl", {}),
        ):
            response = requests.get(server.base + path, params=params, timeout=30)
            assert response.status_code >= 500, (path, response.status_code)
            assert response.headers["Content-Type"].startswith("text/plain") and len(response.content) < 1000, (
                response.text[:300]
            )
            assert response.headers.get("Request-Id"), path
            no_traceback(response.text)
        assert requests.get(server.base + "/-/health", timeout=30).status_code == 200
        no_traceback("\n".join(line for line in server.log_text().splitlines() if line.startswith("{")))
