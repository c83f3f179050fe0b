"""Tests of the real curated graph (issue 3, item 5).

Two kinds of test run against the graph that `nolsi build` makes from `data/` (the session fixture
`curated_store`):

(a) quality-control queries, one per file in `tests/qc/*.rq`: SPARQL SELECTs over the whole store
    where every returned row is a failure, which the test prints;
(b) table-driven tests that pin the key facts of each source document. Every row is an ASK or a
    SELECT with its exact expected rows, run over the named graph of *that* source only (the graph
    `https://w3id.org/nolsi/graph/<stem>` of `data/<stem>.ttl`), so a fact that moves to the file of
    another source fails. Expected values are written from the source documents in
    `shared/sources/` (and FACTS.md), not from query output.

The store's default graph is the merge of all named graphs; `<graph> prov:wasDerivedFrom <doc>`
links each data graph to its source document, described in graph `.../graph/sources`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import pytest

from tests.conftest import ROOT

QC_DIR = Path(__file__).resolve().parent / "qc"
SOURCES_DIR = ROOT.parent / "shared" / "sources"

NOLSI = "https://w3id.org/nolsi/"
GRAPH = NOLSI + "graph/"

# Our namespaces (docs/modelling.md), used both in queries and to print result terms compactly.
ENTITY_PREFIXES = {
    "ri": NOLSI + "id/ri/",
    "node": NOLSI + "id/node/",
    "inst": NOLSI + "id/org/",
    "person": NOLSI + "id/person/",
    "mship": NOLSI + "id/membership/",
    "agr": NOLSI + "id/agreement/",
    "grant": NOLSI + "id/grant/",
    "project": NOLSI + "id/project/",
    "event": NOLSI + "id/event/",
    "law": NOLSI + "id/law/",
    "svc": NOLSI + "id/service/",
    "tool": NOLSI + "id/tool/",
    "community": NOLSI + "id/community/",
    "policy": NOLSI + "id/policy/",
    "dmpt": NOLSI + "id/dmp-template/",
    "doc": NOLSI + "id/document/",
    "cls": NOLSI + "vocab/data-classification/",
    "domain": NOLSI + "vocab/domain/",
    "role": NOLSI + "vocab/role/",
    "stype": NOLSI + "vocab/service-type/",
    "g": GRAPH,
}
PREFIXES = {
    **ENTITY_PREFIXES,
    "nolsi": NOLSI + "ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "frapo": "http://purl.org/cerif/frapo/",
    "fabio": "http://purl.org/spar/fabio/",
    "pav": "http://purl.org/pav/",
    "time": "http://www.w3.org/2006/time#",
    "dcat": "http://www.w3.org/ns/dcat#",
}


def term(value) -> str | None:
    """A result term as text: our IRIs as CURIEs (ri:napi), other IRIs in full, literals by value."""
    if value is None:
        return None
    if isinstance(value, pyoxigraph.NamedNode):
        iri = value.value
        for prefix, namespace in sorted(ENTITY_PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(namespace) and iri != namespace:
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri
    return value.value


def solutions(result) -> list[tuple]:
    variables = list(result.variables)
    return [tuple(term(solution[v]) for v in variables) for solution in result]


def show(rows: list[tuple]) -> str:
    return "\n".join("  " + " | ".join(str(cell) for cell in row) for row in rows)


# (a) Quality-control queries

QC_FILES = sorted(QC_DIR.glob("*.rq"))


def test_qc_queries_exist():
    names = {path.stem for path in QC_FILES}
    assert {
        "entity-without-english-label",
        "entity-without-source",
        "iri-outside-pattern",
        "link-to-undefined-entity",
        "label-without-language",
        "http-schema-org",
        "owl-sameas",
        "graph-without-source-document",
        "unused-source-document",
        "document-without-url",
        "two-english-preflabels",
        "shared-label-without-distinction",
        "role-without-date",
        "lovdata-iri-not-canonical",
        "seed-fact-only-in-description",
    } <= names


@pytest.mark.parametrize("path", QC_FILES, ids=[path.stem for path in QC_FILES])
def test_quality_control(graph, path: Path):
    rows = solutions(graph.query(path.read_text()))
    assert not rows, f"{path.name}: {len(rows)} failing row(s):\n{show(rows)}"


# Each quality-control query must find the fault it is written for: a small dataset with that fault
# (TriG, graphs under g:) must make it return at least one row, so that a query that silently
# matches nothing cannot pass.
_TRIG_PREFIXES = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
_SOURCED = """
g:sources { doc:d a foaf:Document ; skos:prefLabel "D"@en ; schema:url <https://example.org/d> .
            g:sources prov:wasDerivedFrom doc:d . }
