"""Push a validated release to an existing SPARQL server over the Graph Store HTTP Protocol.

When one machine is not enough, the same release is served by an existing server (Oxigraph
server, Apache Jena Fuseki, Virtuoso, QLever) instead of a home-made cluster. Each named graph of
the release replaces the graph of the same name on the server (`PUT ?graph=`, section 5.3 of
https://www.w3.org/TR/sparql11-http-rdf-update/), and the merge of all of them replaces the
default graph (`PUT ?default`), so that the server answers queries exactly as nolsi does.
"""

from __future__ import annotations

import gzip
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from pyoxigraph import RdfFormat

from loader import publish
from loader.typed import in_memory


class PushError(Exception):
    pass


@dataclass(frozen=True)
class Pushed:
    graphs: int
    triples: int
    seconds: float


def push(release: Path, graph_store: str, timeout: float = 300) -> Pushed:
    """PUT every graph of `release` (a release folder) to the Graph Store endpoint `graph_store`."""
    started = time.perf_counter()
    version = release.name
    nquads = _dump(release, version, "nq")
    graphs: dict[str, list[pyoxigraph.Triple]] = {}
    for quad in pyoxigraph.parse(nquads, format=RdfFormat.N_QUADS):
        graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    for name, triples in graphs.items():
        _put(
            f"{graph_store}?{urllib.parse.urlencode({'graph': name})}",
            in_memory(pyoxigraph.serialize(triples, format=RdfFormat.N_TRIPLES)),
            timeout,
        )
    merge = _dump(release, version, "nt")
    _put(f"{graph_store}?default", merge, timeout)
    return Pushed(len(graphs), merge.count(b"\n"), time.perf_counter() - started)


def _dump(release: Path, version: str, suffix: str) -> bytes:
    dump = next(d for d in publish.DUMPS if d.suffix == suffix)
    path = release / dump.file_name(version)
    try:
        return gzip.decompress(path.read_bytes()) if dump.compress else path.read_bytes()
    except OSError as error:
        raise PushError(f"cannot read {path}: {error.strerror or error}") from None


def _put(url: str, body: bytes, timeout: float) -> None:
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": "application/n-triples"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        detail = error.read(500).decode("utf-8", "replace").strip()
        raise PushError(f"PUT {url} was refused: {error.code} {error.reason}: {detail}") from None
    except (urllib.error.URLError, OSError) as error:
        raise PushError(f"PUT {url} failed: {getattr(error, 'reason', error)}") from None
