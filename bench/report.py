"""Turning results into the issue's verdicts, a side-by-side table, a chart and a profile summary."""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field
from pathlib import Path

TARGET_ORDER = ["nolsi", "nolsi-nocache", "nolsi-1w-nocache", "nolsi-backend-nocache", "oxigraph", "rdflib-endpoint"]
NOLSI_CACHED_AND_NOT = ("nolsi", "nolsi-nocache")
NOLSI_SERVERS = ("nolsi", "nolsi-nocache", "nolsi-1w-nocache")
BUILD_GOALS = {"real": 2.0, "100k": 8.0, "1m": 60.0}  # issue 14: seconds of a build with SHACL validation


def _cells(entry: dict, target: str) -> dict:
    return entry.get("load", {}).get("cells", {}).get(target, {})


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


# -- the targets of issues 7 and 14 ------------------------------------------------------------------


def _verdict(what: str, measured: str, goal: str, met: bool | None, note: str = "") -> dict:
    return {"target": what, "measured": measured, "goal": goal, "met": met, "note": note}


def issue_targets(results: dict) -> list[dict]:
    """Each target of issue 7 (and the build targets of issue 14), with the measured value and
    whether it is met: throughput, saved-query latency, build, start-up, memory."""
    datasets = results["datasets"]
    out = [v for name, entry in datasets.items() for v in _throughput_verdicts(name, entry)]
    out += _saved_query_verdicts(datasets.get("real") or {})
    out += [v for name, entry in datasets.items() for v in _build_verdicts(name, entry)]
    out += [v for name, entry in datasets.items() for v in _start_verdicts(name, entry)]
    out += _memory_verdicts(datasets.get("1m") or {})
    return out


def _throughput_verdicts(name: str, entry: dict) -> list[dict]:
    """nolsi's requests/s against Oxigraph server's (at least as many) and rdflib-endpoint's (10x)."""
    out = []
    for other, label, goal, least in (
        ("oxigraph", "Oxigraph server", ">= 1.0x", 1.0),
        ("rdflib-endpoint", "rdflib-endpoint", ">= 10x", 10),
    ):
        for c, cell in sorted(_cells(entry, other).items(), key=lambda kv: int(kv[0])):
            for nolsi in NOLSI_CACHED_AND_NOT:
                ratio = _ratio(_cells(entry, nolsi).get(c, {}).get("rps"), cell.get("rps"))
                if ratio is not None:
                    what = f"{name}: {nolsi} throughput vs {label}, {c} clients"
                    out.append(_verdict(what, f"{ratio}x", goal, ratio >= least))
    return out


def _saved_query_verdicts(real: dict) -> list[dict]:
    """The p99 latency of each saved query on the real graph at 8 clients: under 25 ms."""
    out = []
    for nolsi in NOLSI_CACHED_AND_NOT:
        saved = {
            q[6:]: st["p99_ms"]
            for q, st in _cells(real, nolsi).get("8", {}).get("per_query", {}).items()
            if q.startswith("saved:") and st.get("p99_ms") is not None
        }
        if not saved:
            continue
        under = sorted(q for q, v in saved.items() if v < 25)
        worst = max(saved, key=lambda q: saved[q])
        values = sorted(saved.values())
        out.append(
            _verdict(
                f"real: {nolsi} saved queries, p99 at 8 clients",
                f"{len(under)} of {len(saved)} under 25 ms; median of the "
                f"p99s {values[len(values) // 2]} ms, worst {saved[worst]} ms ({worst})",
                "< 25 ms each",
                len(under) == len(saved),
                ("under 25 ms: " + ", ".join(under)) if under else "",
            )
        )
    return out