g:d { g:d prov:wasDerivedFrom doc:d . }
"""
QC_FAULTS = {
    "entity-without-english-label": (
        'g:d { g:d prov:wasDerivedFrom doc:d . ri:x a nolsi:ResearchInfrastructure ; skos:prefLabel "X"@nb . }'
    ),
    "entity-without-source": 'g:nosource { ri:x a nolsi:ResearchInfrastructure ; skos:prefLabel "X"@en . }',
    "iri-outside-pattern": (
        "g:d { <http://w3id.org/nolsi/id/ri/x> a schema:Thing . <https://w3id.org/nolsi/id/orgs/y> a schema:Thing . }"
    ),
    "link-to-undefined-entity": "g:d { ri:x a nolsi:ResearchInfrastructure ; nolsi:nationalNodeOf ri:undefined . }",
    "entity-without-type": 'g:d { ri:x skos:prefLabel "X"@en . }',
    "label-without-language": (
        'g:d { ri:x a nolsi:ResearchInfrastructure ; skos:prefLabel "X" ; dct:title "A title" . }'
    ),
    "http-schema-org": "g:d { ri:x a <http://schema.org/Organization> . }",
    "owl-sameas": "g:d { inst:x <http://www.w3.org/2002/07/owl#sameAs> <https://ror.org/000000000> . }",
    "graph-without-source-document": "g:orphan { ri:x a nolsi:ResearchInfrastructure . }",
    "unused-source-document": "g:sources { doc:unused a foaf:Document . }",
    "document-without-url": 'g:d { doc:nourl a foaf:Document ; skos:prefLabel "No URL"@en . }',
    "two-english-preflabels": 'g:d { ri:x skos:prefLabel "One"@en . } g:e { ri:x skos:prefLabel "Two"@en . }',
    "shared-label-without-distinction": 'g:d { svc:nrec skos:altLabel "NREC"@en . inst:gru skos:altLabel "NREC"@en . }',
    "role-without-date": 'g:sources { doc:d dct:issued "2020-10-29"^^xsd:date . } '
    "g:d { mship:x a org:Membership ; org:member person:p ; org:organization ri:x . }",
    "lovdata-iri-not-canonical": "g:d { law:x schema:url <http://www.lovdata.no/all/nl-19990702-064.html> . "
    "law:y schema:url <https://www.lovdata.no/dokument/NL/lov/1999-07-02-64> . }",
    "seed-fact-only-in-description": "g:seed-x { g:seed-x prov:wasDerivedFrom doc:d . "
    'project:x dct:description "Funded by the Research Council of Norway."@en . }',
}


@pytest.mark.parametrize("path", QC_FILES, ids=[path.stem for path in QC_FILES])
def test_quality_control_finds_its_fault(path: Path):
    assert path.stem in QC_FAULTS, f"add an example fault for {path.name} to QC_FAULTS"
    store = pyoxigraph.Store()
    store.load(_TRIG_PREFIXES + _SOURCED + QC_FAULTS[path.stem], format=pyoxigraph.RdfFormat.TRIG)
    # As `nolsi build` does: the default graph is the merge of the named graphs.
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    rows = solutions(store.query(path.read_text()))
    assert rows, f"{path.name} does not detect its example fault"


def test_quality_control_accepts_a_file_name_title():
    """The one sanctioned plain label (shapes/common.ttl): a language-neutral dct:title such as a file name."""
    store = pyoxigraph.Store()
    store.load(_TRIG_PREFIXES + 'g:sources { doc:f dct:title "people.json" . }', format=pyoxigraph.RdfFormat.TRIG)
    assert not solutions(store.query((QC_DIR / "label-without-language.rq").read_text()))


def test_registry_labels(graph):
    """Entities of the registry in docs/modelling.md carry exactly the registry's English label."""
    text = (ROOT / "docs" / "modelling.md").read_text()
    registry = text.split("## Registry of shared entities", 1)[1]
    rows = re.findall(r"^\| `([a-z]+):([^`]+)` \| (.+?) \|$", registry, flags=re.M)
    assert len(rows) > 50
    wrong = []
    for prefix, slug, label in rows:
        iri = ENTITY_PREFIXES[prefix] + slug
        found = {
            s[0]
            for s in solutions(
                graph.query(
                    f'SELECT ?l WHERE {{ <{iri}> skos:prefLabel ?l FILTER(LANGMATCHES(LANG(?l), "en")) }}',
                    prefixes=PREFIXES,
                )
            )
        }
        if found and found != {label}:
            wrong.append((f"{prefix}:{slug}", label, sorted(found)))
    assert not wrong, "registry label differs:\n" + show(wrong)


# (b) Key facts of each source document, each over the named graph of its source


@dataclass(frozen=True)
class Fact:
    """An ASK (expected True or False) or a SELECT with its exact set of expected rows, run over
    the named graph `graph` (a data file stem), or over the merged graph when `graph` is None."""

    name: str
    graph: str | None
    query: str
    expected: bool | frozenset

    @property
    def id(self) -> str:
        return f"{self.graph or 'merged'}:{self.name}"


def ask(name: str, graph: str | None, query: str, expected: bool = True) -> Fact:
    return Fact(name, graph, f"ASK {{ {query} }}", expected)


def select(name: str, graph: str | None, query: str, *rows) -> Fact:
    return Fact(name, graph, query, frozenset(row if isinstance(row, tuple) else (row,) for row in rows))


