"""The server as an attacker or a heavy user meets it (issue 12): one live test per way serving used
to break. Each starts `nolsi serve` (granian, evaluators) on the real curated store and talks to it
over TCP, as clients do; every server is stopped, with its whole process group, at the end."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from sparql_api import engine
from tests.test_reliability import (
    SIMPLE,
    Launched,
    assert_cut,
    fresh,
    launch,
    no_traceback,
    process_tree,
    running,
    simple_is_answered,
    timed_get,
)

LIMIT = 2  # seconds: the time limit of the servers here
SLACK = 5  # seconds a runaway's answer may come after the time limit (issue 12: "time limit + 5 s")
EVALUATORS = 4
MEMORY = 256 << 20  # bytes a query may take
ROWS = 1000
HEADER_TIMEOUT = 3  # seconds


@pytest.fixture(scope="module")
def server(curated):
    with launch(
        "--store",
        curated.store,
        "--query-timeout",
        LIMIT,
        "--query-memory",
        MEMORY,
        "--row-limit",
        ROWS,
        "--header-timeout",
        HEADER_TIMEOUT,
        evaluators=EVALUATORS,
    ) as launched:
        yield launched


def host_port(server: Launched) -> tuple[str, int]:
    host, port = server.base.removeprefix("http://").split(":")
    return host, int(port)


# --- slow and idle clients ------------------------------------------------------------------------------


def _trickle(sock: socket.socket, data: bytes, stop: threading.Event) -> None:
    for byte in data:
        if stop.is_set():
            return
        try:
            sock.send(bytes([byte]))
        except OSError:
            return
        stop.wait(1)


def test_slow_and_idle_clients_hold_up_nobody(server: Launched):
    """50 clients sending headers a byte a second, 50 sending a body a byte a second and 100 that
    connect and say nothing: every other client is still answered at once, and the server closes
    the slow ones at the header/body time limit instead of waiting for them forever."""
    stop = threading.Event()
    sockets = []
    slow_headers = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200
    slow_body = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 200\r\n\r\n"
    )
    try:
        for kind in ("headers", "body", "idle", "idle"):
            for _ in range(50):
                sock = socket.create_connection(host_port(server), timeout=30)
                sockets.append((kind, sock))
                if kind == "headers":
                    threading.Thread(target=_trickle, args=(sock, slow_headers, stop), daemon=True).start()
                elif kind == "body":
                    sock.sendall(slow_body)
                    threading.Thread(target=_trickle, args=(sock, b"A" * 200, stop), daemon=True).start()
        time.sleep(1)
        took = [simple_is_answered(server) for _ in range(10)]
        assert max(took) < 1, f"simple queries took {[round(t, 2) for t in took]} s beside the slow clients"
        # The slow ones are cut off: a body that has not arrived in HEADER_TIMEOUT gets 408;
        # slow headers a closed socket.
        time.sleep(HEADER_TIMEOUT + 2)
        for kind, sock in sockets:
            if kind in ("headers", "body"):
                sock.settimeout(SLACK)
                try:
                    answer = sock.recv(4096)
                except OSError:  # reset by the server: also cut off
                    answer = b""
                assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), (kind, answer[:200])
    finally:
        stop.set()
        for _, sock in sockets:
            sock.close()


# --- runaway queries, more than there are evaluators ------------------------------------------------------

CROSS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_runaways_beyond_the_evaluators_are_all_answered_in_time_and_hold_up_nobody(server: Launched):
    """Three times as many runaways as evaluators, at once: each gets a 503 with a message within the
    time limit + 5 s (cut at the limit, or refused early with Retry-After when the long-query slots
    are full), and simple queries from another client keep being answered in about a second."""
    runaways = 3 * EVALUATORS
    stop = threading.Event()
    simple: list[float] = []

    def client():
        while not stop.is_set():
            simple.append(simple_is_answered(server))
            time.sleep(0.1)

    watcher = threading.Thread(target=client)
    watcher.start()
    try:
        with ThreadPoolExecutor(runaways) as pool:
            answers = list(pool.map(lambda _: timed_get(server.url, fresh(CROSS_COUNT)), range(runaways)))
    finally:
        stop.set()
        watcher.join(60)
    cut, refused = 0, 0
    for response, seconds in answers:
        assert response.status_code == 503, response.text[:300]
        assert seconds < LIMIT + SLACK, f"a runaway was answered after {seconds:.1f} s"
        if "Retry-After" in response.headers:
            refused += 1
            assert "retry" in response.text.lower()
        else:
            cut += 1
            assert_cut(response, seconds, "cross count")
    assert cut >= 1 and refused >= 1, (cut, refused)
    assert simple and max(simple) < 1.5, f"simple queries took up to {max(simple):.2f} s during the runaways"


# --- memory ------------------------------------------------------------------------------------------------


def tree_rss(server: Launched) -> int:
    return sum(p.rss_kib for p in process_tree(server.pid).values()) * 1024


def test_a_memory_hungry_query_is_stopped_with_a_message(server: Launched):
    """A sorted cross product takes gigabytes; here it is stopped at the query's memory budget, the
    client is told why, the whole server stays under 3 GB, and the next query is answered."""
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(server))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        response, _seconds = timed_get(
            server.url, fresh("SELECT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 10")
        )
    finally:
        done.set()
        sampler.join()
    assert response.status_code == 503, response.text[:300]
    assert f"{MEMORY >> 20} MiB of memory" in response.text or f"{LIMIT} seconds" in response.text, response.text
    assert peak[0] < 3 << 30, f"the server grew to {peak[0] >> 20} MiB"
    simple_is_answered(server)


def test_a_query_building_a_huge_string_is_an_error_with_a_message(server: Launched):
    """A 1.7 kB query that doubles a string 27 times (1 GiB): stopped at the memory budget or the
    time limit, with a message, never a 500, a traceback or a gigabyte body."""
    binds = "".join(f"BIND(CONCAT(?s{n}, ?s{n}) AS ?s{n + 1}) " for n in range(27))
    query = f'SELECT ?s27 WHERE {{ BIND("aaaaaaaa" AS ?s0) {binds}}}'
    for accept in ("application/sparql-results+json", "text/tab-separated-values"):
        response = requests.get(
            server.url, params={"query": fresh(query)}, headers={"Accept": accept}, timeout=LIMIT + SLACK + 30
        )
        assert response.status_code == 503, (response.status_code, response.text[:300])
        assert len(response.content) < 1000
        no_traceback(response.text)
    simple_is_answered(server)


def test_a_cross_product_without_limit_is_cut_at_the_row_limit_at_once(server: Launched):
    response, seconds = timed_get(server.url, fresh("SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f }"))
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Result-Truncated"] == "true" and response.headers["Result-Rows"] == str(ROWS)
    assert len(response.json()["results"]["bindings"]) == ROWS
    assert seconds < LIMIT / 2


# --- malformed requests -----------------------------------------------------------------------------------


def raw(server: Launched, request: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(host_port(server), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and len(b"".join(chunks)) > 20:
                head = b"".join(chunks)
                if b"content-length" in head.lower():
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    if len(head.split(b"\r\n\r\n", 1)[1]) >= length:
                        break
        return b"".join(chunks)


@pytest.mark.parametrize("path", ["/sparql", "/queries/research-infrastructures"])
def test_bad_chunked_framing_is_a_400(server: Launched, path: str):
    answer = raw(
        server,
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n".encode(),
    )
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400"), answer[:300]
    no_traceback(answer.decode(errors="replace"))
    simple_is_answered(server)


def test_an_absurd_accept_header_costs_nothing(server: Launched):
    """760 kB of media ranges is refused by the server before the app; 10,000 that fit under the header
    cap by the app."""
    huge = ", ".join(f"application/x-type-number-{n}" for n in range(25_000))
    started = time.monotonic()
    answer = raw(
        server,
        f"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: {huge}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert answer == b"" or answer.startswith((b"HTTP/1.1 431", b"HTTP/1.1 400")), answer[:200]
    many = ",".join(f"a/{n}" for n in range(10_000))
    response = requests.get(server.url, params={"query": "ASK {}"}, headers={"Accept": many}, timeout=30)
    assert response.status_code == 400 and "media ranges" in response.text
    assert time.monotonic() - started < 3
    simple_is_answered(server)


# --- the store and the processes -----------------------------------------------------------------------------


def test_an_unreadable_store_is_a_clean_503_and_recovers(curated, tmp_path: Path):
    """`current` made a link loop while serving (unreadable even for root): /-/health and queries
    answer 503 with a message, never a traceback; put back, the server answers again."""
    store = tmp_path / "store"
    shutil.copytree(curated.store, store, symlinks=True)
    with launch("--store", store, evaluators=2) as copy:
        simple_is_answered(copy)
        current = store / "current"
        target = os.readlink(current)
        current.unlink()
        current.symlink_to("current")
        time.sleep(engine.RECHECK * 4)  # each worker looks at the store link again after RECHECK seconds
        try:
            for path in (
                "/-/health",
                "/sparql?query=" + requests.utils.quote(fresh(SIMPLE)),
                "/doc/ri/elixir-norway",
                "/",
            ):
                response = requests.get(copy.base + path, timeout=30)
                assert response.status_code == 503, (path, response.status_code, response.text[:300])
                assert response.headers["Content-Type"].startswith("text/plain")
                no_traceback(response.text)
        finally:
            current.unlink()
            current.symlink_to(target)
        simple_is_answered(copy)
        no_traceback(copy.log_text())


def test_a_killed_master_takes_its_workers_and_evaluators_with_it(curated):
    """kill -9 of granian's master: its workers and their evaluators end within seconds, so the port
    is free and a supervisor (deploy/nolsi.service) can start the server again at once."""
    with launch("--store", curated.store, evaluators=2, workers=2) as doomed:
        simple_is_answered(doomed)
        tree = process_tree(doomed.pid)
        assert len(tree) >= 5, tree  # master, two workers, fork servers, evaluators
        os.kill(doomed.pid, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while any(running(pid) for pid in tree if pid != doomed.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [tree[pid].cmdline[:80] for pid in tree if pid != doomed.pid and running(pid)]
        assert not left, f"still running after the master was killed: {left}"
        with pytest.raises(requests.ConnectionError):
            requests.get(doomed.base + "/-/health", timeout=5)
