"""Publish a release: dumps in every RDF syntax, checksums, VoID, DCAT, the validation report and
pictures of the landscape (SVG).

A release folder is named by its version and never changes once written; it is written under
a temporary name and renamed, so a reader sees all of it or none. Every file is derived from the
canonical, sorted N-Quads, so the same data always gives byte-identical files.
"""

from __future__ import annotations

import gzip
import hashlib
import multiprocessing
import multiprocessing.pool
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph
from pyoxigraph import RdfFormat
from rdflib import Graph

from loader import describe, formats, landscape, layout
from loader.describe import Written
from loader.namespaces import PREFIXES
from loader.settings import Settings
from loader.typed import in_memory


@dataclass(frozen=True)
class Dump:
    """One dump file: its name, what it holds, and how it is written."""

    suffix: str
    format: RdfFormat
    holds: str  # "graphs": every named graph; "merge": the default graph, the merge of them all
    compress: bool

    def file_name(self, version: str) -> str:
        return layout.dump_name(version, self.suffix, self.compress)


# One dump per graph format, the quad formats (every named graph) first: they take longest.
DUMPS = tuple(
    Dump(f.suffix, f.graph_syntax, "graphs" if f in formats.QUADS else "merge", True)
    for f in sorted(formats.GRAPHS, key=lambda f: f not in formats.QUADS)
)


GZIP_LEVEL = 6  # zlib's default: a third faster than 9 for files a few per cent bigger