def check(graph: pyoxigraph.Store, fact: Fact) -> None:
    options = {"prefixes": PREFIXES}
    if fact.graph is not None:
        name = pyoxigraph.NamedNode(GRAPH + fact.graph)
        derived = graph.query(
            f"ASK {{ GRAPH <{name.value}> {{ <{name.value}> prov:wasDerivedFrom doc:{fact.graph} }} }}",
            prefixes=PREFIXES,
        )
        assert bool(derived), f"graph g:{fact.graph} is missing or not derived from doc:{fact.graph}"
        options["default_graph"] = name
    result = graph.query(fact.query, **options)
    if isinstance(fact.expected, bool):
        assert bool(result) is fact.expected, f"{fact.id}: expected {fact.expected}\n{fact.query}"
    else:
        got = set(solutions(result))
        assert got == set(fact.expected), (
            f"{fact.id}\nmissing:\n{show(sorted(set(fact.expected) - got, key=str))}"
            f"\nunexpected:\n{show(sorted(got - set(fact.expected), key=str))}"
        )


def ids(facts: list[Fact]) -> list[str]:
    return [fact.id for fact in facts]


# The Joint Strategic Statement, signed 13 Nov 2023 (EN-JSS; the UiB announcements agree).
JSS = "elixir-no-news-norwegian-life-science-data-agreement"
SIGNATORIES = (
    "ri:elixir-norway",
    "ri:napi",
    "ri:nor-openscreen",
    "ri:nalmin",
    "ri:normolim",
    "ri:nnp",
    "ri:norseq",
    "ri:gbif-norway",
    "ri:dissco-norway",
)
JSS_FACTS = [
    select(
        "nine signatories",
        JSS,
        "SELECT ?ri WHERE { agr:joint-strategic-statement-2023 nolsi:signatory ?ri }",
        *SIGNATORIES,
    ),
    select(
        "DOI and date",
        JSS,
        "SELECT ?doi ?date WHERE { agr:joint-strategic-statement-2023 dct:identifier ?doi ; dct:issued ?date }",
        ("10.5281/zenodo.10090789", "2023-11-13"),
    ),
    ask("date is an xsd:date", JSS, 'agr:joint-strategic-statement-2023 dct:issued "2023-11-13"^^xsd:date'),
    ask("DOI link", JSS, "agr:joint-strategic-statement-2023 schema:sameAs <https://doi.org/10.5281/zenodo.10090789>"),
    ask("typed as agreement", JSS, "agr:joint-strategic-statement-2023 a nolsi:Agreement , fabio:PolicyDocument"),
    ask("coordinated by ELIXIR Norway", JSS, "agr:joint-strategic-statement-2023 nolsi:coordinatedBy ri:elixir-norway"),
    ask("builds on BioMedData", JSS, "agr:joint-strategic-statement-2023 prov:wasInfluencedBy project:biomeddata"),
    select(
        "UiB news lists the same nine",
        "web-uib-jss-announcement-en",
        "SELECT ?ri WHERE { agr:joint-strategic-statement-2023 nolsi:signatory ?ri }",
        *SIGNATORIES,
    ),
    select(
        "Norwegian UiB news lists the same nine",
        "web-uib-jss-announcement-nb",
        "SELECT ?ri WHERE { agr:joint-strategic-statement-2023 nolsi:signatory ?ri }",
        *SIGNATORIES,
    ),
    select(
        "BioMedData partners that did not sign",
        None,
        "SELECT ?ri WHERE { GRAPH g:elixir-no-news-biomeddata-kicked-off-today { project:biomeddata "
        "schema:member ?ri } "
        "FILTER NOT EXISTS { GRAPH g:elixir-no-news-norwegian-life-science-data-agreement "
        "{ agr:joint-strategic-statement-2023 nolsi:signatory ?ri } } }",
        "ri:bbmri-no",
        "ri:norcryst",
        "ri:moba",
        "ri:nimg",
        "ri:nibigen",
    ),
]


@pytest.mark.parametrize("fact", JSS_FACTS, ids=ids(JSS_FACTS))
def test_joint_strategic_statement(graph, fact):
    check(graph, fact)