def _build_verdicts(name: str, entry: dict) -> list[dict]:
    """Issue 14: the build with SHACL against its goal and against `oxigraph load`, its memory at 1M,
    and the build without validation for reference."""
    build = entry.get("build", {})
    attempt = build.get("with_shapes")
    goal = BUILD_GOALS.get(name)
    out = []
    if goal is not None and attempt:
        out.append(_build_time_verdict(name, attempt, goal))
    built = bool(attempt) and attempt.get("status") == 0
    if entry.get("build_vs_oxigraph_load") is not None and built:
        out.append(_build_vs_load_verdict(name, entry, attempt))
    if name == "1m" and built:
        out.append(
            _verdict(
                "1m: build peak RSS (largest process)",
                f"{attempt['peak_rss_mb']} MB",
                "< 2,048 MB",
                attempt["peak_rss_mb"] < 2048,
            )
        )
    plain = build.get("no_shapes")
    if goal is not None and plain:
        what = f"{name}: build without validation (--no-shapes)"
        out.append(
            _verdict(what, f"{plain['wall_s']} s", f"< {goal:g} s (goal includes validation)", None, "for reference")
        )
    return out


def _build_time_verdict(name: str, attempt: dict, goal: float) -> dict:
    what = f"{name}: build including SHACL validation"
    if attempt.get("status") == 0:
        steps = ", ".join(f"{k} {v:.2f}s" for k, v in attempt.get("seconds", {}).items())
        return _verdict(what, f"{attempt['wall_s']} s", f"< {goal:g} s", attempt["wall_s"] < goal, steps)
    met = False if attempt["wall_s"] >= goal else None  # stopped before the goal: not known
    return _verdict(what, f">= {attempt['wall_s']} s (did not complete)", f"< {goal:g} s", met, attempt.get("note", ""))


def _build_vs_load_verdict(name: str, entry: dict, attempt: dict) -> dict:
    ratio = entry["build_vs_oxigraph_load"]
    load = entry["oxigraph_load"]
    return _verdict(
        f"{name}: build vs `oxigraph load` of the same data",
        f"{ratio}x ({attempt['wall_s']} s / {load['wall_s']} s)",
        "<= 4x",
        ratio <= 4,
        f"CPU seconds: {entry.get('build_vs_oxigraph_load_cpu')}x ({attempt.get('cpu_s')} s / {load.get('cpu_s')} s)",
    )


def _start_verdicts(name: str, entry: dict) -> list[dict]:
    out = []
    for target in NOLSI_SERVERS:
        start = entry.get("servers", {}).get(target, {}).get("cold_start_s")
        if start is not None:
            out.append(_verdict(f"{name}: {target} start to first answer", f"{start} s", "< 2 s", start < 2))
    return out


def _memory_verdicts(big: dict) -> list[dict]:
    """The peak memory of nolsi's process tree serving the 1M graph."""
    out = []
    for target in NOLSI_SERVERS:
        server = big.get("servers", {}).get(target, {})
        if server.get("peak_rss_mb"):
            out.append(
                _verdict(
                    f"1m: {target} peak memory of the process tree",
                    f"RSS {server['peak_rss_mb']} MB, PSS {server['peak_pss_mb']} MB",
                    "< 500 MB",
                    server["peak_pss_mb"] < 500,
                    "PSS counts shared pages once; RSS sums them per process",
                )
            )
    return out


# -- the side-by-side table ---------------------------------------------------------------------------


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}" if value < 100 else f"{value:,.0f}{unit}"
    return f"{value}{unit}"


def table(results: dict) -> str:
    """A plain-text side-by-side table of every dataset (Markdown-compatible)."""
    lines = []
    for name, entry in results["datasets"].items():
        lines += _dataset_lines(name, entry, results["machine"]["cpus"])
    lines += _verdict_lines(results.get("targets_of_issue_7", []))
    return "\n".join(lines)


def _dataset_lines(name: str, entry: dict, cpus: int) -> list[str]:
    lines = [f"## {name}: {entry.get('triples_served')} triples served"]
    lines += _load_average_lines(entry, cpus)
    lines += _build_lines(entry)
    if not entry.get("servers"):  # --build-only
        return [*lines, ""]
    lines += ["", *_server_lines(entry), ""]
    lines += _throughput_lines(entry)
    lines += ["", *_per_query_lines(entry)]
    lines += ["", *_answer_lines(entry), ""]
    return lines


