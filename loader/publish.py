"""Publish a release: dumps in every RDF syntax, checksums, VoID, DCAT and the validation report.

A release folder is named by its version and never changes once written; it is written under
a temporary name and renamed, so a reader sees all of it or none. Every file is derived from the
canonical, sorted N-Quads, so the same data always gives byte-identical files.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph
from pyoxigraph import RdfFormat
from rdflib import Graph

from loader import describe
from loader.namespaces import PREFIXES
from loader.settings import Settings

RELEASES = "releases"


@dataclass(frozen=True)
class Dump:
    """One dump file: its name, what it holds, and how it is written."""

    suffix: str
    format: RdfFormat
    holds: str  # "graphs": every named graph; "merge": the default graph, the merge of them all
    compress: bool


DUMPS = (
    Dump("nq", RdfFormat.N_QUADS, "graphs", True),
    Dump("trig", RdfFormat.TRIG, "graphs", True),
    Dump("ttl", RdfFormat.TURTLE, "merge", True),
    Dump("nt", RdfFormat.N_TRIPLES, "merge", True),
    Dump("jsonld", RdfFormat.JSON_LD, "merge", True),
    Dump("rdf", RdfFormat.RDF_XML, "merge", True),
)


def file_name(version: str, dump: Dump) -> str:
    return f"nolsi-{version}.{dump.suffix}" + (".gz" if dump.compress else "")


def publish(
    nquads: bytes,
    report: Graph | None,
    settings: Settings,
    version: str,
) -> Path:
    """Write release `version` from its canonical sorted N-Quads; return its folder."""
    root = Path(settings.store) / RELEASES
    root.mkdir(parents=True, exist_ok=True)
    final = root / version
    if final.is_dir():
        return final
    temp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    published = datetime.now(timezone.utc).replace(microsecond=0)

    merge = _merge(nquads)
    for dump in DUMPS:
        body = nquads if dump.holds == "graphs" and dump.format == RdfFormat.N_QUADS else _serialize(
            nquads if dump.holds == "graphs" else merge, dump
        )
        _write(temp / file_name(version, dump), body, dump.compress)

    stats = describe.statistics(merge, nquads)
    files = {path.name: path.read_bytes() for path in sorted(temp.iterdir())}
    for name, graph in describe.descriptions(settings, version, published, stats, files).items():
        (temp / name).write_bytes(graph.serialize(format="turtle", encoding="utf-8"))
    if report is not None:
        (temp / "shacl-report.ttl").write_bytes(report.serialize(format="turtle", encoding="utf-8"))
    for folder in (settings.ontology_dir, settings.shapes_dir):
        if folder.is_dir():
            shutil.copytree(folder, temp / folder.name, ignore=shutil.ignore_patterns("*~", ".*"))
    _checksums(temp)
    temp.chmod(0o755)  # mkdtemp makes it private; a release is public
    temp.rename(final)
    return final


def _merge(nquads: bytes) -> bytes:
    """The distinct triples of all graphs as sorted N-Triples: the release's default graph."""
    triples = {f"{quad.triple} .\n" for quad in pyoxigraph.parse(nquads, format=RdfFormat.N_QUADS)}
    return "".join(sorted(triples)).encode()


def _serialize(lines: bytes, dump: Dump) -> bytes:
    source = RdfFormat.N_QUADS if dump.holds == "graphs" else RdfFormat.N_TRIPLES
    if dump.format == source:
        return lines
    parsed = pyoxigraph.parse(lines, format=source)
    return pyoxigraph.serialize(parsed, format=dump.format, prefixes=PREFIXES if dump.format in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML) else None)


def _write(path: Path, body: bytes, compress: bool) -> None:
    if compress:
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
            out.write(body)
    else:
        path.write_bytes(body)


def _checksums(folder: Path) -> None:
    """`SHA256SUMS` in the format `sha256sum -c` reads."""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(folder).as_posix()}\n")
    (folder / "SHA256SUMS").write_text("".join(lines))
