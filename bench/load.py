"""The load generator: N client threads, each with one keep-alive connection, for a fixed time.

Plain `http.client` rather than `requests`: on a 2-core machine the client shares the CPU with the
server under test, and `http.client` costs a fraction of `requests` per request. Each thread walks
the query mix round-robin from its own offset, so every query gets the same share of requests.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from bench.queries import Query


@dataclass
class Sample:
    query: str
    seconds: float
    status: int


@dataclass
class Cell:
    target: str
    concurrency: int
    elapsed: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    load_avg: float = 0.0  # the machine's 1-minute load average while the cell ran


def request_for(query: Query, saved_routes: bool, endpoint: str = "/sparql") -> tuple[str, str, bytes | None, dict]:
    """Method, path, body and headers of one query for one target."""
    if saved_routes and query.saved_path:
        return "GET", query.saved_path, None, {"Accept": query.accept}
    body = urllib.parse.urlencode({"query": query.text}).encode()
    return "POST", endpoint, body, {"Accept": query.accept, "Content-Type": "application/x-www-form-urlencoded"}


def run_cell(
    port: int,
    saved_routes: bool,
    mix: list[Query],
    concurrency: int,
    seconds: float,
    max_requests: int = 1_000_000,
    timeout: float = 120,
    endpoint: str = "/sparql",
) -> Cell:
    """Run `concurrency` clients for `seconds` (each finishes the request it is in), return the samples.

    A single client also runs at least one whole pass of the mix, so that every query has a latency.
    """
    prepared = [(q.name, *request_for(q, saved_routes, endpoint)) for q in mix]
    per_thread: list[list[Sample]] = [[] for _ in range(concurrency)]
    budget = [max_requests]
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        out = per_thread[index]
        i = index
        barrier.wait()
        while time.perf_counter() < deadline[0] or (len(out) < len(prepared) and concurrency == 1):
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            name, method, path, body, headers = prepared[i % len(prepared)]
            i += 1
            started = time.perf_counter()
            for _attempt in (
                1,
                2,
            ):  # a keep-alive connection the server closed meanwhile is retried once, as clients do
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                    if response.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                    break
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    status = 0
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                except (OSError, http.client.HTTPException):
                    status = 0
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                    break
            out.append(Sample(name, time.perf_counter() - started, status))
        conn.close()

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(concurrency)]
    for t in threads:
        t.start()
    started = time.perf_counter()
    deadline[0] = started + seconds
    barrier.wait()
    for t in threads:
        t.join()
    cell = Cell("", concurrency, time.perf_counter() - started)
    for samples in per_thread:
        cell.samples.extend(samples)
    return cell


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]
