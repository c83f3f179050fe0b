"""VoID and DCAT of a release (loader/describe.py), computed from the release's own data: here the
sample's release, whose numbers can be counted by hand. On the real graph, served: tests/test_releases.py
and tests/test_landing.py."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as vocabularies  # DCAT as a module global makes pytest's collection warn
from rdflib.namespace import VOID

from loader import describe, layout
from loader import namespaces as ns
from loader.namespaces import SPDX
from loader.settings import Settings
from tests.conftest import SAMPLE_TTL

EX = "http://example.org/"
SAMPLE_GRAPH = str(ns.GRAPH[SAMPLE_TTL.stem])


@pytest.fixture(scope="module")
def release(sample_build: tuple[str, str]) -> Path:
    return layout.release(Path(sample_build[0]), sample_build[1])


@pytest.fixture(scope="module")
def stats(release: Path) -> describe.Statistics:
    version = release.name
    dump = {s: gzip.decompress((release / layout.dump_name(version, s, True)).read_bytes()) for s in ("nt", "nq")}
    return describe.statistics_of(describe.loaded(dump["nt"], dump["nq"]))


def test_the_statistics_count_the_merge_and_each_graph(stats: describe.Statistics):
    """Two distinct triples in three graphs: one each in .../graph/one and .../graph/two, both in sample.ttl's."""
    assert (stats.triples, stats.entities, stats.subjects, stats.objects) == (2, 1, 1, 2)
    assert stats.properties == {f"{EX}label": 1, f"{EX}rank": 1}
    assert stats.graphs == {f"{EX}graph/one": 1, f"{EX}graph/two": 1, SAMPLE_GRAPH: 2}
    assert stats.classes == {} and stats.links == {}


def test_void_states_the_statistics_of_the_dataset(release: Path, stats: describe.Statistics):
    void = Graph().parse(release / layout.VOID, format="turtle")
    dataset = ns.dataset(ns.BASE)
    assert (dataset, VOID.triples, Literal(stats.triples)) in void
    assert (dataset, VOID.distinctSubjects, Literal(stats.subjects)) in void
    dumps = {str(d).rsplit("/", 1)[1] for d in void.objects(dataset, VOID.dataDump)}
    assert dumps and all((release / name).is_file() for name in dumps)


def test_dcat_gives_each_dump_its_checksum(release: Path):
    dcat = Graph().parse(release / layout.DCAT, format="turtle")
    checked = {}
    for distribution in dcat.subjects(vocabularies.DCAT.downloadURL, None):
        url = dcat.value(distribution, vocabularies.DCAT.downloadURL)
        checksum = dcat.value(distribution, SPDX.checksum)
        if checksum is not None:
            checked[str(url).rsplit("/", 1)[1]] = str(dcat.value(checksum, SPDX.checksumValue))
    assert checked
    for name, digest in checked.items():
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest, name


def test_the_iris_are_under_the_bases_the_settings_give():
    settings = Settings.from_env(iri_base="https://data.example/", base_url="http://127.0.0.1:9/")
    iris = describe.iris(settings, "v1")
    assert iris["dataset"] == URIRef("https://data.example/dataset")
    assert iris["release"] == URIRef("http://127.0.0.1:9/releases/v1/")
    assert iris["endpoint"] == URIRef("http://127.0.0.1:9/sparql")
