"""Distinct-query throughput: nolsi against Oxigraph server, every request a query never sent before.

An answer cache is a feature, not a benchmark result: here each request is a template filled with a
fresh value (a subject, a class, a LIMIT no earlier request used), so every answer is computed.
Both servers hold the same data (nolsi's release; Oxigraph loaded from its N-Quads and N-Triples
dumps, as in bench/run.py) and are measured side by side in one run, alternating, on the same
machine; the clients are separate processes, one per connection.

    .venv/bin/python -m bench.distinct                      # real, 100k, 1M; 1, 4 and 8 clients
    .venv/bin/python -m bench.distinct --sizes real --seconds 5

Writes bench/results/<date>-distinct.json and prints a table. No timing here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.targets import free_port

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench" / "distinct"
RESULTS = ROOT / "bench" / "results"
BIN = ROOT / ".venv" / "bin"
SIZES = {"real": None, "100k": 100_000, "1m": 1_000_000}
SAMPLE = 2000  # subjects and classes the templates draw their values from

# Five kinds of question a client of the graph asks, each with a fresh value per request: an
# entity's statements, its incoming links, two hops out, a label search, a class's size.
TEMPLATES = {
    "lookup": "SELECT ?p ?o WHERE {{ <{s}> ?p ?o }} LIMIT 100",
    "incoming": "SELECT ?x ?p WHERE {{ ?x ?p <{s}> }} LIMIT 100",
    "two-hop": "SELECT ?p ?q ?y WHERE {{ <{s}> ?p ?x . ?x ?q ?y }} LIMIT 100",
    "label-search": (
        "SELECT ?x ?label WHERE {{ ?x <http://www.w3.org/2004/02/skos/core#prefLabel> ?label "
        'FILTER(CONTAINS(LCASE(STR(?label)), "{w}")) }} LIMIT 20'
    ),
    "class-size": "SELECT (COUNT(?x) AS ?n) WHERE {{ ?x a <{c}> }}",
}


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def prepare(size: str) -> tuple[Path, Path]:
    """A nolsi store of the dataset and an Oxigraph store of the same quads."""
    from bench import synthetic

    work = WORK / size
    store, oxigraph = work / "store", work / "oxigraph"
    if (work / "ready").exists():
        return store, oxigraph
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    argv = [str(BIN / "nolsi"), "build", "--store", str(store), "--no-shapes"]
    triples = SIZES[size]
    if triples:
        synthetic.write(triples, work / "data")
        argv += ["--data-dir", str(work / "data")]
    log(f"{size}: nolsi build")
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    release = next((store / "releases").iterdir())
    dumps = []
    for suffix in ("nq", "nt"):
        target = work / f"dump.{suffix}"
        with gzip.open(release / f"nolsi-{release.name}.{suffix}.gz", "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        dumps.append(str(target))
    log(f"{size}: oxigraph load")
    subprocess.run(
        [str(BIN / "oxigraph"), "load", "--location", str(oxigraph), "--file", *dumps],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    (work / "ready").touch()
    return store, oxigraph


def values(store: Path) -> dict[str, list[str]]:
    """Subjects, classes and label fragments of the default graph, a sample of each, in a fixed order."""
    import pyoxigraph

    db = pyoxigraph.Store.read_only(str(store / "current"))

    def select(query: str, name: str) -> list[str]:
        solutions = db.query(query)
        assert isinstance(solutions, pyoxigraph.QuerySolutions)  # a SELECT
        return [solution[name].value for solution in solutions]

    subjects = select(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s)) }} LIMIT {SAMPLE}", "s")
    classes = select("SELECT DISTINCT ?c WHERE { ?s a ?c } LIMIT 200", "c")
    labels = [
        label.lower()
        for label in select(
            f"SELECT ?l WHERE {{ ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }} LIMIT {SAMPLE}", "l"
        )
    ]
    words = sorted({w[:4] for label in labels for w in label.split() if len(w) >= 4 and w.isalpha()})
    return {"s": subjects, "c": classes, "w": words}


def query(k: int, values: dict[str, list[str]]) -> str:
    """The k-th query of the mix: its template by k, its value by k, and a comment naming k, so
    that no two requests of a run send the same text."""
    names = list(TEMPLATES)
    turn = k // len(names)
    filled = TEMPLATES[names[k % len(names)]].format(**{key: pool[turn % len(pool)] for key, pool in values.items()})
    return f"{filled}\n# request {k}"


def client(port: int, path: str, start: int, step: int, values, deadline: float, out) -> None:
    """One connection sending queries start, start+step, ... until the deadline; latencies to `out`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"}
    latencies, errors, k = [], 0, start
    while time.perf_counter() < deadline:
        body = urllib.parse.urlencode({"query": query(k, values)})
        template = k % len(TEMPLATES)
        k += step
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        if ok:
            latencies.append((template, time.perf_counter() - started))
        else:
            errors += 1
    out.put((latencies, errors))


