"""The IRIs the code needs, in one place, so that no module spells an IRI by hand.

Three kinds:

* the data's own IRIs, under `BASE`: entities (`ID`), named graphs, vocabularies, the ontology and
  the shapes; data/, ontology/ and shapes/ are written with them, so they are constants here;
* the IRIs a build mints for the dataset and its documents (the dataset, its catalogue, its VoID
  partitions, an entity's document), under `Settings.iri_base` (by default `BASE`): the functions
  below that take an `iri_base`;
* the URLs of one deployment (the SPARQL endpoint, the release downloads, the landing page), under
  `Settings.base_url`: the functions that take a `base_url`.

Vocabularies rdflib has (`rdflib.namespace`: RDF, RDFS, OWL, XSD, SKOS, DCTERMS, DCAT, FOAF, PROV,
ORG, VOID, SH) are used from rdflib; the others are here.
"""

from rdflib import Namespace, URIRef

BASE = "https://w3id.org/nolsi/"

NOLSI = Namespace(BASE + "ontology#")
ONTOLOGY = URIRef(BASE + "ontology")  # the ontology itself; its terms are NOLSI's hash IRIs
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
VOCAB = Namespace(BASE + "vocab/")
SHAPES = Namespace(BASE + "shapes#")

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# Vocabularies rdflib does not have (or has only in an older version).
SCHEMA = Namespace("https://schema.org/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")  # W3C's IRIs of RDF and result syntaxes
VANN = Namespace("http://purl.org/vocab/vann/")
DCAT3_VERSION = URIRef("http://www.w3.org/ns/dcat#version")  # DCAT 3; rdflib's DCAT namespace is DCAT 2
PERSISTENCE_POLICY = URIRef("http://www.w3.org/2000/10/swap/pim/doc#persistencePolicy")
IANA_MEDIA_TYPES = Namespace("https://www.iana.org/assignments/media-types/")
# The EU Publications Office's authority tables, which DCAT-AP asks for.
EU_ACCESS_RIGHT = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_DATA_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")

LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")  # of the data and every description
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
BIOSCHEMAS_DATASET = URIRef("https://bioschemas.org/profiles/Dataset/1.0-RELEASE")

# The prefixes written into Turtle, TriG and RDF/XML: the dumps, the pages, the synthetic bench data.
PREFIXES = {
    "nolsi": str(NOLSI),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "pav": "http://purl.org/pav/",
    "schema": str(SCHEMA),
    "eli": "http://data.europa.eu/eli/ontology#",
    "frapo": "http://purl.org/cerif/frapo/",
    "fabio": "http://purl.org/spar/fabio/",
    "time": "http://www.w3.org/2006/time#",
}


# --- minted under Settings.iri_base -------------------------------------------------------------


def dataset(iri_base: str) -> URIRef:
    """The dataset, every version of it: what to cite."""
    return URIRef(f"{iri_base}dataset")


def catalog(iri_base: str) -> URIRef:
    return URIRef(f"{iri_base}catalog")


def project(iri_base: str) -> URIRef:
    """The nolsi project, publisher and creator of the dataset."""
    return URIRef(f"{iri_base}about#project")


def persistence(iri_base: str) -> URIRef:
    """The persistence policy: what stays and how long."""
    return URIRef(f"{iri_base}about#persistence")


def void_part(iri_base: str, kind: str, name: str) -> URIRef:
    """A VoID partition, subset, linkset or target (`kind`) of the dataset."""
    return URIRef(f"{iri_base}void/{kind}/{name}")


def document(iri_base: str, key: str) -> URIRef:
    """The document that describes entity `ID[key]`."""
    return URIRef(f"{iri_base}doc/{key}")


# --- one deployment, under Settings.base_url ----------------------------------------------------


def endpoint(base_url: str) -> URIRef:
    return URIRef(f"{base_url}sparql")


def service(base_url: str) -> URIRef:
    """The SPARQL service, as the Service Description and DCAT name it."""
    return URIRef(f"{base_url}sparql#service")


def release(base_url: str, version: str) -> URIRef:
    """The folder of a published release; its files are the folder's IRI plus their names."""
    return URIRef(f"{base_url}releases/{version}/")