def _load_average_lines(entry: dict, cpus: int) -> list[str]:
    loads = [c.get("load_avg_1m") for t in entry.get("load", {}).get("cells", {}).values() for c in t.values()]
    loads = [x for x in loads if x is not None]
    if not loads:
        return []
    return [
        f"machine load average during the cells: {min(loads):.1f} to {max(loads):.1f} "
        f"(on {cpus} cores; other processes than the benchmark count too)"
    ]


def _build_lines(entry: dict) -> list[str]:
    """Each build attempt and `oxigraph load` of the same data."""
    lines = []
    for key in ("with_shapes", "no_shapes"):
        b = entry.get("build", {}).get(key)
        if b:
            secs = ", ".join(f"{k} {v:.2f}s" for k, v in b.get("seconds", {}).items())
            lines.append(
                f"build {key}: status {b['status']}, {b['wall_s']} s wall, {b.get('cpu_s')} s CPU, "
                f"peak RSS {b['peak_rss_mb']} MB"
                + (f" ({secs})" if secs else "")
                + (f"; {b['violations']} violations" if b.get("violations") else "")
                + (f"; {b['note']}" if b.get("note") else "")
            )
    load = entry.get("oxigraph_load")
    if load:
        lines.append(
            f"oxigraph load: {load['wall_s']} s ({load.get('cpu_s')} s CPU), peak RSS {load['peak_rss_mb']} MB"
            + (f"; build / load {entry['build_vs_oxigraph_load']}x" if entry.get("build_vs_oxigraph_load") else "")
        )
    return lines


def _server_lines(entry: dict) -> list[str]:
    """Start-up and memory of each server."""
    lines = ["| target | start s | idle RSS MB | peak RSS MB | peak PSS MB | procs |", "|---|---|---|---|---|---|"]
    for target in TARGET_ORDER:
        s = entry.get("servers", {}).get(target)
        if s:
            lines.append(
                f"| {target} | {_fmt(s['cold_start_s'])} | {_fmt(s['idle_rss_mb'])} | {_fmt(s['peak_rss_mb'])} | "
                f"{_fmt(s['peak_pss_mb'])} | {s['max_processes']} |"
            )
    return lines


def _throughput_lines(entry: dict) -> list[str]:
    """Requests/s and latency of each target at each concurrency, then the cells not run and why."""
    concurrencies = sorted({int(c) for t in entry.get("load", {}).get("cells", {}).values() for c in t})
    lines = [
        "| target | " + " | ".join(f"{c} cl. req/s | p50 / p95 / p99 ms" for c in concurrencies) + " |",
        "|---|" + "---|---|" * len(concurrencies),
    ]
    for target in TARGET_ORDER:
        cells = _cells(entry, target)
        if cells:
            parts = [part for c in concurrencies for part in _cell_parts(cells.get(str(c)))]
            lines.append(f"| {target} | " + " | ".join(parts) + " |")
    lines += [f"({target}: {why})" for target, why in entry.get("load", {}).get("skipped", {}).items()]
    return lines


def _cell_parts(cell: dict | None) -> list[str]:
    if not cell:
        return ["skipped", "-"]
    err = f" ({cell['errors']} err)" if cell["errors"] else ""
    return [_fmt(cell["rps"]) + err, f"{_fmt(cell['p50_ms'])} / {_fmt(cell['p95_ms'])} / {_fmt(cell['p99_ms'])}"]


