"""Write a new on-disk Oxigraph store and switch it in atomically.

The store folder's layout is `loader.layout`'s: builds in `builds/<version>/`, and `current`, a
symlink to the build being served. A build is written under a temporary name, renamed to its
version, and only then is `current` replaced, with a rename of a fresh symlink, which POSIX makes
atomic. A build killed at any moment therefore leaves `current` pointing at the previous,
complete store.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph

from loader import layout
from loader.layout import TEMP_PREFIX
from loader.typed import in_memory


class StoreError(Exception):
    """The store folder cannot be used: missing, corrupt, or locked by another build."""


def sorted_nquads(source: pyoxigraph.Store) -> bytes:
    """The data as sorted N-Quads, with blank nodes canonically named: same data, same bytes.

    Parsing names blank nodes at random, so the quads that have blank nodes are canonicalised;
    only those: a blank node's canonical name depends on the quads it is in and on no others, so
    the rest (most of the data) is sorted as Oxigraph wrote it, with no Python object per quad.
    """
    lines = in_memory(source.dump(format=pyoxigraph.RdfFormat.N_QUADS)).splitlines(keepends=True)
    if any(b"_:" in line for line in lines):
        blank = b"".join(line for line in lines if b"_:" in line)  # "_:" in a literal only costs time
        lines = [line for line in lines if b"_:" not in line]
        canonical = pyoxigraph.Dataset(pyoxigraph.parse(blank, format=pyoxigraph.RdfFormat.N_QUADS))
        del blank
        canonical.canonicalize(pyoxigraph.CanonicalizationAlgorithm.UNSTABLE)
        lines += in_memory(pyoxigraph.serialize(canonical, format=pyoxigraph.RdfFormat.N_QUADS)).splitlines(
            keepends=True
        )
        del canonical
    lines.sort()
    return b"".join(lines)


def give_back_memory() -> None:
    """Return freed heap memory to the system (glibc's malloc_trim): after a big in-memory store
    is dropped its pages stay in the process otherwise, and the bulk loader's come on top."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to give back this way
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def merge_into_default_graph(source: pyoxigraph.Store) -> None:
    """Make the default graph of `source` the RDF merge of its named graphs (once)."""
    if next(iter(source.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())), None) is None:
        source.update(MERGE_INTO_DEFAULT_GRAPH)


def is_store(path: Path) -> bool:
    """Whether `path` is an Oxigraph store folder (RocksDB's `CURRENT` file is in every one)."""
    return (path / "CURRENT").is_file()


def exists(store: Path) -> bool:
    """Whether `store` is a store or a store folder at all, whole or damaged (not: nothing there yet)."""
    link = layout.current_link(store)
    return is_store(Path(store)) or link.is_symlink() or link.exists()


def resolve(store: Path) -> Path:
    """The built store to serve: `<store>/current`, or `store` itself if it is a store."""
    store = Path(store)
    if is_store(store):
        return store
    current = layout.current_link(store)
    if current.is_symlink() or current.exists():
        target = current.resolve()
        if is_store(target):
            return target
        raise StoreError(f"{current} points at {target}, which is not an Oxigraph store; rebuild with `nolsi build`")
    raise StoreError(f"no store at {store}: run `nolsi build` first")


def release_of(store: Path) -> Path:
    """The release folder of the build being served (written by `loader.publish`)."""
    build = resolve(store)
    release = layout.release_of(build)
    if not release.is_dir():
        raise StoreError(f"no release folder {release} for the build {build.name}: rebuild with `nolsi build`")
    return release


def check(path: Path) -> None:
    """Open the build read-only once, so a damaged store is a clear error at start-up, not later."""
    try:
        pyoxigraph.Store.read_only(str(path))
    except (OSError, RuntimeError) as error:
        raise StoreError(f"the store at {path} cannot be opened ({error}); rebuild it with `nolsi build`") from None


@contextmanager
def build_lock(store: Path) -> Iterator[None]:
    """Held from the first write into `<store>/builds` to the switch: one build at a time."""
    Path(store).mkdir(parents=True, exist_ok=True)
    with open(layout.lock(store), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"another build is running in {store}") from None
        yield


MERGE_INTO_DEFAULT_GRAPH = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def write(
    source: pyoxigraph.Store, store: Path, version: str, before_switch: Callable[[], object] | None = None
) -> Path:
    """Write `source` as build `version` and make it current; return the build's folder.

    The build's default graph is the RDF merge of its named graphs, materialised: SPARQL's
    default graph is then a set of triples, as the standard says, where Oxigraph's on-the-fly
    union would repeat a triple once per graph that holds it. `source` gets the merge too, if it
    does not have it yet.
    """
    store = Path(store)
    with build_lock(store):
        dump = None if is_store(layout.build(store, version)) else dump_for_build(source, store, version)
        return write_dump(dump, store, version, before_switch)


def dump_for_build(source: pyoxigraph.Store, store: Path, version: str) -> Path:
    """Write `source`, with the merge as its default graph, as N-Quads to a temporary file of the
    store folder, for `write_dump`: Oxigraph writes and reads it natively, the dump of a big
    store is never a Python bytes object, and the caller can free `source` before the store is
    built. Call it under `build_lock`."""
    builds = layout.builds(store)
    builds.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(builds)
    merge_into_default_graph(source)
    dump = builds / f"{TEMP_PREFIX}{version}.nq"
    source.dump(str(dump), format=pyoxigraph.RdfFormat.N_QUADS)
    return dump


def write_dump(dump: Path | None, store: Path, version: str, before_switch: Callable[[], object] | None = None) -> Path:
    """Bulk-load `dump` (from `dump_for_build`, which it removes) as build `version`, run
    `before_switch`, then make the build current. Call it under `build_lock`.

    `before_switch` runs once the build is complete on disk and before `current` points at it
    (the pipeline finishes the release there). With `dump` None the build exists already."""
    store = Path(store)
    builds, final = layout.builds(store), layout.build(store, version)
    try:
        if dump is not None and not is_store(final):
            temp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=builds))
            oxstore = pyoxigraph.Store(str(temp))
            oxstore.bulk_load(path=str(dump), format=pyoxigraph.RdfFormat.N_QUADS)
            oxstore.flush()
            del oxstore
            _fsync_tree(temp)
            if final.exists():
                shutil.rmtree(final)
            temp.rename(final)
    finally:
        if dump is not None:
            dump.unlink(missing_ok=True)
    if before_switch is not None:
        before_switch()
    _switch(store, final)
    return final


def _switch(store: Path, target: Path) -> None:
    current = layout.current_link(store)
    link = current.with_name(f"{TEMP_PREFIX}{current.name}-{os.getpid()}")
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target.relative_to(store))
    os.replace(link, current)
    _fsync_dir(store)


def _remove_leftovers(builds: Path) -> None:
    """Temporary folders of builds that were killed; safe because we hold the build lock."""
    for path in builds.glob(f"{TEMP_PREFIX}*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _fsync_tree(root: Path) -> None:
    for path in root.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
