"""Writing a release (loader/publish.py): its dumps, each the same data, and SHA256SUMS of every file.
Served, on the real graph: tests/test_releases.py."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pyoxigraph
import pytest

from loader import layout, publish, read, store
from loader.settings import Settings
from tests.conftest import SAMPLE_NQ, SAMPLE_TTL

QUAD_SUFFIXES = {"nq": pyoxigraph.RdfFormat.N_QUADS, "trig": pyoxigraph.RdfFormat.TRIG}
TRIPLE_SUFFIXES = {
    "nt": pyoxigraph.RdfFormat.N_TRIPLES,
    "ttl": pyoxigraph.RdfFormat.TURTLE,
    "rdf": pyoxigraph.RdfFormat.RDF_XML,
    "jsonld": pyoxigraph.RdfFormat.JSON_LD,
}


@pytest.fixture(scope="module")
def nquads() -> bytes:
    return store.sorted_nquads(read.read(read.file_sources([SAMPLE_NQ, SAMPLE_TTL])))


@pytest.fixture(scope="module")
def release(tmp_path_factory, nquads: bytes) -> Path:
    settings = Settings.from_env(store=tmp_path_factory.mktemp("publish") / "store")
    return publish.publish(nquads, None, settings, "v-test")


def test_the_release_is_written_under_its_version(release: Path):
    assert release == layout.release(release.parent.parent, "v-test") and release.is_dir()
    assert not [p for p in release.parent.iterdir() if p.name.startswith(layout.TEMP_PREFIX)]


def dump(release: Path, suffix: str) -> bytes:
    return gzip.decompress((release / layout.dump_name("v-test", suffix, True)).read_bytes())


def test_the_graph_dumps_hold_the_quads_and_the_others_their_merge(release: Path, nquads: bytes):
    quads = set(pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_QUADS))
    merge = {q.triple for q in quads}
    assert len(quads) == 4 and len(merge) == 2
    for suffix, syntax in QUAD_SUFFIXES.items():
        assert set(pyoxigraph.parse(dump(release, suffix), format=syntax)) == quads, suffix
    for suffix, syntax in TRIPLE_SUFFIXES.items():
        parsed = {
            q.triple if isinstance(q, pyoxigraph.Quad) else q
            for q in pyoxigraph.parse(dump(release, suffix), format=syntax)
        }
        assert parsed == merge, suffix


def test_merged_triples_are_the_distinct_triples_sorted(release: Path, nquads: bytes):
    merged = publish.merged_triples(nquads)
    assert merged == dump(release, "nt")
    assert merged.splitlines() == sorted(set(merged.splitlines()))


def test_sha256sums_lists_every_file_with_its_digest(release: Path):
    lines = (release / layout.CHECKSUMS).read_text().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    files = {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()} - {layout.CHECKSUMS}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest, name


def test_a_release_already_written_is_kept(release: Path, nquads: bytes):
    before = (release / layout.CHECKSUMS).read_bytes()
    again = publish.publish(nquads, None, Settings.from_env(store=release.parent.parent), "v-test")
    assert again == release and (release / layout.CHECKSUMS).read_bytes() == before