def publish(
    nquads: bytes,
    report: Graph | None,
    settings: Settings,
    version: str,
    dataset: pyoxigraph.Store | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> Path:
    """Write release `version` from its canonical sorted N-Quads; return its folder."""
    return start(nquads, report, settings, version, dataset, progress).finish()


def start(
    nquads: bytes,
    report: Graph | None,
    settings: Settings,
    version: str,
    dataset: pyoxigraph.Store | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> Release:
    """Start writing release `version`: the dumps are serialised and compressed by two worker
    processes while the caller goes on (the pipeline writes the store meanwhile);
    `Release.finish` waits for them and completes the folder.

    `dataset`, when given, holds the same data as `nquads` with the merge in its default graph;
    the VoID statistics are computed on it instead of on a new store.
    """
    root, final = layout.releases(settings.store), layout.release(settings.store, version)
    root.mkdir(parents=True, exist_ok=True)
    if final.is_dir():
        return Release(final, None, settings, version, progress)
    temp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    merge = merged_triples(nquads)
    global _SOURCES  # noqa: PLW0603 - the forked workers inherit the data; pickling would copy it
    _SOURCES = (nquads, merge, temp, version)  # what the forked workers read: inherited, not pickled
    processes = min(2, os.cpu_count() or 1)
    try:
        pool = multiprocessing.get_context("fork").Pool(processes)
        pending = pool.map_async(_write_dump, range(len(DUMPS)), chunksize=1)
    finally:
        _SOURCES = None
    pool.close()
    progress(f"writing {len(DUMPS)} dumps of {len(nquads) >> 20} MB of N-Quads in {processes} processes")
    described = dataset if dataset is not None else describe.loaded(merge, nquads)
    writing = _Writing(temp, pool, pending, report, describe.statistics_of(described), landscape.pictures(described))
    return Release(final, writing, settings, version, progress)


@dataclass
class _Writing:
    """A release folder being written: its temporary name, the dump workers and what the
    descriptions need once the dumps are done."""

    temp: Path
    pool: multiprocessing.pool.Pool
    pending: multiprocessing.pool.AsyncResult[list[Written]]
    report: Graph | None
    stats: describe.Statistics
    pictures: dict[str, bytes]


@dataclass
class Release:
    """A release being published; `writing` is None when its folder exists already."""

    final: Path
    writing: _Writing | None
    settings: Settings
    version: str
    progress: Callable[[str], None]

    def abandon(self) -> None:
        """Stop the workers and remove the unfinished folder (the build failed after `start`)."""
        work = self.writing
        if work is None or not work.temp.exists():
            return
        work.pool.terminate()
        work.pool.join()
        shutil.rmtree(work.temp, ignore_errors=True)

    def finish(self) -> Path:
        work = self.writing
        if work is None:
            return self.final
        try:
            written = work.pending.get()
        except BaseException:
            self.abandon()
            raise
        finally:
            work.pool.join()
        self.progress(f"wrote dumps: {sum(w.size for w in written) >> 20} MB compressed")
        published = datetime.now(UTC).replace(microsecond=0)
        files = {w.name: w for w in sorted(written, key=lambda w: w.name)}
        temp, settings, report = work.temp, self.settings, work.report
        for name, graph in describe.descriptions(settings, self.version, published, work.stats, files).items():
            (temp / name).write_bytes(turtle(graph))
        if report is not None:
            (temp / layout.SHACL_REPORT).write_bytes(turtle(report))
        for name, picture in work.pictures.items():  # the landscape as SVG (loader/landscape.py)
            (temp / name).parent.mkdir(parents=True, exist_ok=True)
            (temp / name).write_bytes(picture)
        for folder in (settings.ontology_dir, settings.shapes_dir):
            if folder.is_dir():
                shutil.copytree(folder, temp / folder.name, ignore=shutil.ignore_patterns("*~", ".*"))
        _checksums(temp, {w.name: w.sha256 for w in written})
        temp.chmod(0o755)  # mkdtemp makes it private; a release is public
        temp.rename(self.final)
        return self.final


_SOURCES: tuple[bytes, bytes, Path, str] | None = None


def _write_dump(index: int) -> Written:
    """In a worker: serialise one dump from the sorted N-Quads or their merge, compress, write."""
    if _SOURCES is None:
        raise RuntimeError("_write_dump runs in a worker forked by `start`, which sets _SOURCES")
    nquads, merge, folder, version = _SOURCES
    dump = DUMPS[index]
    body = (
        nquads
        if dump.holds == "graphs" and dump.format == RdfFormat.N_QUADS
        else _serialize(nquads if dump.holds == "graphs" else merge, dump)
    )
    name = dump.file_name(version)
    data = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0) if dump.compress else body
    (folder / name).write_bytes(data)
    return Written(name, len(data), hashlib.sha256(data).hexdigest())


def merged_triples(nquads: bytes) -> bytes:
    """The distinct triples of all graphs as sorted N-Triples: the release's default graph.

    Each line of the sorted N-Quads loses its last term, the graph name (an IRI or a blank node
    label: neither has a space), so that no quad is parsed. In sorted N-Quads the quads of one
    triple are adjacent lines, and the triples come in their own sorted order (N-Quads has no
    character below the space that separates a triple from its graph), so one pass drops the
    repeats; it goes a few megabytes at a time, to hold few Python objects at once.
    """
    pieces, previous, start, size = [], b"", 0, len(nquads)
    while start < size:
        end = nquads.find(b"\n", min(start + (8 << 20), size - 1)) + 1 or size
        triples = []
        for line in nquads[start:end].splitlines():
            triple = line[: line.rindex(b" ", 0, len(line) - 2)]
            if triple != previous:
                triples.append(triple)
                previous = triple
        if triples:
            pieces.append(b" .\n".join(triples) + b" .\n")
        start = end
    return b"".join(pieces)


def turtle(graph: Graph) -> bytes:
    """An rdflib graph as Turtle written by Oxigraph, with the graph's prefixes: rdflib's own
    Turtle writer takes a third of a second for the descriptions and report of the real graph."""
    lines = sorted(set(graph.serialize(format="nt", encoding="utf-8").splitlines(keepends=True)))  # by subject
    triples = pyoxigraph.parse(b"".join(lines), format=RdfFormat.N_TRIPLES)
    prefixes = dict(sorted((prefix, str(namespace)) for prefix, namespace in graph.namespaces() if prefix))
    return in_memory(pyoxigraph.serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes))


def _serialize(lines: bytes, dump: Dump) -> bytes:
    source = RdfFormat.N_QUADS if dump.holds == "graphs" else RdfFormat.N_TRIPLES
    if dump.format == source:
        return lines
    parsed = pyoxigraph.parse(lines, format=source)
    return in_memory(
        pyoxigraph.serialize(
            parsed,
            format=dump.format,
            prefixes=PREFIXES if dump.format in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML) else None,
        )
    )


def _checksums(folder: Path, known: dict[str, str]) -> None:
    """`SHA256SUMS` in the format `sha256sum -c` reads; the dumps' digests are already known."""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        digest = known.get(name) or hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {name}\n")
    (folder / layout.CHECKSUMS).write_text("".join(lines))