def _per_query_lines(entry: dict) -> list[str]:
    """The median latency of each query at 1 client per target, and the row counts of its answers."""
    queries = sorted(
        {q for t in entry.get("load", {}).get("cells", {}).values() for q in t.get("1", {}).get("per_query", {})}
    )
    present = [t for t in TARGET_ORDER if _cells(entry, t)]
    lines = [
        "Median latency per query at 1 client, ms:",
        "| query | " + " | ".join(present) + " | rows |",
        "|---|" + "---|" * (len(present) + 1),
    ]
    for q in queries:
        row = [_fmt(_cells(entry, t).get("1", {}).get("per_query", {}).get(q, {}).get("p50_ms")) for t in present]
        distinct = sorted(set(entry.get("answers", {}).get(q, {}).get("rows", {}).values()))
        lines.append(f"| {q} | " + " | ".join(row) + f" | {', '.join(map(str, distinct))} |")
    return lines


def _answer_lines(entry: dict) -> list[str]:
    mismatches = [(q, m) for q, a in entry.get("answers", {}).items() for m in a["mismatches"]]
    verdict = "all equal across targets" if not mismatches else f"{len(mismatches)} mismatch(es):"
    return [f"Answers: {verdict}", *(f"- {q}: {m}" for q, m in mismatches)]


def _verdict_lines(verdicts: list[dict]) -> list[str]:
    if not verdicts:
        return []
    lines = ["## Targets of issue 7", "| target | measured | goal | met |", "|---|---|---|---|"]
    for v in verdicts:
        met = {True: "yes", False: "**no**", None: "n/a"}[v["met"]]
        note = f" ({v['note']})" if v.get("note") and v["met"] is not None else ""
        lines.append(f"| {v['target']} | {v['measured']}{note} | {v['goal']} | {met} |")
    return lines


# -- the chart ----------------------------------------------------------------------------------------