# The five ELIXIR Norway nodes and their hosts, each from its elixir.no node page (EN-NODE-x).
NODE_HOSTS = "SELECT ?host WHERE { %s org:unitOf ri:elixir-norway ; nolsi:hostInstitution ?host }"
NODE_FACTS = [
    select(
        "Bergen node at UiB, CBU",
        "elixir-no-about-bergen",
        NODE_HOSTS % "node:elixir-norway-uib",
        "inst:uib",
        "inst:uib-cbu",
    ),
    select(
        "Oslo node at UiO, Department of Biosciences",
        "elixir-no-about-oslo",
        NODE_HOSTS % "node:elixir-norway-uio",
        "inst:uio",
        "inst:uio-department-of-biosciences",
    ),
    select(
        "Tromsø node at UiT, BCB",
        "elixir-no-about-tromso",
        NODE_HOSTS % "node:elixir-norway-uit",
        "inst:uit",
        "inst:uit-bcb",
    ),
    select("Trondheim node at NTNU", "elixir-no-about-trondheim", NODE_HOSTS % "node:elixir-norway-ntnu", "inst:ntnu"),
    ask(
        "Trondheim node co-located with BioCore",
        "elixir-no-about-trondheim",
        "node:elixir-norway-ntnu org:linkedTo inst:ntnu-biocore . inst:ntnu-biocore org:unitOf inst:ntnu",
    ),
    select(
        "Ås node at NMBU, CIGENE",
        "elixir-no-about-aas",
        NODE_HOSTS % "node:elixir-norway-nmbu",
        "inst:nmbu",
        "inst:nmbu-cigene",
    ),
    ask("CBU is a unit of UiB", "elixir-no-about-bergen", "inst:uib-cbu org:unitOf inst:uib"),
    ask("BCB is a unit of UiT", "elixir-no-about-tromso", "inst:uit-bcb org:unitOf inst:uit"),
    ask(
        "Biosciences is a unit of UiO", "elixir-no-about-oslo", "inst:uio-department-of-biosciences org:unitOf inst:uio"
    ),
    ask("CIGENE is within NMBU", "elixir-no-about-aas", "inst:nmbu-cigene org:unitOf+ inst:nmbu"),
    select(
        "five nodes in 2020",
        "elixir-no-news-the-new-norwegian-covid19-data-portal-enhances-access-to-critical-knowledge",
        "SELECT ?node WHERE { ri:elixir-norway org:hasUnit ?node }",
        "node:elixir-norway-uib",
        "node:elixir-norway-uio",
        "node:elixir-norway-uit",
        "node:elixir-norway-ntnu",
        "node:elixir-norway-nmbu",
    ),
    ask(
        "ELIXIR Norway is hosted by UiB (EN-ABOUT)",
        "elixir-no-about",
        "ri:elixir-norway nolsi:hostInstitution inst:uib",
    ),
    select(
        "five partner universities (EN-ABOUT)",
        "elixir-no-about",
        "SELECT ?u WHERE { ri:elixir-norway org:hasMember ?u }",
        "inst:uib",
        "inst:uio",
        "inst:uit",
        "inst:ntnu",
        "inst:nmbu",
    ),
    ask(
        "ELIXIR Norway is the national node of ELIXIR",
        "elixir-no-about",
        "ri:elixir-norway nolsi:nationalNodeOf ri:elixir",
    ),
]


@pytest.mark.parametrize("fact", NODE_FACTS, ids=ids(NODE_FACTS))
def test_elixir_norway_nodes(graph, fact):
    check(graph, fact)


# Node leaders, by the date a source says they held the role (org:memberDuring/time:inside).
LEADERS_ON = """SELECT ?node ?person WHERE {
  ?m org:organization ?node ; org:member ?person ; org:role ?role ;
     org:memberDuring/time:inside/time:inXSDDate "%s"^^xsd:date .
  VALUES ?role { role:head-of-node role:node-leader }
  FILTER(STRSTARTS(STR(?node), "https://w3id.org/nolsi/id/node/elixir-norway-"))
}"""
HEADS_ON = """SELECT ?person ?role WHERE {
  ?m org:organization ri:elixir-norway ; org:member ?person ; org:role ?role ;
     org:memberDuring/time:inside/time:inXSDDate "%s"^^xsd:date .
  VALUES ?role { role:head-of-node role:co-head }
}"""
COVID = "elixir-no-news-the-new-norwegian-covid19-data-portal-enhances-access-to-critical-knowledge"
LEADER_FACTS = [
    select(
        "node heads on 2020-10-29",
        COVID,
        LEADERS_ON % "2020-10-29",
        ("node:elixir-norway-uib", "person:inge-jonassen"),
        ("node:elixir-norway-uit", "person:nils-peder-willassen"),
        ("node:elixir-norway-uio", "person:eivind-hovig"),
        ("node:elixir-norway-ntnu", "person:pal-saetrom"),
        ("node:elixir-norway-nmbu", "person:dag-inge-vage"),
    ),
    select(
        "head of ELIXIR Norway on 2020-10-29",
        COVID,
        HEADS_ON % "2020-10-29",
        ("person:inge-jonassen", "role:head-of-node"),
    ),
    select(
        "node leaders on 2026-04-29 (people.json)",
        "elixir-no-people",
        LEADERS_ON % "2026-04-29",
        ("node:elixir-norway-uib", "person:sushma-grellscheid"),
        ("node:elixir-norway-uio", "person:rein-aasland"),
        ("node:elixir-norway-uit", "person:erik-hjerde"),
        ("node:elixir-norway-ntnu", "person:pal-saetrom"),
        ("node:elixir-norway-nmbu", "person:simen-rod-sandve"),
    ),
    select(
        "head and co-head of ELIXIR Norway on 2026-04-29",
        "elixir-no-people",
        HEADS_ON % "2026-04-29",
        ("person:sushma-grellscheid", "role:head-of-node"),
        ("person:eivind-hovig", "role:co-head"),
    ),
    select(
        "head of node on 2023-11-13", JSS, HEADS_ON % "2023-11-13", ("person:sushma-grellscheid", "role:head-of-node")
    ),
    select("no 2020 role in the people list", "elixir-no-people", LEADERS_ON % "2020-10-29"),
]


@pytest.mark.parametrize("fact", LEADER_FACTS, ids=ids(LEADER_FACTS))
def test_node_leaders(graph, fact):
    check(graph, fact)