def run_cell(port: int, path: str, clients: int, seconds: float, offset: int, values) -> dict:
    out: multiprocessing.Queue = multiprocessing.Queue()
    deadline = time.perf_counter() + seconds
    procs = [
        multiprocessing.Process(target=client, args=(port, path, offset + i, clients, values, deadline, out))
        for i in range(clients)
    ]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    elapsed = time.perf_counter() - started
    for p in procs:
        p.join()
    timed = [pair for lat, _ in results for pair in lat]
    latencies = sorted(seconds for _, seconds in timed)
    errors = sum(e for _, e in results)
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2) if latencies else None,
        "mean_ms_by_template": _means(timed),
    }


def _means(timed: list[tuple[int, float]]) -> dict[str, float]:
    """Mean latency of each template: where a dataset's time goes (a few heavy templates or many light ones)."""
    names = list(TEMPLATES)
    by_template: dict[str, list[float]] = {}
    for template, seconds in timed:
        by_template.setdefault(names[template], []).append(seconds)
    return {name: round(statistics.fmean(found) * 1000, 3) for name, found in by_template.items()}


def start(argv: list[str], env: dict, port: int, path: str, log_file: Path) -> subprocess.Popen:
    with open(log_file, "wb") as out:
        process = subprocess.Popen(
            argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    body = urllib.parse.urlencode({"query": "ASK {}"})
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{argv[0]} did not start: see {log_file}")


def stop(process: subprocess.Popen) -> None:
    import signal

    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start_servers(size: str, store: Path, oxigraph: Path) -> dict[str, tuple[subprocess.Popen, int, str]]:
    """nolsi and Oxigraph server on the same data: each target's process, port and endpoint path."""
    work = WORK / size
    nolsi_port, oxigraph_port = free_port(), free_port()
    nolsi = [str(BIN / "nolsi"), "serve", "--port", str(nolsi_port), "--store", str(store)]
    oxigraph_argv = [
        str(BIN / "oxigraph"),
        "serve-read-only",
        "--location",
        str(oxigraph),
        "--bind",
        f"127.0.0.1:{oxigraph_port}",
    ]
    return {
        "nolsi": (start(nolsi, {}, nolsi_port, "/sparql", work / "nolsi.log"), nolsi_port, "/sparql"),
        "oxigraph": (start(oxigraph_argv, {}, oxigraph_port, "/query", work / "oxigraph.log"), oxigraph_port, "/query"),
    }


class PeakMemory(threading.Thread):
    """The peak PSS of each target's whole process tree (shared pages counted once), sampled every second."""

    def __init__(self, targets: dict[str, tuple[subprocess.Popen, int, str]]):
        super().__init__(daemon=True)
        self.targets = targets
        self.peaks = {name: 0 for name in targets}
        self.done = threading.Event()

    def run(self) -> None:
        from bench.targets import tree_memory

        while not self.done.wait(1.0):
            for name, (process, _, _) in self.targets.items():
                self.peaks[name] = max(self.peaks[name], tree_memory(process.pid)[1])

    def stop(self) -> None:
        self.done.set()
        self.join()

    def summary(self) -> dict[str, float | None]:
        """MiB of each target, and nolsi's over Oxigraph's."""
        memory: dict[str, float | None] = {name: round(peak / 2**20, 1) for name, peak in self.peaks.items()}
        memory["ratio"] = round(self.peaks["nolsi"] / self.peaks["oxigraph"], 2) if self.peaks["oxigraph"] else None
        return memory


def measure(size: str, concurrencies: list[int], seconds: float, rounds: int) -> dict:
    """Both servers on the dataset `size`: warm-up, then rounds of cells alternating the servers."""
    store, oxigraph = prepare(size)
    sample = values(store)
    targets = start_servers(size, store, oxigraph)
    cells: dict = {name: {str(c): [] for c in concurrencies} for name in targets}
    memory = PeakMemory(targets)
    memory.start()
    offset = 0
    try:
        for _, port, path in targets.values():  # warm-up: every evaluator and thread started
            run_cell(port, path, max(concurrencies), 2, 10_000_000 + offset, sample)
            offset += 100_000
        for r in range(rounds):
            for c in concurrencies:
                for name in list(targets) if (r + c) % 2 == 0 else list(targets)[::-1]:
                    _, port, path = targets[name]
                    cell = run_cell(port, path, c, seconds, offset, sample)
                    offset += 1_000_000
                    cells[name][str(c)].append(cell)
                    log(
                        f"{size} round {r + 1} c={c} {name}: {cell['rps']} req/s, p50 {cell['p50_ms']} ms, "
                        f"p99 {cell['p99_ms']} ms, {cell['errors']} errors"
                    )
    finally:
        memory.stop()
        for process, _, _ in targets.values():
            stop(process)
    return {
        "values": {key: len(pool) for key, pool in sample.items()},
        "cells": cells,
        "best": best_cells(cells, concurrencies),
        "peak_pss_mib": memory.summary(),
    }


def best_cells(cells: dict, concurrencies: list[int]) -> dict:
    """At each concurrency, each target's best cell (most requests/s) and nolsi's over Oxigraph's."""
    summary = {}
    for c in concurrencies:
        key = str(c)
        best = {name: max(cells[name][key], key=lambda cell: cell["rps"]) for name in cells}
        summary[key] = {**best, "ratio": round(best["nolsi"]["rps"] / best["oxigraph"]["rps"], 2)}
    return summary


def print_table(results: dict, out: Path) -> None:
    print(
        f"\n{'size':6} {'clients':>7} {'nolsi req/s':>12} {'oxigraph req/s':>15} {'ratio':>6} "
        f"{'nolsi p99':>10} {'oxigraph p99':>13}"
    )
    for size, measured in results["sizes"].items():
        for c, best in measured["best"].items():
            print(
                f"{size:6} {c:>7} {best['nolsi']['rps']:>12} {best['oxigraph']['rps']:>15} {best['ratio']:>6} "
                f"{best['nolsi']['p99_ms']:>10} {best['oxigraph']['p99_ms']:>13}"
            )
        memory = measured["peak_pss_mib"]
        print(
            f"{size:6} peak PSS of the whole tree: nolsi {memory['nolsi']} MiB, oxigraph {memory['oxigraph']} MiB, "
            f"ratio {memory['ratio']}"
        )
        fewest, best = next(iter(measured["best"].items()))
        means = {name: best[name]["mean_ms_by_template"] for name in ("nolsi", "oxigraph")}
        print(
            f"{size:6} mean ms by template at {fewest} client(s), nolsi / oxigraph: "
            + ", ".join(f"{t} {means['nolsi'][t]} / {means['oxigraph'][t]}" for t in means["nolsi"])
        )
    print(f"written to {out}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="real,100k,1m")
    parser.add_argument("--clients", default="1,4,8")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    concurrencies = [int(c) for c in args.clients.split(",")]
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(),
        "templates": TEMPLATES,
        "machine": os.cpu_count(),
        "python": sys.version.split()[0],
        "settings": {name: value for name, value in os.environ.items() if name.startswith("NOLSI_")},
        "sizes": {},
    }
    for size in args.sizes.split(","):
        results["sizes"][size] = measure(size, concurrencies, args.seconds, args.rounds)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{datetime.now():%Y-%m-%d}-distinct.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print_table(results, out)


if __name__ == "__main__":
    main()
