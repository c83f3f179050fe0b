"""VoID and DCAT descriptions of a release, computed from the release's own data.

VoID (https://www.w3.org/TR/void/) gives the statistics harvesters and federation engines use;
DCAT 3 (https://www.w3.org/TR/vocab-dcat-3/) gives what catalogues such as data.norge.no and
the FAIR assessors look for: licence, publisher, distributions with checksums, the endpoint.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import pyoxigraph
from pyoxigraph import RdfFormat
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, VOID, XSD

from loader import formats, layout
from loader import namespaces as ns
from loader.namespaces import (
    DCAT3_VERSION,
    EU_ACCESS_RIGHT,
    EU_COUNTRY,
    EU_DATA_THEME,
    EU_LANGUAGE,
    FORMATS,
    IANA_MEDIA_TYPES,
    ID,
    LICENCE,
    NOLSI,
    PERSISTENCE_POLICY,
    SCHEMA,
    SD,
    SPDX,
)
from loader.settings import Settings
from loader.typed import in_memory, solutions

MEDIA_TYPES = {f.suffix: f.media_type for f in formats.GRAPHS}  # of the dumps, by suffix


@dataclass(frozen=True)
class Written:
    """A file of the release: name, size and SHA-256, known without reading it back."""

    name: str
    size: int
    sha256: str


# Outgoing links, grouped by the authority whose identifiers they use.
AUTHORITIES = {
    "ror.org": ("ror", "Research Organization Registry (ROR)"),
    "orcid.org": ("orcid", "ORCID"),
    "doi.org": ("doi", "DOI"),
    "dx.doi.org": ("doi", "DOI"),
    "lovdata.no": ("lovdata", "Lovdata"),
    "bio.tools": ("biotools", "bio.tools"),
    "fairsharing.org": ("fairsharing", "FAIRsharing"),
    "www.wikidata.org": ("wikidata", "Wikidata"),
    "eur-lex.europa.eu": ("eurlex", "EUR-Lex"),
    "edamontology.org": ("edam", "EDAM ontology"),
}
LINK_PREDICATES = tuple(f"<{p}>" for p in (SCHEMA.sameAs, SCHEMA.url, FOAF.homepage))


@dataclass(frozen=True)
class Statistics:
    triples: int
    entities: int
    subjects: int
    objects: int
    classes: dict[str, int]
    properties: dict[str, int]
    graphs: dict[str, int]
    derived_from: dict[str, list[str]]
    links: dict[tuple[str, str], int]
    documents: list[str]


def loaded(merge: bytes, nquads: bytes) -> pyoxigraph.Store:
    """A store of the release to describe: the merge in its default graph, the named graphs as they are."""
    store = pyoxigraph.Store()
    store.load(merge, format=RdfFormat.N_TRIPLES)
    store.load(nquads, format=RdfFormat.N_QUADS)
    return store


def statistics_of(store: pyoxigraph.Store) -> Statistics:
    """The statistics of a store whose default graph is the merge of its named graphs."""

    def rows(query: str) -> list[list[str]]:
        tsv = in_memory(solutions(store.query(query)).serialize(format=pyoxigraph.QueryResultsFormat.TSV)).decode()
        return [line.split("\t") for line in tsv.splitlines()[1:]]

    def number(text: str) -> int:
        return int(text.split("^^")[0].strip('"'))

    def iri(text: str) -> str:
        return text[1:-1]

    [[triples, entities, subjects, objects]] = rows(
        "SELECT (COUNT(*) AS ?t) (COUNT(DISTINCT ?e) AS ?e2) (COUNT(DISTINCT ?s) AS ?s2) (COUNT(DISTINCT ?o) AS ?o2)"
        " WHERE { ?s ?p ?o BIND(IF(isIRI(?s), ?s, ?unbound) AS ?e) }"
    )
    links: dict[tuple[str, str], int] = {}
    for predicate, target, count in rows(
        f"SELECT ?p ?o (COUNT(*) AS ?n) WHERE {{ VALUES ?p {{ {' '.join(LINK_PREDICATES)} }}"
        " ?s ?p ?o FILTER(isIRI(?o)) } GROUP BY ?p ?o"
    ):
        host = urlsplit(iri(target)).hostname or ""
        if host in AUTHORITIES:
            key = (iri(predicate), AUTHORITIES[host][0])
            links[key] = links.get(key, 0) + number(count)
    derived: dict[str, list[str]] = {}
    for graph, document in rows(
        f"SELECT ?g ?d WHERE {{ ?g <{PROV.wasDerivedFrom}> ?d . GRAPH ?g {{}} }} ORDER BY ?g ?d"
    ):
        derived.setdefault(iri(graph), []).append(iri(document))
    return Statistics(
        triples=number(triples),
        entities=number(entities),
        subjects=number(subjects),
        objects=number(objects),
        classes={
            iri(c): number(n)
            for c, n in rows("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c")
        },
        properties={
            iri(p): number(n) for p, n in rows("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p")
        },
        graphs={
            iri(g): number(n)
            for g, n in rows("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
        },
        derived_from=derived,
        links=dict(sorted(links.items())),
        documents=[iri(d) for [d] in rows(f"SELECT DISTINCT ?d WHERE {{ ?d a <{FOAF.Document}> }} ORDER BY ?d")],
    )


def descriptions(
    settings: Settings, version: str, published: datetime, stats: Statistics, files: dict[str, Written]
) -> dict[str, Graph]:
    return {
        layout.VOID: void(settings, version, stats, files),
        layout.DCAT: dcat(settings, version, published, stats, files),
    }


def iris(settings: Settings, version: str) -> dict[str, URIRef]:
    return {
        "dataset": ns.dataset(settings.iri_base),
        "catalog": ns.catalog(settings.iri_base),
        "release": ns.release(settings.base_url, version),
        "endpoint": ns.endpoint(settings.base_url),
        "service": ns.service(settings.base_url),
    }


def void(settings: Settings, version: str, stats: Statistics, files: dict[str, Written]) -> Graph:
    graph = _graph()
    ids = iris(settings, version)
    dataset = ids["dataset"]
    base = settings.iri_base
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("nolsi: Norwegian life-science research infrastructures", lang="en")))
    graph.add((dataset, DCTERMS.license, LICENCE))
    graph.add((dataset, VOID.sparqlEndpoint, ids["endpoint"]))
    graph.add((dataset, VOID.uriSpace, Literal(str(ID))))
    graph.add((dataset, VOID.feature, FORMATS["N-Quads"]))
    graph.add((dataset, VOID.feature, FORMATS.Turtle))
    graph.add((dataset, VOID.rootResource, ID["ri/elixir-norway"]))
    graph.add((dataset, VOID.exampleResource, ID["service/tsd"]))
    for vocabulary in (
        ORG,
        SCHEMA,
        DCAT,
        PROV,
        SKOS,
        ns.PREFIXES["eli"],
        DCTERMS,
        FOAF,
        ns.PREFIXES["frapo"],
        NOLSI,
    ):
        graph.add((dataset, VOID.vocabulary, URIRef(str(vocabulary))))
    for name in files:
        graph.add((dataset, VOID.dataDump, URIRef(f"{ids['release']}{name}")))
    for statistic, value in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.distinctSubjects, stats.subjects),
        (VOID.distinctObjects, stats.objects),
        (VOID.classes, len(stats.classes)),
        (VOID.properties, len(stats.properties)),
    ):
        graph.add((dataset, statistic, Literal(value)))
    graph.add((dataset, DCAT3_VERSION, Literal(version)))
    for cls, count in stats.classes.items():
        part = ns.void_part(base, "class", _slug(cls))
        graph.add((dataset, VOID.classPartition, part))
        graph.add((part, VOID["class"], URIRef(cls)))
        graph.add((part, VOID.entities, Literal(count)))
    for prop, count in stats.properties.items():
        part = ns.void_part(base, "property", _slug(prop))
        graph.add((dataset, VOID.propertyPartition, part))
        graph.add((part, VOID.property, URIRef(prop)))
        graph.add((part, VOID.triples, Literal(count)))
    for name, count in stats.graphs.items():
        subset = ns.void_part(base, "graph", name.rsplit("/", 1)[-1])
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, SD.name, URIRef(name)))
        graph.add((subset, VOID.triples, Literal(count)))
        for document in stats.derived_from.get(name, ()):
            graph.add((subset, PROV.wasDerivedFrom, URIRef(document)))
    for (predicate, authority), count in stats.links.items():
        linkset = ns.void_part(base, "linkset", f"{authority}-{_slug(predicate)}")
        target = ns.void_part(base, "authority", authority)
        title = next(title for key, title in AUTHORITIES.values() if key == authority)
        graph.add((dataset, VOID.subset, linkset))
        graph.add((linkset, RDF.type, VOID.Linkset))
        graph.add((linkset, VOID.subjectsTarget, dataset))
        graph.add((linkset, VOID.objectsTarget, target))
        graph.add((linkset, VOID.linkPredicate, URIRef(predicate)))
        graph.add((linkset, VOID.triples, Literal(count)))
        graph.add((target, RDF.type, VOID.Dataset))
        graph.add((target, RDFS.label, Literal(title, lang="en")))
    return graph


def dcat(settings: Settings, version: str, published: datetime, stats: Statistics, files: dict[str, Written]) -> Graph:
    graph = _graph()
    ids = iris(settings, version)
    catalog, dataset, service = ids["catalog"], ids["dataset"], ids["service"]
    title = Literal("nolsi: Norwegian life-science research infrastructures", lang="en")
    description = Literal(
        "An open knowledge graph of the Norwegian life-science research infrastructure landscape: research "
        "infrastructures and their nodes, host and funding organisations, agreements, grants and projects, "
        "laws and policies on research data, services and tools, data-classification levels and support "
        "services. Every fact is kept in a named graph per source document.",
        lang="en",
    )
    publisher = ns.project(settings.iri_base)
    policy = ns.persistence(settings.iri_base)
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("nolsi catalogue", lang="en")))
    graph.add((catalog, DCTERMS.description, Literal("The datasets and services of nolsi.", lang="en")))
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, DCTERMS.license, LICENCE))
    graph.add((catalog, DCAT.dataset, dataset))
    graph.add((catalog, DCAT.service, service))
    graph.add((catalog, PERSISTENCE_POLICY, policy))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal("The nolsi project", lang="en")))

    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, title))
    graph.add((dataset, DCTERMS.description, description))
    graph.add((dataset, DCTERMS.identifier, Literal(str(dataset))))
    graph.add((dataset, DCTERMS.publisher, publisher))
    graph.add((dataset, DCTERMS.creator, publisher))
    graph.add((dataset, DCTERMS.license, LICENCE))
    graph.add((dataset, PERSISTENCE_POLICY, policy))
    graph.add((dataset, DCTERMS.accessRights, EU_ACCESS_RIGHT.PUBLIC))
    graph.add((dataset, DCTERMS.modified, Literal(published.isoformat(), datatype=XSD.dateTime)))
    graph.add((dataset, DCTERMS.spatial, EU_COUNTRY.NOR))
    graph.add((dataset, DCTERMS.language, EU_LANGUAGE.ENG))
    graph.add((dataset, DCTERMS.language, EU_LANGUAGE.NOB))
    graph.add((dataset, DCTERMS.conformsTo, ns.ONTOLOGY))
    graph.add((dataset, DCAT.theme, EU_DATA_THEME.TECH))
    graph.add((dataset, DCAT.theme, EU_DATA_THEME.HEAL))
    for keyword in ("research infrastructure", "life science", "research data management", "Norway", "ELIXIR"):
        graph.add((dataset, DCAT.keyword, Literal(keyword, lang="en")))
    graph.add((dataset, DCAT3_VERSION, Literal(version)))
    graph.add((dataset, DCAT.landingPage, URIRef(settings.base_url)))
    for document in stats.documents:
        graph.add((dataset, PROV.wasDerivedFrom, URIRef(document)))
    for name, body in files.items():
        distribution = URIRef(f"{ids['release']}{name}")
        suffix = name.removesuffix(".gz").rsplit(".", 1)[-1]
        graph.add((dataset, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(f"nolsi {version} as {MEDIA_TYPES[suffix]}", lang="en")))
        graph.add((distribution, DCAT.downloadURL, distribution))
        graph.add((distribution, DCAT.accessURL, ids["release"]))
        graph.add((distribution, DCAT.mediaType, IANA_MEDIA_TYPES[MEDIA_TYPES[suffix]]))
        if name.endswith(".gz"):
            graph.add((distribution, DCAT.compressFormat, IANA_MEDIA_TYPES["application/gzip"]))
        graph.add((distribution, DCAT.byteSize, Literal(body.size, datatype=XSD.nonNegativeInteger)))
        graph.add((distribution, DCTERMS.license, LICENCE))
        checksum = BNode()
        graph.add((distribution, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(body.sha256, datatype=XSD.hexBinary)))
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCTERMS.title, Literal("nolsi SPARQL endpoint", lang="en")))
    graph.add((service, DCAT.endpointURL, ids["endpoint"]))
    graph.add((service, DCAT.endpointDescription, ids["endpoint"]))
    graph.add((service, DCTERMS.conformsTo, ns.SPARQL_PROTOCOL))
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((service, DCTERMS.license, LICENCE))
    return graph


def _graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in (
        ("void", VOID),
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("prov", PROV),
        ("rdfs", RDFS),
        ("xsd", XSD),
        ("spdx", SPDX),
        ("sd", SD),
        ("nolsi", NOLSI),
        ("schema", SCHEMA),
    ):
        graph.bind(prefix, namespace)
    return graph


def _slug(iri: str) -> str:
    """A short, stable name for an IRI: its local name plus a hash, so two namespaces never collide."""
    local = iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1] or "resource"
    return f"{''.join(c if c.isalnum() else '-' for c in local)}-{hashlib.sha256(iri.encode()).hexdigest()[:8]}"