# BioMedData: the project card (EN-BMD), the kick-off news (EN-BMD-KO) and the COVID-19 news (EN-COVID).
KICKOFF = "elixir-no-news-biomeddata-kicked-off-today"
CARD = "elixir-no-project-bio-med-data"
BIOMEDDATA_FACTS = [
    select(
        "eleven infrastructures",
        KICKOFF,
        "SELECT ?ri WHERE { project:biomeddata schema:member ?ri }",
        "ri:elixir-norway",
        "ri:norseq",
        "ri:normolim",
        "ri:nalmin",
        "ri:bbmri-no",
        "ri:nor-openscreen",
        "ri:norcryst",
        "ri:napi",
        "ri:moba",
        "ri:nimg",
        "ri:nibigen",
    ),
    select(
        "kick-off duration 1 June 2020 - 1 March 2024",
        KICKOFF,
        "SELECT ?start ?end WHERE { project:biomeddata schema:startDate ?start ; schema:endDate ?end }",
        ("2020-06-01", "2024-03-01"),
    ),
    ask("kick-off start is an xsd:date", KICKOFF, 'project:biomeddata schema:startDate "2020-06-01"^^xsd:date'),
    select(
        "kick-off event on 17 June 2020",
        KICKOFF,
        "SELECT ?date WHERE { ?e a schema:Event ; schema:about project:biomeddata ; schema:startDate ?date }",
        "2020-06-17",
    ),
    select(
        "card period 2020-03 to 2024-03",
        CARD,
        "SELECT ?start ?end WHERE { project:biomeddata schema:startDate ?start ; schema:endDate ?end }",
        ("2020-03", "2024-03"),
    ),
    ask("card start is an xsd:gYearMonth", CARD, 'project:biomeddata schema:startDate "2020-03"^^xsd:gYearMonth'),
    select(
        "grant 295932 from RCN, with RCN's ROR",
        CARD,
        """SELECT ?number ?funder ?ror WHERE {
                project:biomeddata frapo:isFundedBy ?grant ; schema:funder ?funder .
                ?grant a frapo:Grant ; frapo:hasGrantNumber ?number ; schema:funder ?funder ;
                    frapo:funds project:biomeddata .
                ?funder a frapo:FundingAgency ; schema:sameAs ?ror }""",
        ("295932", "inst:rcn", "https://ror.org/00epmv149"),
    ),
    ask(
        "prosjektbanken page of the grant",
        CARD,
        "grant:rcn-295932 schema:url <https://prosjektbanken.forskningsradet.no/en/project/FORISS/295932>",
    ),
    ask("coordinated by ELIXIR Norway", CARD, "project:biomeddata nolsi:coordinatedBy ri:elixir-norway"),
    select(
        "grants as the COVID-19 news writes them",
        COVID,
        "SELECT ?number ?funded WHERE { ?grant frapo:hasGrantNumber ?number ; frapo:funds ?funded ; "
        "schema:funder inst:rcn }",
        ("295932/F50", "project:biomeddata"),
        ("270068", "ri:elixir-norway"),
    ),
    ask(
        "BioMedData is a collaboration and an organisation",
        CARD,
        "project:biomeddata a foaf:Project , org:OrganizationalCollaboration , schema:Organization",
    ),
    ask(
        "needs/gaps report DOI",
        "elixir-no-news-biomeddata-report-on-data-management-plan-needsgaps",
        'doc:biomeddata-dmp-needs-gaps-report dct:identifier "10.5281/zenodo.4638752" ; schema:producer '
        "project:biomeddata",
    ),
]


@pytest.mark.parametrize("fact", BIOMEDDATA_FACTS, ids=ids(BIOMEDDATA_FACTS))
def test_biomeddata(graph, fact):
    check(graph, fact)


# Which services may hold red (confidential) or black (strictly confidential) data.
RED_OR_BLACK = """SELECT ?service ?level WHERE {
  ?service nolsi:maxClassificationLevel ?level . VALUES ?level { cls:red cls:black } }"""
CLASSIFICATION_FACTS = [
    select(
        "RDMkit: Educloud Research up to red", "rdmkit-no-resources", RED_OR_BLACK, ("svc:educloud-research", "cls:red")
    ),
    select(
        "RDMkit 2025: Educloud Research up to red",
        "rdmkit-no-resources-2025",
        RED_OR_BLACK,
        ("svc:educloud-research", "cls:red"),
    ),
    select("UiS guide: TSD for all four classes", "web-uis-data-storage-guide", RED_OR_BLACK, ("svc:tsd", "cls:black")),
    select(
        "UiS guide: Sigma2 green and yellow only",
        "web-uis-data-storage-guide",
        "SELECT ?service WHERE { ?service nolsi:maxClassificationLevel cls:yellow }",
        "svc:nird",
        "svc:sigma2-hpc",
    ),
    select(
        "all sources: red data",
        None,
        """SELECT DISTINCT ?service WHERE { ?service nolsi:maxClassificationLevel ?level .
                ?level nolsi:rank ?rank . cls:red nolsi:rank ?red FILTER(?rank >= ?red) }""",
        "svc:educloud-research",
        "svc:tsd",
    ),
    select(
        "all sources: black data",
        None,
        "SELECT DISTINCT ?service WHERE { ?service nolsi:maxClassificationLevel cls:black }",
        "svc:tsd",
    ),
    ask(
        "NeLS is not cleared for red data",
        None,
        "svc:nels nolsi:maxClassificationLevel ?level . ?level nolsi:rank ?rank FILTER(?rank >= 3)",
        False,
    ),
]


