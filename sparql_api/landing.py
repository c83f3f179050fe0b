"""`/`: the dataset's landing page, for people and for harvesters; `/about`: persistence and citation.

One URL, three readers (vocabularies-and-fair.md B.2, B.7, B.11):

* a person, or FAIR-Checker, which sends no Accept header: HTML with the schema.org `Dataset` in an
  embedded JSON-LD block, describing the dataset and nothing else, so that F-UJI's "main entity"
  (the node with most properties and fewest incoming links) is the dataset;
* an RDF client (F-UJI, FAIR Champion, a DCAT harvester): the release's DCAT description,
  `dcat.ttl`, as Turtle or converted to JSON-LD, RDF/XML or N-Triples;
* everyone: FAIR Signposting `Link` headers (cite-as, describedby, license, type, item).

The release's `void.ttl` gives the sizes and `dcat.ttl` the distributions; the store gives the
source documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, redirect, request
from rdflib import URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, VOID

from loader import layout
from loader import namespaces as ns
from loader.namespaces import BIOSCHEMAS_DATASET, IANA_MEDIA_TYPES, LICENCE, SCHEMA, SD, SPDX
from sparql_api import formats, linked

bp = Blueprint("landing", __name__)

IANA = str(IANA_MEDIA_TYPES)
SYNTAX_NAMES = {f.media_type: f.label for f in formats.GRAPHS}
GZIP = "application/gzip"
PROJECT = "The nolsi project"
SOURCES = linked.page_query("landing-sources")
PICTURE = "landscape/index.svg"  # the release's overview picture (loader/landscape.py)


@dataclass(frozen=True)
class Download:
    name: str
    url: str
    media_type: str  # of the content, as DCAT states it
    compressed: bool
    size: int
    sha256: str

    @property
    def syntax(self) -> str:
        return SYNTAX_NAMES.get(self.media_type, self.media_type)

    @property
    def served_as(self) -> str:
        return GZIP if self.compressed else self.media_type


@dataclass(frozen=True)
class Description:
    """What the release's DCAT and VoID files say about the dataset."""

    dataset: str
    title: str
    description: str
    modified: str
    keywords: tuple[str, ...]
    publisher: str
    downloads: tuple[Download, ...]
    triples: int
    entities: int
    graphs: int
    classes: int
    properties: int
    links: tuple[tuple[str, int], ...]  # (authority, outgoing links)


def describe() -> Description:
    dcat, void = linked.metadata_file(layout.DCAT), linked.metadata_file(layout.VOID)
    return _description(str(dcat), dcat.stat().st_mtime, str(void), void.stat().st_mtime)


@lru_cache(maxsize=8)
def _description(dcat_path: str, _dcat_mtime: float, void_path: str, _void_mtime: float) -> Description:
    dcat, void = linked.graph_of(Path(dcat_path)), linked.graph_of(Path(void_path))
    dataset = next(dcat.subjects(RDF.type, DCAT.Dataset))
    downloads = []
    for distribution in linked.ordered(dcat.objects(dataset, DCAT.distribution)):
        media = str(dcat.value(distribution, DCAT.mediaType)).removeprefix(IANA)
        checksum = dcat.value(distribution, SPDX.checksum)
        url = str(dcat.value(distribution, DCAT.downloadURL))
        downloads.append(
            Download(
                name=url.rsplit("/", 1)[-1],
                url=url,
                media_type=media,
                compressed=(distribution, DCAT.compressFormat, URIRef(IANA + GZIP)) in dcat,
                size=linked.integer(dcat.value(distribution, DCAT.byteSize)),
                sha256=str(dcat.value(checksum, SPDX.checksumValue)) if checksum else "",
            )
        )

    def count(predicate) -> int:  # the VoID dataset has the DCAT dataset's IRI
        return linked.integer(void.value(dataset, predicate), 0)

    links: dict[str, int] = {}
    for linkset in void.subjects(RDF.type, VOID.Linkset):
        target = void.value(linkset, VOID.objectsTarget)
        label = str(void.value(target, RDFS.label) or target)
        links[label] = links.get(label, 0) + linked.integer(void.value(linkset, VOID.triples), 0)
    publisher = dcat.value(dataset, DCTERMS.publisher)
    return Description(
        dataset=str(dataset),
        title=str(dcat.value(dataset, DCTERMS.title)),
        description=str(dcat.value(dataset, DCTERMS.description)),
        modified=str(dcat.value(dataset, DCTERMS.modified) or ""),
        keywords=tuple(sorted(str(k) for k in dcat.objects(dataset, DCAT.keyword))),
        publisher=str(dcat.value(publisher, FOAF.name) or PROJECT) if publisher else PROJECT,
        downloads=tuple(downloads),
        triples=count(VOID.triples),
        entities=count(VOID.entities),
        graphs=sum(1 for subset in void.objects(dataset, VOID.subset) if (subset, SD.name, None) in void),
        classes=count(VOID.classes),
        properties=count(VOID.properties),
        links=tuple(sorted(links.items(), key=lambda item: (-item[1], item[0]))),
    )