def chart(results: dict, path: Path) -> Path | None:
    """Throughput and p99 latency per target and concurrency, one column per dataset."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    datasets = [(n, e) for n, e in results["datasets"].items() if e.get("load")]
    if not datasets:
        return None
    fig, axes = plt.subplots(2, len(datasets), figsize=(5.5 * len(datasets), 8), squeeze=False)
    for col, (name, entry) in enumerate(datasets):
        targets = [t for t in TARGET_ORDER if _cells(entry, t)]
        concurrencies = sorted({int(c) for t in targets for c in _cells(entry, t)})
        width = 0.8 / max(1, len(targets))
        for row, (metric, label) in enumerate((("rps", "requests/s (log)"), ("p99_ms", "p99 latency, ms (log)"))):
            ax = axes[row][col]
            for k, target in enumerate(targets):
                values = [(_cells(entry, target).get(str(c)) or {}).get(metric) or 0 for c in concurrencies]
                xs = [i + (k - (len(targets) - 1) / 2) * width for i in range(len(concurrencies))]
                ax.bar(xs, values, width, label=target)
            ax.set_xticks(range(len(concurrencies)), [f"{c} clients" for c in concurrencies])
            ax.set_yscale("log")
            ax.set_ylabel(label)
            ax.set_title(f"{name} ({entry.get('triples_served')} triples): {label.split(',')[0].split(' (')[0]}")
            ax.grid(axis="y", alpha=0.3)
            if row == 0 and col == 0:
                ax.legend(fontsize=8)
    meta = results["machine"]
    fig.suptitle(
        f"nolsi benchmark {results['date'][:10]}, {meta['cpus']} cores; query mix of {len(_queries(results))} queries"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _queries(results: dict) -> set:
    return {q for e in results["datasets"].values() for q in e.get("answers", {})}


# -- the profile summary ------------------------------------------------------------------------------

FRAME = re.compile(r"^(?P<func>[^ ]+) \((?P<file>[^:]+):(?P<line>\d+)\)$")


def summarise_profile(raw: Path, top: int = 15) -> dict:
    """py-spy raw stacks (on-CPU samples only): share per process kind, top functions of each kind.

    With --subprocesses each line starts with the chain of processes (`process PID:"cmdline"`), the last
    one being the process the stack belongs to, then the thread, then the frames outermost first.
    """
    samples = _Samples()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if count.isdigit():
            samples.add(stack.split(";"), int(count))
    return samples.summary(top)


@dataclass
class _Samples:
    """Sample counts by process kind: busy and idle, by category, per function (inclusive and self)."""

    kinds: collections.Counter = field(default_factory=collections.Counter)
    idle: collections.Counter = field(default_factory=collections.Counter)
    categories: dict[str, collections.Counter] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    inclusive: dict[str, collections.Counter] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    leaf: dict[str, collections.Counter] = field(default_factory=lambda: collections.defaultdict(collections.Counter))

    def add(self, parts: list[str], n: int) -> None:
        """One stack (processes, thread, frames outermost first) seen `n` times."""
        processes = [p for p in parts if p.startswith("process ")]
        frames = [p for p in parts if not p.startswith("process ") and not p.startswith("thread ")]
        kind = _process_kind(processes)
        if any(mark in (frames[-1] if frames else "") for mark in IDLE):
            self.idle[kind] += n
            return
        self.kinds[kind] += n
        self.categories[kind][_category(frames)] += n
        for key in dict.fromkeys(_short(frame) for frame in frames):  # each function once per stack
            self.inclusive[kind][key] += n
        if frames:
            self.leaf[kind][_short(frames[-1])] += n

    def summary(self, top: int) -> dict:
        total = sum(self.kinds.values())
        return {
            "samples_busy": total,
            "samples_idle": dict(self.idle),
            "share_by_process": {k: round(v / total, 3) for k, v in self.kinds.most_common()} if total else {},
            "categories": {k: self._shares(k, cs.most_common()) for k, cs in self.categories.items()},
            "inclusive_top": {k: list(self._shares(k, c.most_common(top)).items()) for k, c in self.inclusive.items()},
            "self_top": {k: list(self._shares(k, c.most_common(top)).items()) for k, c in self.leaf.items()},
        }

    def _shares(self, kind: str, counts: list[tuple[str, int]]) -> dict[str, float]:
        return {name: round(v / self.kinds[kind], 3) for name, v in counts}


def _process_kind(processes: list[str]) -> str:
    """The kind of process a stack belongs to: the last of its chain of processes."""
    owner = processes[-1] if processes else ""
    if "sparql_api.evaluator" in owner:
        return "evaluator"
    if "granian" in owner:
        return "granian master" if len(processes) == 1 else "web worker"
    return owner[:40]


# Leaf frames where a thread waits rather than works (py-spy's own idle detection does not work here).
IDLE = (
    "concurrent/futures/thread.py:81",
    "selectors.py:468",
    "selectors.py:415",
    "multiprocessing/connection.py:395",
    "wait_for_signals",
    "time.sleep",
    "threading.py:327",
    "threading.py:331",
)

CATEGORIES = (  # first match wins, looked up in the whole stack
    ("SERVICE guard: rdflib parse of the query", "sparql_api/guard.py"),
    ("evaluator start-up (imports)", "importlib._bootstrap"),
    ("query + serialisation in Oxigraph", "evaluate (sparql_api/evaluator.py"),
    ("job / answer pickling and pipe", "multiprocessing/connection.py"),
    ("store lookup per request (readlink/stat)", "sparql_api/engine.py"),
    ("request log", "sparql_api/logs.py"),
    ("ETag / cache key", "sparql.py:5"),
    ("other nolsi request code", "sparql_api/"),
    ("Flask / Werkzeug", "flask/"),
    ("granian", "granian/"),
)


def _category(frames: list[str]) -> str:
    stack = ";".join(frames)
    for name, mark in CATEGORIES:
        if mark in stack:
            return name
    return "other"


def _short(frame: str) -> str:
    m = FRAME.match(frame.strip())
    if not m:
        return frame.strip()[:120]
    path = m["file"].split("site-packages/")[-1].replace("/work/main/", "")
    return f"{m['func']} ({path}:{m['line']})"
