"""Turning results into the issue's verdicts, a side-by-side table, a chart and a profile summary."""

from __future__ import annotations

import collections
import re
from pathlib import Path

TARGET_ORDER = ["nolsi", "nolsi-nocache", "nolsi-1w-nocache", "nolsi-backend-nocache", "oxigraph", "rdflib-endpoint"]


def _cells(entry: dict, target: str) -> dict:
    return entry.get("load", {}).get("cells", {}).get(target, {})


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def issue_targets(results: dict) -> list[dict]:
    """Each target of issue 7, with the measured value and whether it is met."""
    out = []
    datasets = results["datasets"]

    def add(what: str, measured, goal: str, met: bool | None, note: str = "") -> None:
        out.append({"target": what, "measured": measured, "goal": goal, "met": met, "note": note})

    for name, entry in datasets.items():
        for other, label, goal, least in (
            ("oxigraph", "Oxigraph server", ">= 1.0x", 1.0),
            ("rdflib-endpoint", "rdflib-endpoint", ">= 10x", 10),
        ):
            for c, cell in sorted(_cells(entry, other).items(), key=lambda kv: int(kv[0])):
                for nolsi in ("nolsi", "nolsi-nocache"):
                    ratio = _ratio(_cells(entry, nolsi).get(c, {}).get("rps"), cell.get("rps"))
                    if ratio is not None:
                        add(f"{name}: {nolsi} throughput vs {label}, {c} clients", f"{ratio}x", goal, ratio >= least)
    real = datasets.get("real")
    if real:
        for nolsi in ("nolsi", "nolsi-nocache"):
            saved = {
                q[6:]: st["p99_ms"]
                for q, st in _cells(real, nolsi).get("8", {}).get("per_query", {}).items()
                if q.startswith("saved:") and st.get("p99_ms") is not None
            }
            if saved:
                under = sorted(q for q, v in saved.items() if v < 25)
                worst = max(saved, key=saved.get)
                values = sorted(saved.values())
                add(
                    f"real: {nolsi} saved queries, p99 at 8 clients",
                    f"{len(under)} of {len(saved)} under 25 ms; median of the "
                    f"p99s {values[len(values) // 2]} ms, worst {saved[worst]} ms ({worst})",
                    "< 25 ms each",
                    len(under) == len(saved),
                    ("under 25 ms: " + ", ".join(under)) if under else "",
                )
    for name, entry in datasets.items():  # issue 14: the build
        build = entry.get("build", {})
        attempt = build.get("with_shapes")
        goal = {"real": 2.0, "100k": 8.0, "1m": 60.0}.get(name)
        if goal is not None and attempt and attempt.get("status") == 0:
            add(
                f"{name}: build including SHACL validation",
                f"{attempt['wall_s']} s",
                f"< {goal:g} s",
                attempt["wall_s"] < goal,
                ", ".join(f"{k} {v:.2f}s" for k, v in attempt.get("seconds", {}).items()),
            )
        elif goal is not None and attempt:
            add(
                f"{name}: build including SHACL validation",
                f">= {attempt['wall_s']} s (did not complete)",
                f"< {goal:g} s",
                False if attempt["wall_s"] >= goal else None,
                attempt.get("note", ""),
            )
        ratio = entry.get("build_vs_oxigraph_load")
        if ratio is not None and attempt and attempt.get("status") == 0:
            add(
                f"{name}: build vs `oxigraph load` of the same data",
                f"{ratio}x ({attempt['wall_s']} s / {entry['oxigraph_load']['wall_s']} s)",
                "<= 4x",
                ratio <= 4,
                f"CPU seconds: {entry.get('build_vs_oxigraph_load_cpu')}x ({attempt.get('cpu_s')} s / {entry['oxigraph_load'].get('cpu_s')} s)",
            )
        if name == "1m" and attempt and attempt.get("status") == 0:
            add(
                "1m: build peak RSS (largest process)",
                f"{attempt['peak_rss_mb']} MB",
                "< 2,048 MB",
                attempt["peak_rss_mb"] < 2048,
            )
        plain = build.get("no_shapes")
        if goal is not None and plain:
            add(
                f"{name}: build without validation (--no-shapes)",
                f"{plain['wall_s']} s",
                f"< {goal:g} s (goal includes validation)",
                None,
                "for reference",
            )
    for name, entry in datasets.items():
        for target in ("nolsi", "nolsi-nocache", "nolsi-1w-nocache"):
            start = entry.get("servers", {}).get(target, {}).get("cold_start_s")
            if start is not None:
                add(f"{name}: {target} start to first answer", f"{start} s", "< 2 s", start < 2)
    big = datasets.get("1m")
    if big:
        for target in ("nolsi", "nolsi-nocache", "nolsi-1w-nocache"):
            server = big.get("servers", {}).get(target, {})
            if server.get("peak_rss_mb"):
                add(
                    f"1m: {target} peak memory of the process tree",
                    f"RSS {server['peak_rss_mb']} MB, PSS {server['peak_pss_mb']} MB",
                    "< 500 MB",
                    server["peak_pss_mb"] < 500,
                    "PSS counts shared pages once; RSS sums them per process",
                )
    return out


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
        build = entry.get("build", {})
        lines.append(f"## {name}: {entry.get('triples_served')} triples served")
        loads = [c.get("load_avg_1m") for t in entry.get("load", {}).get("cells", {}).values() for c in t.values()]
        loads = [x for x in loads if x is not None]
        if loads:
            lines.append(
                f"machine load average during the cells: {min(loads):.1f} to {max(loads):.1f} "
                f"(on {results['machine']['cpus']} cores; other processes than the benchmark count too)"
            )
        for key in ("with_shapes", "no_shapes"):
            b = build.get(key)
            if b:
                secs = ", ".join(f"{k} {v:.2f}s" for k, v in b.get("seconds", {}).items())
                lines.append(
                    f"build {key}: status {b['status']}, {b['wall_s']} s wall, {b.get('cpu_s')} s CPU, peak RSS {b['peak_rss_mb']} MB"
                    + (f" ({secs})" if secs else "")
                    + (f"; {b['violations']} violations" if b.get("violations") else "")
                    + (f"; {b['note']}" if b.get("note") else "")
                )
        if entry.get("oxigraph_load"):
            lines.append(
                f"oxigraph load: {entry['oxigraph_load']['wall_s']} s ({entry['oxigraph_load'].get('cpu_s')} s CPU), "
                f"peak RSS {entry['oxigraph_load']['peak_rss_mb']} MB"
                + (f"; build / load {entry['build_vs_oxigraph_load']}x" if entry.get("build_vs_oxigraph_load") else "")
            )
        if not entry.get("servers"):  # --build-only
            lines.append("")
            continue
        lines.append("")
        lines.append("| target | start s | idle RSS MB | peak RSS MB | peak PSS MB | procs |")
        lines.append("|---|---|---|---|---|---|")
        for target in TARGET_ORDER:
            s = entry.get("servers", {}).get(target)
            if s:
                lines.append(
                    f"| {target} | {_fmt(s['cold_start_s'])} | {_fmt(s['idle_rss_mb'])} | {_fmt(s['peak_rss_mb'])} | "
                    f"{_fmt(s['peak_pss_mb'])} | {s['max_processes']} |"
                )
        lines.append("")
        concurrencies = sorted({int(c) for t in entry.get("load", {}).get("cells", {}).values() for c in t})
        header = "| target | " + " | ".join(f"{c} cl. req/s | p50 / p95 / p99 ms" for c in concurrencies) + " |"
        lines.append(header)
        lines.append("|---|" + "---|---|" * len(concurrencies))
        for target in TARGET_ORDER:
            cells = _cells(entry, target)
            if not cells:
                continue
            parts = []
            for c in concurrencies:
                cell = cells.get(str(c))
                if not cell:
                    parts += ["skipped", "-"]
                    continue
                err = f" ({cell['errors']} err)" if cell["errors"] else ""
                parts += [
                    _fmt(cell["rps"]) + err,
                    f"{_fmt(cell['p50_ms'])} / {_fmt(cell['p95_ms'])} / {_fmt(cell['p99_ms'])}",
                ]
            lines.append(f"| {target} | " + " | ".join(parts) + " |")
        skipped = entry.get("load", {}).get("skipped", {})
        for target, why in skipped.items():
            lines.append(f"({target}: {why})")
        lines.append("")
        lines.append("Median latency per query at 1 client, ms:")
        queries = sorted(
            {q for t in entry.get("load", {}).get("cells", {}).values() for q in t.get("1", {}).get("per_query", {})}
        )
        present = [t for t in TARGET_ORDER if _cells(entry, t)]
        lines.append("| query | " + " | ".join(present) + " | rows |")
        lines.append("|---|" + "---|" * (len(present) + 1))
        for q in queries:
            row = []
            for t in present:
                stats = _cells(entry, t).get("1", {}).get("per_query", {}).get(q, {})
                row.append(_fmt(stats.get("p50_ms")))
            rows = entry.get("answers", {}).get(q, {}).get("rows", {})
            distinct = sorted(set(rows.values()))
            lines.append(f"| {q} | " + " | ".join(row) + f" | {', '.join(map(str, distinct))} |")
        mismatches = [(q, m) for q, a in entry.get("answers", {}).items() for m in a["mismatches"]]
        lines.append("")
        lines.append(
            "Answers: " + ("all equal across targets" if not mismatches else f"{len(mismatches)} mismatch(es):")
        )
        for q, m in mismatches:
            lines.append(f"- {q}: {m}")
        lines.append("")
    verdicts = results.get("targets_of_issue_7", [])
    if verdicts:
        lines.append("## Targets of issue 7")
        lines.append("| target | measured | goal | met |")
        lines.append("|---|---|---|---|")
        for v in verdicts:
            met = {True: "yes", False: "**no**", None: "n/a"}[v["met"]]
            note = f" ({v['note']})" if v.get("note") and v["met"] is not None else ""
            lines.append(f"| {v['target']} | {v['measured']}{note} | {v['goal']} | {met} |")
    return "\n".join(lines)


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


