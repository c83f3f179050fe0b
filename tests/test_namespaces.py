"""The IRIs the code needs (loader/namespaces.py): the data, ontology and shapes use them as declared here,
and what a build mints and a deployment serves is under the base each is given."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from loader import namespaces as ns
from loader.validate import load_ontology, turtle_files
from tests.conftest import ROOT


@pytest.mark.parametrize("prefix, namespace", ns.PREFIXES.items())
def test_every_prefix_names_a_namespace(prefix, namespace):
    assert re.fullmatch(r"https?://\S+[/#]", namespace), f"{prefix}: {namespace}"


def test_no_two_prefixes_name_the_same_namespace():
    assert len(set(ns.PREFIXES.values())) == len(ns.PREFIXES)


def test_the_ontology_declares_itself_under_the_base():
    ontology = load_ontology(ROOT / "ontology")
    assert (ns.ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    assert str(ns.NOLSI).startswith(ns.BASE) and str(ns.ONTOLOGY).startswith(ns.BASE)


def test_the_data_files_declare_the_prefixes_as_this_module_does():
    """A data file may use its own prefixes, but one named here must mean the same namespace."""
    for path in turtle_files(ROOT / "data"):
        declared = dict(Graph(bind_namespaces="none").parse(path, format="turtle").namespaces())
        for prefix, namespace in declared.items():
            if prefix in ns.PREFIXES:
                assert str(namespace) == ns.PREFIXES[prefix], f"{path.name}: {prefix}: {namespace}"


def test_minted_iris_are_under_the_iri_base_and_deployment_urls_under_the_base_url():
    iri_base, base_url = "https://example.org/data/", "http://127.0.0.1:8000/"
    for minted in (
        ns.dataset(iri_base),
        ns.catalog(iri_base),
        ns.project(iri_base),
        ns.persistence(iri_base),
        ns.void_part(iri_base, "subset", "x"),
        ns.document(iri_base, "ri/x"),
    ):
        assert isinstance(minted, URIRef) and minted.startswith(iri_base), minted
    for served in (ns.endpoint(base_url), ns.service(base_url), ns.release(base_url, "v1")):
        assert served.startswith(base_url), served
    assert ns.release(base_url, "v1") == URIRef(base_url + "releases/v1/")
    assert ns.document(iri_base, "ri/x") == URIRef(iri_base + "doc/ri/x")