@pytest.mark.parametrize("fact", CLASSIFICATION_FACTS, ids=ids(CLASSIFICATION_FACTS))
def test_data_classification(graph, fact):
    check(graph, fact)


# Laws that govern health research data (RDMkit's "Health research data" list) and the Personal Data Act.
HEALTH_LAWS = "SELECT ?law WHERE { ?law a eli:LegalResource ; dct:subject domain:health-research }"
CURRENT_PDA = "https://lovdata.no/dokument/NL/lov/2018-06-15-38"
REPEALED_PDA = "https://lovdata.no/dokument/RFA/lov/2000-04-14-31"
LAW_FACTS = [
    select(
        "RDMkit: health research laws and regulations",
        "rdmkit-no-resources",
        HEALTH_LAWS,
        "law:lov-2008-06-20-44",
        "law:for-2009-07-01-955",
        "law:lov-2014-06-20-43",
        "law:for-2018-04-27-645",
        "law:lov-1999-07-02-64",
        "law:lov-1999-07-02-63",
        "law:lov-1992-12-04-132",
        "law:for-2009-10-30-1321",
        "law:lov-2003-12-05-100",
    ),
    ask(
        "Normen is guidance, not a law",
        "rdmkit-no-resources",
        "law:normen a fabio:PolicyDocument FILTER NOT EXISTS { law:normen a eli:LegalResource }",
    ),
    ask(
        "research-data.no: the Health Research Act governs health research",
        "dhp-legal-ethics",
        "law:lov-2008-06-20-44 a eli:LegalResource ; dct:subject domain:health-research ; eli:id_local "
        '"LOV-2008-06-20-44"',
    ),
    select(
        "RDMkit links the Health Research Act to Lovtidend (LTI)",
        "rdmkit-no-resources",
        "SELECT ?url WHERE { law:lov-2008-06-20-44 schema:url ?url }",
        "https://lovdata.no/dokument/LTI/lov/2008-06-20-44",
    ),
    ask(
        "research-data.no links the consolidated Health Research Act (NL)",
        "dhp-legal-ethics",
        "law:lov-2008-06-20-44 schema:url <https://lovdata.no/dokument/NL/lov/2008-06-20-44>",
    ),
    select(
        "Personal Data Act: current Lovdata id and URL",
        "dhp-legal-ethics",
        'SELECT ?id ?url WHERE { law:lov-2018-06-15-38 skos:prefLabel "Personal Data Act"@en ; eli:id_local '
        "?id ; schema:url ?url }",
        ("LOV-2018-06-15-38", CURRENT_PDA),
    ),
    ask(
        "Personal Data Act: English version",
        "dhp-legal-ethics",
        "law:lov-2018-06-15-38 eli:is_realized_by <https://lovdata.no/dokument/NLE/lov/2018-06-15-38>",
    ),
    ask(
        "Personal Data Act in force 20 July 2018",
        "web-regjeringen-ny-personopplysningslov",
        'law:lov-2018-06-15-38 eli:first_date_entry_in_force "2018-07-20"^^xsd:date',
    ),
    select(
        "RDMkit's Personal Data Act link is the repealed 2000 act, kept on its own IRI",
        "rdmkit-no-resources",
        f"SELECT ?law ?id WHERE {{ ?law schema:url <{REPEALED_PDA}> ; eli:id_local ?id ;"
        ' skos:altLabel "Personal Data Act"@en }',
        ("law:lov-2000-04-14-31", "LOV-2000-04-14-31"),
    ),
    select(
        "the repealed link is on the 2000 act only",
        None,
        f"SELECT ?law WHERE {{ ?law schema:url|schema:sameAs <{REPEALED_PDA}> }}",
        "law:lov-2000-04-14-31",
    ),
    select(
        "the current link is on the 2018 act only",
        None,
        f"SELECT DISTINCT ?law WHERE {{ ?law schema:url|schema:sameAs <{CURRENT_PDA}> }}",
        "law:lov-2018-06-15-38",
    ),
    select(
        "LookUp: laws for laboratory animals at NORMOLIM",
        "rdm-lookup-preclinical-imaging",
        "SELECT ?law WHERE { ri:normolim nolsi:relevantLegislation ?law . ?law a eli:LegalResource }",
        "law:lov-2009-06-19-97",
        "law:for-2015-06-18-761",
        "law:ets-123",
        "law:for-2001-12-21-1600",
        "law:for-2001-12-21-1602",
    ),
]


@pytest.mark.parametrize("fact", LAW_FACTS, ids=ids(LAW_FACTS))
def test_laws(graph, fact):
    check(graph, fact)


