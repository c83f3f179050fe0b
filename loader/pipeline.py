"""The build, top to bottom: read -> validate -> publish -> store.

A failure at any step raises before the store is touched, so the store being served stays as it
was.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph

from loader import layout, publish, read, store, validate
from loader.settings import Settings

Progress = Callable[..., None]  # progress(message, transient=False): transient lines are overwritten


def _quiet(message: str, transient: bool = False) -> None:
    pass


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
    settings: Settings,
    files: list[Path] | None = None,
    progress: Progress = _quiet,
    validator: str = "sparql",
) -> tuple[pyoxigraph.Store, validate.Report | None, Summary]:
    """Read and validate; raise `read.ReadError` or `ValidationFailed`, write nothing.

    The dataset returned has the merge of its named graphs in its default graph."""
    dataset, report, summary, _ = _check(settings, files, progress, validator, canonical=False)
    return dataset, report, summary


def _check(settings: Settings, files: list[Path] | None, progress: Progress, validator: str, canonical: bool):
    summary = Summary()
    started = time.perf_counter()
    todo = sources(settings, files)
    dataset = read.read(todo, lambda done, total: progress(f"reading files: {done}/{total}", True))
    summary.files = len(todo)
    summary.graphs = sum(1 for _ in dataset.named_graphs())
    summary.triples = len(dataset)
    summary.seconds["read"] = time.perf_counter() - started
    progress(f"read {summary.files} files: {summary.triples} triples in {summary.graphs} graphs")

    hashing = nquads = None
    if canonical:
        # The canonical N-Quads of the named graphs (so before the merge) are written by a forked
        # process while this one merges and validates: the two steps share no data.
        started = time.perf_counter()
        if summary.triples >= PARALLEL_HASH_FROM:
            hashing = _Hashing(dataset)
        else:
            nquads = store.sorted_nquads(dataset)
        summary.seconds["hash"] = time.perf_counter() - started
    try:
        report = _merge_and_validate(dataset, todo, settings, files, progress, validator, summary)
    except BaseException:
        if hashing is not None:
            hashing.cancel()
        raise
    if hashing is not None:
        started = time.perf_counter()
        nquads = hashing.get()
        summary.seconds["hash"] += time.perf_counter() - started  # with the wait for the process
    if nquads is not None:
        progress(f"canonical N-Quads: {len(nquads) >> 20} MB")
    return dataset, report, summary, nquads


def _merge_and_validate(dataset, todo, settings, files, progress, validator, summary) -> validate.Report | None:
    started = time.perf_counter()
    store.merge_into_default_graph(dataset)
    summary.seconds["merge"] = time.perf_counter() - started

    report = None
    if settings.shapes:
        started = time.perf_counter()
        progress(f"validating with SHACL ({validator})")
        # Named files are checked together with the vocabularies they use; the build stores only them.
        checked = dataset
        if files:
            checked = read.read(todo + read.ontology_sources(settings.ontology_dir))
            store.merge_into_default_graph(checked)
        report = validate.validate_store(
            checked,
            validate.load_shapes(settings.shapes_dir),
            validate.load_ontology(settings.ontology_dir),
            validator,
            lambda done, total: progress(f"validating: {done}/{total} queries", True),
        )
        summary.violations, summary.warnings = len(report.violations), len(report.warnings)
        summary.seconds["validate"] = time.perf_counter() - started
        progress(f"validated: {summary.violations} violations, {summary.warnings} warnings")
        if not report.conforms:
            by_graph: dict[str, list[Path]] = {}
            for source in todo:
                by_graph.setdefault(str(source.graph), []).append(source.path)
            raise ValidationFailed(validate.located(report, checked, by_graph))
    return report


PARALLEL_HASH_FROM = 50_000  # quads; below that a fork costs more than it saves
_HASHED: pyoxigraph.Store | None = None


class _Hashing:
    """`store.sorted_nquads` of a dataset in a forked process (it inherits the dataset)."""

    def __init__(self, dataset: pyoxigraph.Store):
        import multiprocessing

        global _HASHED  # noqa: PLW0603 - the forked worker inherits the dataset; pickling would copy it
        _HASHED = dataset
        try:
            self.pool = multiprocessing.get_context("fork").Pool(1)
            self.pending = self.pool.apply_async(_sorted_nquads_of_inherited)
        finally:
            _HASHED = None
        self.pool.close()

    def get(self) -> bytes:
        try:
            return self.pending.get()
        finally:
            self.pool.join()

    def cancel(self) -> None:
        self.pool.terminate()
        self.pool.join()


def _sorted_nquads_of_inherited() -> bytes:
    if _HASHED is None:
        raise RuntimeError("runs in the process `_Hashing` forks, which inherits _HASHED")
    return store.sorted_nquads(_HASHED)


def build(
    settings: Settings,
    files: list[Path] | None = None,
    progress: Progress = _quiet,
    validator: str = "sparql",
) -> Summary:
    dataset, report, summary, nquads = _check(settings, files, progress, validator, canonical=True)
    started = time.perf_counter()
    summary.version = version(settings.store, hashlib.sha256(nquads).hexdigest())
    progress(f"publishing release {summary.version}")
    # The dumps are written by two worker processes while this one writes the store; "publish"
    # counts this process's share and the wait for the workers, "store" the store alone.
    release = publish.start(nquads, report.graph if report else None, settings, summary.version, dataset, progress)
    del nquads
    publishing = time.perf_counter() - started
    waited = [0.0]

    def finish_release() -> None:
        begun = time.perf_counter()
        summary.release = release.finish()
        waited[0] = time.perf_counter() - begun

    started = time.perf_counter()
    progress(f"writing store {summary.version}")
    try:
        with store.build_lock(settings.store):
            dump = None
            if not store.is_store(layout.build(settings.store, summary.version)):
                dump = store.dump_for_build(dataset, settings.store, summary.version)
            del dataset  # freed before the on-disk store is built: a 1M build needs one or the other
            store.give_back_memory()
            summary.path = store.write_dump(dump, settings.store, summary.version, before_switch=finish_release)
    except BaseException:
        release.abandon()
        raise
    summary.seconds["store"] = time.perf_counter() - started - waited[0]
    summary.seconds["publish"] = publishing + waited[0]
    return summary


def version(store_dir: Path, digest: str) -> str:
    """Date of the first build of this content plus a short hash of it: sortable, unique per content.

    Rebuilding the same data on a later day finds the earlier build and keeps its version.
    """
    short = digest[:12]
    earlier = sorted(layout.builds(store_dir).glob(f"*-{short}"))
    if earlier:
        return earlier[0].name
    return f"{datetime.now(UTC):%Y-%m-%d}-{short}"
