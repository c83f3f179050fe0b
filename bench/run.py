"""Issue 7's benchmark: build each dataset with `nolsi build`, serve it with nolsi, Oxigraph server and
rdflib-endpoint, and measure build, cold start, memory, throughput, latency and answer equality.

    python -m bench                     # real graph, synthetic 100k and 1M
    python -m bench --sizes real,100k   # a subset
    python -m bench --quick             # a smoke run of the real graph (about a minute)

Writes bench/results/<date>.json and .png and prints a side-by-side table. Generated data, stores
and server logs go to var/bench/ (ignored by git). No timing here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gzip
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report, synthetic
from bench.load import Cell, percentile, run_cell
from bench.queries import Query, mix, normalise
from bench.targets import MemoryMonitor, Target, free_port, get, post, run_with_rusage

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
NOLSI = ROOT / ".venv" / "bin" / "nolsi"
NOLSI_PYTHON = ROOT / ".venv" / "bin" / "python"
BIN = Path(sys.executable).parent  # the bench venv: oxigraph, rdflib-endpoint, py-spy
ID = "https://w3id.org/nolsi/id/"
SIZES = {"real": None, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
PROBE = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
SUMMARY = re.compile(
    r"built (?P<version>\S+): (?P<files>\d+) files, (?P<graphs>\d+) graphs, (?P<triples>\d+) triples, "
    r"(?P<violations>\d+) violations, (?P<warnings>\d+) warnings \((?P<timings>[^)]*)\)"
)
MODE_NOTE = (
    "nolsi: answers cached in-process (steady state of repeated queries); "
    "nolsi-nocache, nolsi-1w-nocache, nolsi-backend-nocache: NOLSI_CACHE_BYTES=0, every request "
    "evaluated (by the oxigraph target for nolsi-backend-nocache)"
)


@dataclass
class Dataset:
    name: str
    triples: int | None  # None: the curated graph of data/

    @property
    def work(self) -> Path:
        return WORK / self.name

    @property
    def synthetic_dir(self) -> Path:
        return WORK / "data" / f"synthetic-{self.name}"

    @property
    def data_dir(self) -> Path | None:
        return None if self.triples is None else self.synthetic_dir

    @property
    def entity(self) -> str:
        return ID + "ri/elixir-norway"  # in the synthetic graphs too (bench/synthetic.py RENAME)


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# -- build -----------------------------------------------------------------------------------------


def build(ds: Dataset, shapes: bool, validate_timeout: float, validator: str = "sparql") -> dict:
    """`nolsi build` into a fresh store; on SHACL failure or time-out, record it and build with --no-shapes.

    The summary line gives each step's seconds (read, hash, merge, validate, publish, store); the
    peak RSS is that of the largest process of the build (its dump workers are smaller)."""
    result: dict = {}
    if ds.triples is not None:
        result.update(_generate(ds.name, ds.triples, ds.synthetic_dir))
    base = [str(NOLSI), "build", "--store", str(ds.work / "store"), "--validator", validator]
    result["validator"] = validator
    if ds.data_dir is not None:
        base += ["--data-dir", str(ds.data_dir)]
    for with_shapes in [True, False] if shapes else [False]:
        key = "with_shapes" if with_shapes else "no_shapes"
        result[key] = _build_once(ds, base, with_shapes, validate_timeout)
        if result[key]["status"] == 0:
            result["served"] = key
            break
    if "served" not in result:
        raise SystemExit(f"{ds.name}: the build failed; see the output above")
    return result


def _generate(name: str, triples: int, out: Path) -> dict:
    started = time.perf_counter()
    generated = synthetic.write(triples, out)
    seconds = round(time.perf_counter() - started, 2)
    log(f"{name}: generated {generated['triples_written']} triples in {seconds} s")
    return {"generated": generated, "generate_s": seconds}


def _build_once(ds: Dataset, base: list[str], with_shapes: bool, validate_timeout: float) -> dict[str, Any]:
    """One `nolsi build` (with SHACL or --no-shapes) into an emptied store: its resources and outcome."""
    shutil.rmtree(ds.work / "store", ignore_errors=True)
    log(f"{ds.name}: nolsi build{'' if with_shapes else ' --no-shapes'}")
    cpu = _children_cpu()
    argv = base if with_shapes else [*base, "--no-shapes"]
    status, output, wall, peak = run_with_rusage(argv, validate_timeout if with_shapes else 3600)
    attempt: dict[str, Any] = {
        "status": status,
        "wall_s": round(wall, 2),
        "cpu_s": round(_children_cpu() - cpu, 2),
        "peak_rss_mb": round(peak / 2**20, 1),
    }
    outcome = _build_outcome(status, output, validate_timeout)
    attempt.update(_build_summary(output))
    attempt.update(outcome)
    log(
        f"{ds.name}:   -> status {status}, {wall:.1f} s, peak RSS {peak / 2**20:.0f} MB"
        + (f", {attempt['violations']} violations" if "violations" in outcome else "")
        + (f", {attempt['seconds']}" if "seconds" in attempt else "")
    )
    return attempt


def _build_summary(output: str) -> dict[str, Any]:
    """The counts, version and per-step seconds of the build's summary line, if it printed one."""
    match = SUMMARY.search(output)
    if not match:
        return {}
    summary: dict[str, Any] = {k: int(v) for k, v in match.groupdict().items() if k not in ("version", "timings")}
    summary["version"] = match["version"]
    summary["seconds"] = {k: float(v.rstrip("s")) for k, v in (t.split() for t in match["timings"].split(", "))}
    return summary