# The Norwegian COVID-19 Data Portal, launched 29 Oct 2020 (EN-COVID), now Pathogens Portal Norway (RK-NO).
PORTAL_FACTS = [
    select(
        "launch on 2020-10-29 by ELIXIR Norway",
        COVID,
        "SELECT ?date ?service WHERE { ?e a schema:Event ; schema:startDate ?date ; schema:organizer "
        "ri:elixir-norway ; schema:about ?service }",
        ("2020-10-29", "svc:pathogens-portal-norway"),
    ),
    ask(
        "launched as the Norwegian COVID-19 Data Portal at covid19dataportal.no",
        COVID,
        'svc:pathogens-portal-norway skos:altLabel "Norwegian COVID-19 Data Portal"@en ; schema:url <https://covid19dataportal.no/>',
    ),
    ask("hosted by UiT in 2020", COVID, "svc:pathogens-portal-norway nolsi:hostInstitution inst:uit"),
    select(
        "RDMkit today: Pathogens Portal Norway at pathogens.no",
        "rdmkit-no-resources",
        "SELECT ?name ?url WHERE { svc:pathogens-portal-norway skos:prefLabel ?name ; schema:url ?url "
        'FILTER(LANGMATCHES(LANG(?name), "en")) }',
        ("Pathogens Portal Norway", "https://pathogens.no/"),
    ),
    ask(
        "RDMkit 2025 still names it Norwegian COVID-19 Data Portal",
        "rdmkit-no-resources-2025",
        'svc:pathogens-portal-norway skos:altLabel "Norwegian COVID-19 Data Portal"@en',
    ),
    select(
        "one English name, the later one",
        None,
        "SELECT ?name WHERE { svc:pathogens-portal-norway skos:prefLabel ?name "
        'FILTER(LANGMATCHES(LANG(?name), "en")) }',
        "Pathogens Portal Norway",
    ),
]


@pytest.mark.parametrize("fact", PORTAL_FACTS, ids=ids(PORTAL_FACTS))
def test_covid19_portal(graph, fact):
    check(graph, fact)


# Identifiers: ROR ids (RK-AFF, EN-BMD) and the ORCIDs of the RDMkit contributors (RK-CONTRIB).
ROR = (
    "SELECT ?id ?ror WHERE { %s dct:identifier ?id ; schema:sameAs ?ror FILTER(STRSTARTS(STR(?ror), "
    '"https://ror.org/")) }'
)
ANY_ROR = 'SELECT ?ror WHERE { %s schema:sameAs ?ror FILTER(STRSTARTS(STR(?ror), "https://ror.org/")) }'
ORCIDS = (
    "SELECT ?person ?orcid WHERE { ?person a foaf:Person ; dct:identifier ?orcid ; schema:sameAs ?link "
    'FILTER(STRSTARTS(?orcid, "https://orcid.org/") && STR(?link) = ?orcid) }'
)
IDENTIFIER_FACTS = [
    select("UiB", "rdmkit-affiliations", ROR % "inst:uib", ("https://ror.org/03zga2b32", "https://ror.org/03zga2b32")),
    select("UiO", "rdmkit-affiliations", ROR % "inst:uio", ("https://ror.org/01xtthb56", "https://ror.org/01xtthb56")),
    select("RCN", CARD, ROR % "inst:rcn", ("https://ror.org/00epmv149", "https://ror.org/00epmv149")),
    ask(
        "RCN funder DOI",
        "rdmkit-affiliations",
        'inst:rcn dct:identifier "10.13039/501100005416" ; schema:sameAs <https://doi.org/10.13039/501100005416>',
    ),
    select("UiB has one ROR id in all sources", None, ANY_ROR % "inst:uib", "https://ror.org/03zga2b32"),
    select("UiO has one ROR id in all sources", None, ANY_ROR % "inst:uio", "https://ror.org/01xtthb56"),
    select("RCN has one ROR id in all sources", None, ANY_ROR % "inst:rcn", "https://ror.org/00epmv149"),
    select(
        "ORCIDs of the Norway contributors",
        "rdmkit-contributors",
        ORCIDS,
        ("person:korbinian-bosl", "https://orcid.org/0000-0003-0498-4273"),
        ("person:federico-bianchini", "https://orcid.org/0000-0002-9016-4820"),
        ("person:nazeefa-fatima", "https://orcid.org/0000-0001-7791-4984"),
        ("person:erin-calhoun", "https://orcid.org/0009-0003-3752-7156"),
        ("person:espen-aberg", "https://orcid.org/0000-0002-2280-7978"),
        ("person:erik-hjerde", "https://orcid.org/0000-0002-6014-1249"),
        ("person:sveinung-gundersen", "https://orcid.org/0000-0001-9888-7954"),
        ("person:anamika-chatterjee", "https://orcid.org/0000-0002-3215-7163"),
    ),
    select(
        "contributors without an ORCID",
        "rdmkit-contributors",
        "SELECT ?person WHERE { ?person a foaf:Person FILTER NOT EXISTS { ?person schema:sameAs ?o "
        'FILTER(STRSTARTS(STR(?o), "https://orcid.org/")) } }',
        "person:nils-peder-willassen",
        "person:inge-jonassen",
    ),
]


@pytest.mark.parametrize("fact", IDENTIFIER_FACTS, ids=ids(IDENTIFIER_FACTS))
def test_identifiers(graph, fact):
    check(graph, fact)


