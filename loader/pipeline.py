"""The build, top to bottom: read -> validate -> store.

A failure at any step raises before the store is touched, so the store being served stays as it
was.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pyoxigraph
from rdflib import Graph

from loader import publish, read, store, validate
from loader.settings import Settings

Progress = Callable[[str], None]


class ValidationFailed(Exception):
    def __init__(self, report: validate.Report):
        self.report = report
        super().__init__(f"{len(report.violations)} SHACL violation(s)")


@dataclass
class Summary:
    files: int = 0
    graphs: int = 0
    triples: int = 0
    violations: int = 0
    warnings: int = 0
    version: str = ""
    path: Path | None = None
    release: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        timings = ", ".join(f"{step} {secs:.2f}s" for step, secs in self.seconds.items())
        return (
            f"{self.files} files, {self.graphs} graphs, {self.triples} triples, "
            f"{self.violations} violations, {self.warnings} warnings ({timings})"
        )


def sources(settings: Settings, files: list[Path] | None = None) -> list[read.Source]:
    return read.file_sources(files) if files else read.project_sources(settings.data_dir, settings.ontology_dir)


def check(
    settings: Settings, files: list[Path] | None = None, progress: Progress = lambda _: None
) -> tuple[pyoxigraph.Store, validate.Report | None, Summary]:
    """Read and validate; raise `read.ReadError` or `ValidationFailed`, write nothing."""
    summary = Summary()
    started = time.perf_counter()
    todo = sources(settings, files)
    progress(f"reading {len(todo)} files")
    dataset = read.read(todo)
    summary.files = len(todo)
    summary.graphs = sum(1 for _ in dataset.named_graphs())
    summary.triples = len(dataset)
    summary.seconds["read"] = time.perf_counter() - started
    progress(f"read {summary.triples} triples in {summary.graphs} graphs")

    report = None
    if settings.shapes:
        started = time.perf_counter()
        progress("validating with SHACL")
        # Named files are checked together with the vocabularies they use; the build stores only them.
        checked = read.read(todo + read.ontology_sources(settings.ontology_dir)) if files else dataset
        report = validate.validate(
            union_graph(checked),
            validate.load_shapes(settings.shapes_dir),
            validate.load_ontology(settings.ontology_dir),
            targets_from=checked,
        )
        summary.violations, summary.warnings = len(report.violations), len(report.warnings)
        summary.seconds["validate"] = time.perf_counter() - started
        progress(f"{summary.violations} violations, {summary.warnings} warnings")
        if not report.conforms:
            raise ValidationFailed(report)
    return dataset, report, summary


def build(settings: Settings, files: list[Path] | None = None, progress: Progress = lambda _: None) -> Summary:
    dataset, report, summary = check(settings, files, progress)
    started = time.perf_counter()
    nquads = store.sorted_nquads(dataset)
    summary.version = version(settings.store, hashlib.sha256(nquads).hexdigest())
    progress(f"publishing release {summary.version}")
    summary.release = publish.publish(nquads, report.graph if report else None, settings, summary.version)
    summary.seconds["publish"] = time.perf_counter() - started
    started = time.perf_counter()
    progress(f"writing store {summary.version}")
    summary.path = store.write(dataset, settings.store, summary.version)
    summary.seconds["store"] = time.perf_counter() - started
    return summary


def version(store_dir: Path, digest: str) -> str:
    """Date of the first build of this content plus a short hash of it: sortable, unique per content.

    Rebuilding the same data on a later day finds the earlier build and keeps its version.
    """
    short = digest[:12]
    earlier = sorted((Path(store_dir) / store.BUILDS).glob(f"*-{short}"))
    if earlier:
        return earlier[0].name
    return f"{datetime.now(timezone.utc):%Y-%m-%d}-{short}"


def union_graph(dataset: pyoxigraph.Store) -> Graph:
    """All graphs merged into one rdflib graph, the form pySHACL validates."""
    graph = Graph()
    for quad in dataset:
        graph.add(validate.as_triple(quad))
    return graph