def jsonld(about: Description) -> dict:
    """The schema.org `Dataset`, and only the dataset (B.7): what Google Dataset Search, F-UJI
    and FAIR-Checker read from the page. IRI-valued properties are typed `@id` in the context so
    that an RDF reading of the block gets IRIs, not strings."""
    settings = current_app.config["NOLSI"]
    base = settings.base_url
    version = linked.served().version
    project = {"@type": "Organization", "name": about.publisher, "url": base}
    iri = {"@type": "@id"}
    return {
        "@context": {
            "@vocab": str(SCHEMA),
            "dct": str(DCTERMS),
            **{name: iri for name in ("url", "license", "contentUrl", "publishingPrinciples", "dct:conformsTo")},
        },
        "@type": "Dataset",
        "@id": about.dataset,
        "name": about.title,
        "description": about.description,
        "url": base,
        "identifier": about.dataset,
        "license": LICENCE,
        "version": version,
        "dateModified": about.modified,
        "creator": project,
        "publisher": project,
        "isAccessibleForFree": True,
        "keywords": list(about.keywords),
        "inLanguage": ["en", "nb"],
        "spatialCoverage": {"@type": "Place", "name": "Norway"},
        "publishingPrinciples": ns.persistence(settings.iri_base),
        "dct:conformsTo": BIOSCHEMAS_DATASET,
        "includedInDataCatalog": {"@type": "DataCatalog", "name": "nolsi catalogue", "url": base},
        "distribution": [
            {
                "@type": "DataDownload",
                "name": f"{about.title}, version {version}, {d.syntax}" + (" (gzip)" if d.compressed else ""),
                "contentUrl": d.url,
                "encodingFormat": [d.media_type, GZIP] if d.compressed else d.media_type,
                "contentSize": str(d.size),
                "sha256": d.sha256,
            }
            for d in about.downloads
        ],
    }


def links(about: Description) -> str:
    host = request.host_url
    entries = [
        (ns.dataset(current_app.config["NOLSI"].iri_base), "cite-as", None),
        (f"{host}index.ttl", "describedby", "text/turtle"),
        (f"{host}index.jsonld", "describedby", "application/ld+json"),
        (LICENCE, "license", None),
        (SCHEMA.Dataset, "type", None),
        (SCHEMA.AboutPage, "type", None),
    ]
    version = linked.served().version
    entries += [(f"{host}releases/{version}/{d.name}", "item", d.served_as) for d in about.downloads]
    return linked.signposting(entries)


@bp.get("/", defaults={"suffix": None})
@bp.get("/index.<any(html, ttl, jsonld, rdf, nt):suffix>")
def index(suffix: str | None):
    chosen = linked.choose(linked.TRIPLE_FORMATS, suffix)
    if chosen is None:
        return linked.not_acceptable(linked.TRIPLE_FORMATS)
    about = describe()
    signposts = links(about)
    tag = linked.etag("landing", chosen.name)
    if (early := linked.not_modified(tag, signposts)) is not None:
        return early
    if chosen is linked.HTML:
        response = linked.render(
            "landing.html",
            about=about,
            served=linked.served(),
            jsonld=jsonld(about),
            sources=sources(),
            dataset=ns.dataset(current_app.config["NOLSI"].iri_base),
            picture=linked.picture(PICTURE),
            picture_file=PICTURE,
        )
    else:
        response = linked.rdf_response(linked.convert(linked.metadata_file(layout.DCAT), chosen), chosen)
    return linked.finish(response, tag, signposts)


@dataclass(frozen=True)
class SourceDocument:
    iri: str
    title: str
    url: str
    publisher: str
    graphs: int  # the named graphs derived from it


def sources() -> list[SourceDocument]:
    """The source documents the named graphs were derived from, with title, URL and publisher."""
    return [
        SourceDocument(
            row["doc"].value,
            row["title"].value if "title" in row else row["doc"].value.rsplit("/", 1)[-1],
            row["url"].value if "url" in row else "",
            row["publisher"].value if "publisher" in row else "",
            int(row["graphs"].value),
        )
        for row in linked.select(SOURCES)
    ]


@bp.get("/dataset")
@bp.get("/catalog")
def dataset():
    """The IRIs of the `dcat:Dataset` and `dcat:Catalog`: things, not documents, so 303 to `/`."""
    response = redirect("/", code=303)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/about")
def about():
    tag = linked.etag("about")
    if (early := linked.not_modified(tag)) is not None:
        return early
    served = linked.served()
    response = linked.render(
        "about.html",
        served=served,
        about=describe(),
        citation=citation(),
        dataset=ns.dataset(current_app.config["NOLSI"].iri_base),
    )
    return linked.finish(response, tag)


def citation() -> str:
    """How to cite the served version, as a Citation File Format (CFF 1.2.0) document."""
    settings = current_app.config["NOLSI"]
    served = linked.served()
    info = describe()
    keywords = "".join(f"\n  - {k}" for k in info.keywords)
    return (
        "cff-version: 1.2.0\n"
        "message: If you use this dataset, please cite it as below.\n"
        "type: dataset\n"
        f'title: "{info.title}"\n'
        "authors:\n"
        f'  - name: "{info.publisher}"\n'
        f'version: "{served.version}"\n'
        f'date-released: "{served.version[:10]}"\n'
        f'url: "{settings.base_url}"\n'
        "identifiers:\n"
        "  - type: url\n"
        f'    value: "{ns.dataset(settings.iri_base)}"\n'
        "    description: The dataset, every version.\n"
        "  - type: url\n"
        f'    value: "{ns.release(settings.base_url, served.version)}"\n'
        "    description: This version, with its files and checksums.\n"
        "license: CC-BY-4.0\n"
        f"keywords:{keywords}\n"
    )