def _build_outcome(status: int | None, output: str, validate_timeout: float) -> dict[str, Any]:
    """Why a build did not succeed: SHACL violations, the time-out, or the end of its output."""
    outcome: dict[str, Any] = {}
    failed = re.search(r"validation failed with (\d+) SHACL violation", output)
    if failed:
        outcome["violations"] = int(failed.group(1))
        outcome["note"] = "SHACL violations: the store was not changed; the time is read + validate"
    if status is None:
        outcome["note"] = f"stopped after {validate_timeout:g} s (validation did not finish)"
    if status not in (0, None) and not failed:
        outcome["output_tail"] = output[-2000:]
    return outcome


def dumps(ds: Dataset, version: str) -> tuple[Path, Path]:
    """The release's N-Quads (named graphs) and N-Triples (their merge, the default graph), unpacked."""
    release = ds.work / "store" / "releases" / version
    out = []
    for suffix in ("nq", "nt"):
        target = ds.work / f"dump.{suffix}"
        with gzip.open(release / f"nolsi-{version}.{suffix}.gz", "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        out.append(target)
    return out[0], out[1]


def oxigraph_load(ds: Dataset, nquads: Path, ntriples: Path) -> dict:
    """Load the named graphs and, into the default graph, their merge: the same dataset nolsi serves."""
    location = ds.work / "oxigraph"
    shutil.rmtree(location, ignore_errors=True)
    cpu = _children_cpu()
    status, output, wall, peak = run_with_rusage(
        [str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(nquads), str(ntriples)], 3600
    )
    if status != 0:
        raise SystemExit(f"oxigraph load failed: {output[-2000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(_children_cpu() - cpu, 2), "peak_rss_mb": round(peak / 2**20, 1)}


def compare_with_oxigraph_load(ds: Dataset, entry: dict, served: dict, nquads: Path, ntriples: Path) -> None:
    """`oxigraph load` of the same data, and the build's wall and CPU time over it."""
    log(f"{ds.name}: oxigraph load")
    load = entry["oxigraph_load"] = oxigraph_load(ds, nquads, ntriples)
    entry["build_vs_oxigraph_load"] = round(served["wall_s"] / load["wall_s"], 2)
    entry["build_vs_oxigraph_load_cpu"] = round(served["cpu_s"] / load["cpu_s"], 2)
    log(
        f"{ds.name}:   -> {load['wall_s']} s, build/load {entry['build_vs_oxigraph_load']}x "
        f"(CPU {served['cpu_s']} s / {load['cpu_s']} s: {entry['build_vs_oxigraph_load_cpu']}x)"
    )


def _children_cpu() -> float:
    """User plus system seconds of every child process reaped so far (and of theirs): less
    sensitive than wall time to other work on the machine."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- targets ---------------------------------------------------------------------------------------


def make_targets(ds: Dataset, nquads: Path, names: list[str]) -> list[Target]:
    store = str(ds.work / "store")
    logs = ds.work / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    def nolsi(name: str, workers: int, cache: bool) -> Target:
        port = free_port()
        env = {"NOLSI_STORE": store, "NOLSI_WORKERS": str(workers)}
        if not cache:
            env["NOLSI_CACHE_BYTES"] = "0"  # nothing fits: every request is evaluated
        return Target(
            name,
            [str(NOLSI), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env,
            port,
            saved_routes=True,
            log=logs / f"{name}.log",
        )

    def oxigraph() -> Target:
        port = free_port()
        return Target(
            "oxigraph",
            [
                str(BIN / "oxigraph"),
                "serve-read-only",
                "--location",
                str(ds.work / "oxigraph"),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            {},
            port,
            log=logs / "oxigraph.log",
        )

    def rdflib_endpoint() -> Target:
        port = free_port()
        return Target(
            "rdflib-endpoint",
            [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port), str(nquads)],
            {},
            port,
            path="/",
            log=logs / "rdflib-endpoint.log",
        )

    def nolsi_backend(made: list[Target]) -> Target:
        """nolsi's whole API with every query sent to the Oxigraph server target (`serve --backend`):
        the path past one machine. It holds the same graphs, so no push is needed here."""
        oxigraph_target = next((t for t in made if t.name == "oxigraph"), None)
        if oxigraph_target is None:
            raise SystemExit("the target nolsi-backend-nocache needs the target oxigraph, started before it")
        target = nolsi("nolsi-backend-nocache", 2, False)
        target.env["NOLSI_BACKEND"] = f"http://127.0.0.1:{oxigraph_target.port}/query"
        return target

    factories: dict[str, Callable[[list[Target]], Target]] = {
        "nolsi": lambda made: nolsi("nolsi", 2, True),
        "nolsi-nocache": lambda made: nolsi("nolsi-nocache", 2, False),
        "nolsi-1w-nocache": lambda made: nolsi("nolsi-1w-nocache", 1, False),
        "nolsi-backend-nocache": nolsi_backend,
        "oxigraph": lambda made: oxigraph(),
        "rdflib-endpoint": lambda made: rdflib_endpoint(),
    }
    made: list[Target] = []
    for name in sorted(names, key=lambda n: n == "nolsi-backend-nocache"):  # after the server it sends queries to
        made.append(factories[name](made))
    return made


def start_all(size: str, targets: list[Target]) -> None:
    for target in targets:
        log(f"{size}: starting {target.name}")
        target.start(PROBE, timeout=900)
        started = f"first answer after {target.cold_start_s:.2f} s" if target.cold_start_s else target.start_error
        log(f"{size}:   {target.name}: {started}")


def server_figures(target: Target) -> dict:
    """Start-up and memory of one server, as measured while it ran."""
    return {
        "cold_start_s": round(target.cold_start_s, 3) if target.cold_start_s else None,
        "start_error": target.start_error,
        "idle_rss_mb": round(target.idle_rss / 2**20, 1),
        "idle_pss_mb": round(target.idle_pss / 2**20, 1),
        "peak_rss_mb": round(target.peak_rss / 2**20, 1),
        "peak_pss_mb": round(target.peak_pss / 2**20, 1),
        "max_processes": target.max_processes,
    }


def ask(target: Target, query: Query, timeout: float = 600) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    if target.saved_routes and query.saved_path:
        status, body = get(target.port, query.saved_path, query.accept, timeout=timeout)
    else:
        status, body = post(target.port, target.path, query.text, query.accept, timeout=timeout)
    return status, body, time.perf_counter() - started


# -- answers ---------------------------------------------------------------------------------------


def check_answers(targets: list[Target], queries: list[Query], timeout: float) -> dict:
    """Ask every target every query once; compare normalised answers with nolsi's (or the first target's).

    A query that takes longer than `timeout` is left out of that target's load mix, and the target is
    restarted (a server computing a runaway query may not stop when the client goes away).
    """
    answers: dict[str, dict] = {}
    reference = next((t for t in targets if t.name == "nolsi" and t.alive), next((t for t in targets if t.alive), None))
    for query in queries:
        entry: dict = {"rows": {}, "first_ms": {}, "mismatches": []}
        normal: dict[str, list] = {}
        for target in targets:
            if target.alive:
                _answer(target, query, timeout, entry, normal)
        if reference and reference.name in normal:
            entry["mismatches"] += _differences(normal, reference.name)
        answers[query.name] = entry
    return answers


def _answer(target: Target, query: Query, timeout: float, entry: dict, normal: dict[str, list]) -> None:
    """Ask `target` `query`: its time, row count and normalised answer into `entry` and `normal`, or why not."""
    try:
        status, body, seconds = ask(target, query, timeout)
    except (TimeoutError, OSError) as error:
        entry["first_ms"][target.name] = None
        entry["mismatches"].append(f"{target.name}: no answer within {timeout:g} s ({type(error).__name__})")
        _leave_out(target, query, timeout)
        return
    entry["first_ms"][target.name] = round(seconds * 1000, 1)
    if status != 200:
        entry["mismatches"].append(f"{target.name}: HTTP {status}: {body[:200].decode('utf-8', 'replace')}")
        return
    try:
        normal[target.name] = normalise(query, body)
        entry["rows"][target.name] = len(normal[target.name])
    except Exception as error:  # noqa: BLE001 - a report, not a failure
        entry["mismatches"].append(f"{target.name}: unreadable answer: {error}")


def _leave_out(target: Target, query: Query, timeout: float) -> None:
    """A query too slow for `target`: out of its load mix, and the target restarted (its cold start kept)."""
    target.excluded[query.name] = f"no answer within {timeout:g} s"
    log(f"  {target.name}: {query.name} took over {timeout:g} s; restarting it, query left out of its load mix")
    target.stop()
    cold = target.cold_start_s
    target.start(PROBE, timeout=900)
    target.cold_start_s = cold


def _differences(normal: dict[str, list], reference: str) -> list[str]:
    """How each target's answer differs from the reference's, if it does."""
    expected = normal[reference]
    out = []
    for name, got in normal.items():
        if got != expected:
            missing = len([r for r in expected if r not in got])
            extra = len([r for r in got if r not in expected])
            example = (set(map(repr, got)) ^ set(map(repr, expected))).pop()[:300] if missing or extra else None
            out.append(
                f"{name} differs from {reference}: {len(got)} vs {len(expected)} rows, "
                f"{missing} missing, {extra} extra; e.g. {example or 'duplicates differ'}"
            )
    return out


# -- load ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """How the load is run: cells of `seconds` at each concurrency, in `rounds` rounds."""

    concurrencies: list[int]
    seconds: float
    rounds: int
    slow_s: float  # a target slower than this (mean s/request) at the lowest concurrency gets no higher one
    warmup_passes: int = 4


def summarise(cells: list[Cell]) -> dict:
    samples = [s for c in cells for s in c.samples]
    ok = [s.seconds for s in samples if s.status == 200]
    elapsed = sum(c.elapsed for c in cells)
    per_query: dict[str, dict] = {}
    for name in sorted({s.query for s in samples}):
        lat = [s.seconds for s in samples if s.query == name and s.status == 200]
        per_query[name] = {"n": len(lat), "p50_ms": _ms(percentile(lat, 50)), "p99_ms": _ms(percentile(lat, 99))}
    statuses = collections.Counter(f"{s.status} {s.query}" for s in samples if s.status != 200)
    return {
        "requests": len(samples),
        "errors": len(samples) - len(ok),
        "error_statuses": dict(statuses.most_common()),  # "status query": count (status 0: no HTTP answer)
        "seconds": round(elapsed, 2),
        "rps": round(len(ok) / elapsed, 2) if elapsed else None,
        "load_avg_1m": round(sum(c.load_avg for c in cells) / len(cells), 2) if cells else None,
        "p50_ms": _ms(percentile(ok, 50)),
        "p95_ms": _ms(percentile(ok, 95)),
        "p99_ms": _ms(percentile(ok, 99)),
        "per_query": per_query,
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def load_phase(targets: list[Target], queries: list[Query], schedule: Schedule, mode_note: str, slow: set[str]) -> dict:
    """Rounds of cells; in each round every concurrency, and within it every target in a rotated order.

    `slow` names targets whose first answers (the answer check) averaged over `slow_s`: no concurrent
    warm-up, and one round only.
    """
    cells: dict[tuple[str, int], list[Cell]] = {}
    skipped: dict[str, str] = {}
    live = [t for t in targets if t.alive]
    lowest = min(schedule.concurrencies)
    for target in live:
        warm_up(target, queries, schedule, target.name in slow)
    for r in range(schedule.rounds):
        for c in schedule.concurrencies:
            for target in _rotation(live, r, c):
                if (target.name in skipped and c > lowest) or (target.name in slow and r > 0):
                    continue  # one round is all a slow target gets: it would take too long
                cell = measure_cell(target, queries, c, schedule.seconds, r)
                cells.setdefault((target.name, c), []).append(cell)
                why = _too_slow(cell, c, schedule.slow_s) if c == lowest else None
                if why:
                    skipped[target.name] = why
    return {
        "note": mode_note,
        "skipped": skipped,
        "one_round_only": sorted(slow),
        "cells": _cell_summaries(cells),
        "left_out_of_mix": {t.name: t.excluded for t in targets if t.excluded},
    }


def _own(target: Target, queries: list[Query]) -> list[Query]:
    """The load mix of `target`: the queries it answered in time."""
    return [q for q in queries if q.name not in target.excluded]


def warm_up(target: Target, queries: list[Query], schedule: Schedule, slow: bool) -> None:
    """First one client on fresh connections (so every web worker sees every query once), then all
    clients: every evaluator process and thread pool started, caches as in steady state."""
    if target.saved_routes:
        for _ in range(schedule.warmup_passes):
            for query in queries:
                ask(target, query)
    if not slow:
        run_cell(
            target.port,
            target.saved_routes,
            _own(target, queries),
            max(schedule.concurrencies),
            min(schedule.seconds, 2.0),
            timeout=600,
            endpoint=target.path,
        )


def _rotation(live: list[Target], r: int, c: int) -> list[Target]:
    """The targets in the order of round `r` at concurrency `c`: rotated each round, reversed at even `c`."""
    order = live[r % len(live) :] + live[: r % len(live)]
    return order[::-1] if c % 2 == 0 else order


def measure_cell(target: Target, queries: list[Query], c: int, seconds: float, r: int) -> Cell:
    """`c` clients on `target` for `seconds`, with the machine's load average meanwhile."""
    load_before = os.getloadavg()[0]
    cell = run_cell(
        target.port, target.saved_routes, _own(target, queries), c, seconds, timeout=600, endpoint=target.path
    )
    cell.target = target.name
    cell.load_avg = (load_before + os.getloadavg()[0]) / 2
    ok = [s.seconds for s in cell.samples if s.status == 200]
    log(
        f"  round {r + 1} c={c} {target.name}: {len(ok) / cell.elapsed:.1f} req/s, "
        f"p50 {(_ms(percentile(ok, 50)) or 0):.1f} ms, {len(cell.samples) - len(ok)} errors"
    )
    return cell


def _too_slow(cell: Cell, c: int, slow_s: float) -> str | None:
    ok = [s.seconds for s in cell.samples if s.status == 200]
    if ok and sum(ok) / len(ok) > slow_s:
        return (
            f"mean latency {sum(ok) / len(ok):.2f} s at {c} client(s) is over {slow_s:g} s: higher concurrency not run"
        )
    return None


def _cell_summaries(cells: dict[tuple[str, int], list[Cell]]) -> dict:
    out: dict = {}
    for (name, c), group in sorted(cells.items()):
        out.setdefault(name, {})[str(c)] = summarise(group)
    return out


def slow_targets(targets: list[Target], answers: dict, queries: int, slow_s: float) -> set[str]:
    """Targets that left a query out, or whose first answers averaged over `slow_s`."""
    return {
        t.name
        for t in targets
        if t.excluded or sum(a["first_ms"].get(t.name) or 0 for a in answers.values()) / queries > slow_s * 1000
    }


# -- profiling -------------------------------------------------------------------------------------


def profile_nolsi(target: Target, queries: list[Query], seconds: float, out: Path) -> dict:
    """py-spy over nolsi's whole process tree while 8 clients run the mix: where does the time go?"""
    spy = BIN / "py-spy"
    if not spy.exists() or not target.alive or target.process is None:
        return {}
    raw = out.with_suffix(".txt")
    rec = subprocess.Popen(
        [
            str(spy),
            "record",
            "--pid",
            str(target.process.pid),
            "--subprocesses",
            "--duration",
            str(int(seconds) + 1),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    run_cell(target.port, target.saved_routes, queries, 8, seconds, timeout=600, endpoint=target.path)
    rec.wait(timeout=120)
    return report.summarise_profile(raw) if raw.exists() else {}


# -- one dataset -----------------------------------------------------------------------------------


def measure_dataset(ds: Dataset, entry: dict, args: argparse.Namespace) -> None:
    """Build `ds`, compare with `oxigraph load`, then (unless --build-only) serve and measure it."""
    entry["build"] = build(ds, not args.no_shapes, args.validate_timeout, args.validator)
    served = entry["build"][entry["build"]["served"]]
    nquads, ntriples = dumps(ds, served["version"])
    entry["triples_served"] = served.get("triples")
    if "oxigraph" in args.targets or args.build_only:
        compare_with_oxigraph_load(ds, entry, served, nquads, ntriples)
    if not args.build_only:
        serve_and_measure(ds, entry, args, nquads)


def serve_and_measure(ds: Dataset, entry: dict, args: argparse.Namespace, nquads: Path) -> None:
    """Start every target on `ds`, check their answers, run the load (and the profile), stop them."""
    queries = mix(ROOT / "queries", ds.entity, ds.entity)
    targets = make_targets(ds, nquads, _targets_for(ds, entry, args))
    monitor = MemoryMonitor(targets)
    monitor.start()
    try:
        start_all(ds.name, targets)
        log(f"{ds.name}: comparing answers")
        entry["answers"] = check_answers(targets, queries, args.query_timeout)
        for name, a in entry["answers"].items():
            if a["mismatches"]:
                log(f"  {name}: " + "; ".join(a["mismatches"]))
        log(f"{ds.name}: load, {args.rounds} round(s) of {args.seconds:g} s cells")
        schedule = Schedule(args.concurrency, args.seconds, args.rounds, args.slow, 2 if args.quick else 4)
        slow = slow_targets(targets, entry["answers"], len(queries), args.slow)
        entry["load"] = load_phase(targets, queries, schedule, MODE_NOTE, slow)
        if args.profile:
            _profile(ds, entry, targets, queries, args.seconds)
    finally:
        for target in targets:
            target.stop()
        monitor.stop()
    entry["servers"] = {t.name: server_figures(t) for t in targets}


def _targets_for(ds: Dataset, entry: dict, args: argparse.Namespace) -> list[str]:
    """The targets asked for, without rdflib-endpoint above --rdflib-max triples (noted in `entry`)."""
    here = [n for n in args.targets if not (n == "rdflib-endpoint" and (ds.triples or 0) > args.rdflib_max)]
    if here != args.targets:
        entry["not_run"] = {
            "rdflib-endpoint": f"over --rdflib-max {args.rdflib_max} triples: one pass of the mix "
            "would take many minutes (see the 100k figures)"
        }
    return here


def _profile(ds: Dataset, entry: dict, targets: list[Target], queries: list[Query], seconds: float) -> None:
    target = next((t for t in targets if t.name == "nolsi-nocache"), None)
    if target:
        log(f"{ds.name}: profiling nolsi-nocache with py-spy")
        entry["profile"] = profile_nolsi(target, queries, max(seconds, 8), ds.work / "profile")


# -- main ------------------------------------------------------------------------------------------


def versions() -> dict:
    def run(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False).stdout.strip()
        except OSError:
            return None

    nolsi_side = run(
        [
            str(NOLSI_PYTHON),
            "-c",
            "import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in "
            "('pyoxigraph', 'pyshacl', 'rdflib', 'flask', 'granian')}))",
        ]
    )
    import importlib.metadata as m

    return {
        "python": platform.python_version(),
        "nolsi_side": json.loads(nolsi_side) if nolsi_side else None,
        "oxigraph_cli": run([str(BIN / "oxigraph"), "--version"]),
        "rdflib_endpoint": m.version("rdflib-endpoint"),
        "rdflib_in_endpoint": m.version("rdflib"),
        "uvicorn": m.version("uvicorn"),
        "git_commit": run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "git_dirty": bool(run(["git", "-C", str(ROOT), "status", "--porcelain"])),
    }


def machine() -> dict:
    import psutil

    model = ""
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as cpuinfo:
        model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
    }


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="real,100k,1m", help="comma-separated: real, 10k, 100k, 1m")
    parser.add_argument("--quick", action="store_true", help="smoke run: real graph, 1 s cells, 1 round")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per cell (one target, one concurrency)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over all cells, alternating targets")
    parser.add_argument("--concurrency", default="1,4,8")
    parser.add_argument(
        "--targets", default="nolsi,nolsi-nocache,nolsi-1w-nocache,oxigraph,nolsi-backend-nocache,rdflib-endpoint"
    )
    parser.add_argument("--no-shapes", action="store_true", help="build without SHACL validation")
    parser.add_argument("--validate-timeout", type=float, default=1800, help="give up a build with SHACL after this")
    parser.add_argument(
        "--validator", choices=["sparql", "pyshacl"], default="sparql", help="SHACL engine of nolsi build"
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="issue 14: only the builds and `oxigraph load` of the same data at each size, no servers",
    )
    parser.add_argument(
        "--slow", type=float, default=1.0, help="skip higher concurrency for a target slower than this (s/request)"
    )
    parser.add_argument(
        "--query-timeout",
        type=float,
        default=60,
        help="answer check: leave a query out of a target's load mix if it takes longer than this",
    )
    parser.add_argument(
        "--rdflib-max", type=int, default=100_000, help="run rdflib-endpoint only up to this many triples"
    )
    parser.add_argument("--profile", action="store_true", help="py-spy nolsi (no cache) under 8 clients")
    parser.add_argument("--out", type=Path, default=None, help="results file (default bench/results/<date>.json)")
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options, with --quick's defaults applied and sizes, concurrency and targets as lists."""
    options = parser()
    args = options.parse_args(argv)
    if args.quick:
        _quick(args, options)
    args.sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in args.sizes if s not in SIZES]
    if unknown:
        options.error(f"unknown size(s) {unknown}; use {', '.join(SIZES)}")
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.targets = [n.strip() for n in args.targets.split(",") if n.strip()]
    return args