FRAME = re.compile(r"^(?P<func>[^ ]+) \((?P<file>[^:]+):(?P<line>\d+)\)$")


def summarise_profile(raw: Path, top: int = 15) -> dict:
    """py-spy raw stacks (on-CPU samples only): share per process kind, top functions of each kind.

    With --subprocesses each line starts with the chain of processes (`process PID:"cmdline"`), the last
    one being the process the stack belongs to, then the thread, then the frames outermost first.
    """
    kinds: collections.Counter = collections.Counter()
    idle: collections.Counter = collections.Counter()
    categories: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    inclusive: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    leaf: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        parts = stack.split(";")
        processes = [p for p in parts if p.startswith("process ")]
        frames = [p for p in parts if not p.startswith("process ") and not p.startswith("thread ")]
        owner = processes[-1] if processes else ""
        kind = (
            "evaluator"
            if "sparql_api.evaluator" in owner
            else "gunicorn master"
            if len(processes) == 1 and "gunicorn" in owner
            else "web worker"
            if "gunicorn" in owner
            else owner[:40]
        )
        leaf_frame = frames[-1] if frames else ""
        if any(mark in leaf_frame for mark in IDLE):
            idle[kind] += n
            continue
        kinds[kind] += n
        categories[kind][_category(frames)] += n
        seen = set()
        for frame in frames:
            key = _short(frame)
            if key not in seen:
                inclusive[kind][key] += n
                seen.add(key)
        if frames:
            leaf[kind][_short(frames[-1])] += n
    total = sum(kinds.values())
    return {
        "samples_busy": total,
        "samples_idle": dict(idle),
        "share_by_process": {k: round(v / total, 3) for k, v in kinds.most_common()} if total else {},
        "categories": {k: {c: round(v / kinds[k], 3) for c, v in cs.most_common()} for k, cs in categories.items()},
        "inclusive_top": {
            k: [(f, round(v / kinds[k], 3)) for f, v in c.most_common(top)] for k, c in inclusive.items()
        },
        "self_top": {k: [(f, round(v / kinds[k], 3)) for f, v in c.most_common(top)] for k, c in leaf.items()},
    }


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
    ("gunicorn", "gunicorn/"),
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
