"""The IRIs the code needs, in one place, so that no module spells an IRI by hand."""

from rdflib import Namespace

BASE = "https://w3id.org/nolsi/"

NOLSI = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
VOCAB = Namespace(BASE + "vocab/")
SHAPES = Namespace(BASE + "shapes#")

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