def _quick(args: argparse.Namespace, options: argparse.ArgumentParser) -> None:
    """--quick: the real graph, three targets, 1 and 8 clients, 1 s cells, one round, unless given."""
    args.sizes = "real" if args.sizes == options.get_default("sizes") else args.sizes
    args.seconds, args.rounds = 1.0, 1
    if args.concurrency == options.get_default("concurrency"):
        args.concurrency = "1,8"
    if args.targets == options.get_default("targets"):
        args.targets = "nolsi,oxigraph,rdflib-endpoint"
    args.query_timeout = min(args.query_timeout, 10)


def new_results(args: argparse.Namespace, started: datetime) -> dict:
    return {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "settings": {
            "sizes": args.sizes,
            "seconds_per_cell": args.seconds,
            "rounds": args.rounds,
            "concurrency": args.concurrency,
            "targets": args.targets,
            "quick": args.quick,
            "shapes": not args.no_shapes,
            "validate_timeout_s": args.validate_timeout,
            "validator": args.validator,
            "build_only": args.build_only,
        },
        "datasets": {},
    }


def results_path(args: argparse.Namespace, started: datetime) -> Path:
    if args.out:
        return args.out
    return RESULTS / f"{started:%Y-%m-%d}{'-quick' if args.quick else ''}{'-build' if args.build_only else ''}.json"


def save(results: dict, out: Path) -> None:
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False))


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupted)  # so that `finally` stops the servers this run started
    args = parse_args(argv)
    started = datetime.now(UTC)
    results = new_results(args, started)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = results_path(args, started)
    for size in args.sizes:
        ds = Dataset(size, SIZES[size])
        ds.work.mkdir(parents=True, exist_ok=True)
        entry = results["datasets"][size] = {"load_avg_at_start": [round(x, 2) for x in os.getloadavg()]}
        measure_dataset(ds, entry, args)
        save(results, out)
    results["targets_of_issue_7"] = report.issue_targets(results)
    save(results, out)
    chart = report.chart(results, out.with_suffix(".png"))
    print()
    print(report.table(results))
    log(f"results: {out}" + (f", chart: {chart}" if chart else ""))
    return 0