# National nodes of European infrastructures (DHP-SUP; RK-FT for ELIXIR Spain).
NATIONAL_NODE_FACTS = [
    select(
        "research-data.no: national nodes",
        "dhp-local-support",
        "SELECT ?ri ?parent WHERE { ?ri nolsi:nationalNodeOf ?parent }",
        ("ri:bbmri-no", "ri:bbmri-eric"),
        ("ri:nor-openscreen", "ri:eu-openscreen"),
        ("ri:norcrin", "ri:ecrin"),
    ),
    ask(
        "the European parents are defined there",
        "dhp-local-support",
        "ri:bbmri-eric a org:FormalOrganization . ri:eu-openscreen a org:FormalOrganization . ri:ecrin a "
        "org:FormalOrganization",
    ),
    ask(
        "LookUp: GBIF Norway is the node of GBIF",
        "rdm-lookup-biodiversity",
        "ri:gbif-norway nolsi:nationalNodeOf ri:gbif",
    ),
    ask(
        "RDMkit FAIRtracks: ELIXIR Spain co-provides FAIRtracks",
        "rdmkit-fairtracks-assembly",
        "svc:fairtracks schema:provider ri:elixir-norway , ri:elixir-es . ri:elixir-es nolsi:nationalNodeOf ri:elixir",
    ),
]


@pytest.mark.parametrize("fact", NATIONAL_NODE_FACTS, ids=ids(NATIONAL_NODE_FACTS))
def test_national_nodes(graph, fact):
    check(graph, fact)


# Every source document in shared/sources/ (the tables of SOURCES.md) has a doc: in g:sources, found
# by its repository file (pav:retrievedFrom), and a data graph derived from it.


def source_files() -> list[tuple[str, str, str]]:
    """(origin directory, path under it, commit) for every file SOURCES.md's tables list, LICENSE
    files excepted. `{a,b}` and `*` in a path stand for several files."""
    text = (SOURCES_DIR / "SOURCES.md").read_text()
    files = []
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        origin = re.match(r"\d+\. `([^`/]+)/`", section)
        commit = re.search(r"^\* Commit: `([0-9a-f]{40})`", section, flags=re.M)
        if not origin:
            continue
        for row in re.findall(r"^\| (`[^|]+) \|", section, flags=re.M):
            for path in re.findall(r"`([^`]+)`", row):
                brace = re.search(r"\{([^}]+)\}", path)
                for alternative in brace.group(1).split(",") if brace else [None]:
                    expanded = (
                        path if alternative is None else path[: brace.start()] + alternative + path[brace.end() :]
                    )
                    if "*" in expanded:  # a glob: the files it matches (or the pattern itself, which then fails)
                        matches = sorted(SOURCES_DIR.joinpath(origin.group(1)).glob(expanded))
                        names = [m.relative_to(SOURCES_DIR / origin.group(1)).as_posix() for m in matches] or [expanded]
                    else:
                        names = [expanded]
                    files += [
                        (origin.group(1), name, commit.group(1)) for name in names if Path(name).name != "LICENSE"
                    ]
    return files


SOURCE_FILES = source_files() if (SOURCES_DIR / "SOURCES.md").exists() else []


def test_sources_listed():
    if not SOURCE_FILES:
        pytest.skip(f"no {SOURCES_DIR / 'SOURCES.md'}")
    listed = {(origin, path) for origin, path, _ in SOURCE_FILES}
    on_disk = {
        (
            p.relative_to(SOURCES_DIR).parts[0],
            p.relative_to(SOURCES_DIR / p.relative_to(SOURCES_DIR).parts[0]).as_posix(),
        )
        for p in SOURCES_DIR.glob("*/**/*")
        if p.is_file() and p.name != "LICENSE"
    }
    assert on_disk <= listed, f"files in {SOURCES_DIR} that SOURCES.md does not list: {sorted(on_disk - listed)}"


@pytest.mark.parametrize("origin, path, commit", SOURCE_FILES, ids=[f"{o}/{p}" for o, p, _ in SOURCE_FILES])
def test_source_document_represented(graph, origin: str, path: str, commit: str):
    assert (SOURCES_DIR / origin / path).is_file(), f"SOURCES.md lists {origin}/{path}, which is not in {SOURCES_DIR}"
    owner, repo = origin.split("_", 1)
    # A file kept at an older commit sits under at-<commit prefix>/; an extract is read from the original file.
    older = re.match(r"at-([0-9a-f]{7,40})/(.*)", path)
    commit_pattern, repo_path = (older.group(1) + "[0-9a-f]*", older.group(2)) if older else (commit, path)
    repo_path = repo_path.replace(".NO-extract", "")
    pattern = re.compile(
        rf"^https://github\.com/{re.escape(owner)}/{re.escape(repo)}/blob/{commit_pattern}/{re.escape(repo_path)}$"
    )
    described = solutions(
        graph.query(
            "SELECT ?doc ?from WHERE { GRAPH g:sources { ?doc a foaf:Document ; pav:retrievedFrom ?from } }",
            prefixes=PREFIXES,
        )
    )
    docs = sorted({doc for doc, retrieved in described if pattern.match(retrieved)})
    assert docs, f"no doc: in data/sources.ttl with pav:retrievedFrom matching {pattern.pattern}"
    for doc in docs:
        used = solutions(
            graph.query(
                f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g prov:wasDerivedFrom {doc} . ?s ?p ?o }} FILTER(?g != g:sources) }}",
                prefixes=PREFIXES,
            )
        )
        assert used, f"{doc} ({origin}/{path}) has no data graph derived from it"
