"""The IRIs the code needs, in one place, so that no module spells an IRI by hand."""

from rdflib import Namespace

BASE = "https://w3id.org/nolsi/"

NOLSI = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
VOCAB = Namespace(BASE + "vocab/")
SHAPES = Namespace(BASE + "shapes#")

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# The prefixes written into Turtle, TriG and RDF/XML: the dumps, the pages, the synthetic bench data.
PREFIXES = {
    "nolsi": "https://w3id.org/nolsi/ontology#",
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
    "schema": "https://schema.org/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "frapo": "http://purl.org/cerif/frapo/",
    "fabio": "http://purl.org/spar/fabio/",
    "time": "http://www.w3.org/2006/time#",
}
