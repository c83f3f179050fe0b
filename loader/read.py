"""Read RDF files into one dataset, one named graph per file.

Oxigraph's parsers do the work: they are about 20x faster than rdflib's and report the line and
column of a syntax error, which we pass on as `FILE:LINE:COLUMN: message`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat

from loader import formats
from loader.namespaces import GRAPH

# The files a build reads, by extension: each graph format's own, and the other names they go by.
EXTENSIONS = {
    **{f".{f.suffix}": f.graph_syntax for f in formats.GRAPHS},
    ".json": RdfFormat.JSON_LD,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
}


class ReadError(Exception):
    """A file that cannot be read, located to the line and column where that is known."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None):
        self.path, self.message, self.line, self.column = path, message, line, column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = "".join(f":{n}" for n in (self.line, self.column) if n is not None)
        return f"{self.path}{where}: {self.message}"


@dataclass(frozen=True)
class Source:
    """A file to read and the graph its triples go to (quad formats keep their own graphs)."""

    path: Path
    graph: str

    @property
    def format(self) -> RdfFormat:
        try:
            return EXTENSIONS[self.path.suffix.lower()]
        except KeyError:
            known = ", ".join(sorted(EXTENSIONS))
            raise ReadError(self.path, f"unknown RDF file extension {self.path.suffix!r} (known: {known})") from None


def project_sources(data_dir: Path, ontology_dir: Path) -> list[Source]:
    """The curated files: the ontology and vocabularies, then the data files by stem.

    A data folder that is missing or holds no Turtle file is refused: a build of the ontology alone
    would replace the served graph with an empty one and report success."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ReadError(
            data_dir, "no such data folder; point --data-dir (or NOLSI_DATA_DIR) at the folder of data files"
        )
    data = sorted(data_dir.glob("*.ttl"))
    if not data:
        raise ReadError(data_dir, "the data folder holds no Turtle file (*.ttl); nothing to build")
    return ontology_sources(ontology_dir) + [Source(p, GRAPH[p.stem]) for p in data]


def ontology_sources(ontology_dir: Path) -> list[Source]:
    """The ontology in one graph, each vocabulary in its own, the import extracts in one."""
    sources = [Source(p, GRAPH["ontology"]) for p in sorted(ontology_dir.glob("*.ttl"))]
    sources += [Source(p, GRAPH[f"vocab-{p.stem}"]) for p in sorted((ontology_dir / "vocab").glob("*.ttl"))]
    sources += [Source(p, GRAPH["imports"]) for p in sorted((ontology_dir / "imports").glob("*.ttl"))]
    return sources


def file_sources(paths: list[Path]) -> list[Source]:
    """Files a user names on the command line: each becomes the graph named after its stem."""
    return [Source(Path(p), GRAPH[Path(p).stem]) for p in paths]


def read(sources: list[Source], progress: Callable[[int, int], None] = lambda done, total: None) -> pyoxigraph.Store:
    """Load every source into one in-memory store; Oxigraph parses, Python only directs."""
    store = pyoxigraph.Store()
    for done, source in enumerate(sources, 1):
        load_one(store, source)
        progress(done, len(sources))
    return store


def load_one(store: pyoxigraph.Store, source: Source) -> None:
    """Load one file, or raise `ReadError`; a file that fails halfway adds nothing.

    Triples go to the file's graph. Quads keep their graph, and a quad file's default-graph
    triples also go to the file's graph, because the store's default graph is the union.
    """
    graph = NamedNode(source.graph)
    try:
        if source.format.supports_datasets:
            quads = pyoxigraph.parse(
                path=source.path, format=source.format, base_iri=source.graph, rename_blank_nodes=True
            )
            store.extend(
                [q if q.graph_name != DefaultGraph() else Quad(q.subject, q.predicate, q.object, graph) for q in quads]
            )
        else:
            store.load(path=source.path, format=source.format, base_iri=source.graph, to_graph=graph)
    except SyntaxError as error:
        message = error.msg.split(": ", 1)[-1] if error.msg.startswith("Parser error") else error.msg
        raise ReadError(source.path, message, error.lineno, error.offset) from None
    except (OSError, ValueError) as error:
        raise ReadError(source.path, getattr(error, "strerror", None) or str(error)) from None
