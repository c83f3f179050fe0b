"""A deterministic synthetic graph shaped like the curated data, at a target triple count.

It uses the real vocabulary of docs/modelling.md and the concepts of ontology/vocab/, so the saved
queries of queries/ return rows on it and it passes the SHACL shapes of shapes/ with no violations
and no warnings.

Shape of the graph, per "unit" (about 1,000 triples): a national research infrastructure with its
nodes, a share of the organisations (each with departments) that host them, people and the roles
they hold (org:Membership with a dated time:Interval as blank nodes), services with text
descriptions, a share of the agreements with their signatories, and laws. Labels are @en and, for
most entities, @nb. Entities are written into Turtle files of about 5,000 triples each, one file
per synthetic source document, each starting with its provenance line like the curated files; a
few facts are stated in two files (as in the real data) so that the merged default graph is
smaller than the sum of the graphs.

    python -m bench.synthetic --triples 100000 --out var/bench/data/synthetic-100k

Everything is derived from `random.Random(seed)`: the same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from loader import namespaces

PREFIXES = {
    "ri": "https://w3id.org/nolsi/id/ri/",
    "node": "https://w3id.org/nolsi/id/node/",
    "inst": "https://w3id.org/nolsi/id/org/",
    "person": "https://w3id.org/nolsi/id/person/",
    "mship": "https://w3id.org/nolsi/id/membership/",
    "agr": "https://w3id.org/nolsi/id/agreement/",
    "law": "https://w3id.org/nolsi/id/law/",
    "svc": "https://w3id.org/nolsi/id/service/",
    "doc": "https://w3id.org/nolsi/id/document/",
    "cls": "https://w3id.org/nolsi/vocab/data-classification/",
    "domain": "https://w3id.org/nolsi/vocab/domain/",
    "role": "https://w3id.org/nolsi/vocab/role/",
    "stype": "https://w3id.org/nolsi/vocab/service-type/",
    **namespaces.PREFIXES,  # the vocabularies, as the dumps write them
}
GRAPH = "https://w3id.org/nolsi/graph/"

# Concepts that exist in ontology/vocab/ (checked by the shapes: every concept used must exist).
DOMAINS = [
    "bioinformatics",
    "genomics",
    "sequencing",
    "microbial-genomics",
    "biodiversity-genomics",
    "marine-metagenomics",
    "proteomics",
    "structural-biology",
    "crystallography",
    "nmr",
    "imaging",
    "bioimaging",
    "light-microscopy",
    "preclinical-imaging",
    "medical-imaging",
    "high-throughput-screening",
    "chemical-biology",
    "biodiversity",
    "natural-history-collections",
    "biobanking",
    "population-cohorts",
    "human-data",
    "health-research",
    "clinical-research",
    "infectious-diseases",
    "medical-informatics",
    "data-security",
    "data-privacy",
    "small-molecule-screening",
    "structure-determination",
    "molecular-epidemiology",
]
ROLES = [
    "head",
    "co-head",
    "head-of-node",
    "node-leader",
    "coordinator",
    "node-coordinator",
    "data-management-coordinator",
    "technical-coordinator",
    "service-and-training-coordinator",
    "steering-board-chair",
    "steering-board-member",
    "scientific-advisory-committee-member",
    "stakeholder-panel-member",
    "project-leader",
    "senior-adviser",
    "staff-member",
    "training-coordinator",
]
SERVICE_TYPES = [
    "storage",
    "archive",
    "compute",
    "cloud",
    "sensitive-data-platform",
    "analysis-platform",
    "analysis-pipeline",
    "dmp-tool",
    "repository",
    "database",
    "data-portal",
    "data-publishing",
    "data-brokering",
    "metadata-management",
    "helpdesk",
    "data-collection",
    "compliance",
    "knowledge-resource",
    "training",
]
LEVELS = ("green", "yellow", "red", "black")

CITIES = [
    "Oslo",
    "Bergen",
    "Tromsø",
    "Trondheim",
    "Ås",
    "Stavanger",
    "Kristiansand",
    "Bodø",
    "Ålesund",
    "Hamar",
    "Gjøvik",
    "Molde",
    "Harstad",
    "Drammen",
    "Halden",
    "Lillehammer",
    "Narvik",
    "Kongsberg",
    "Porsgrunn",
    "Førde",
]
FIELDS = [
    "Biosciences",
    "Medicine",
    "Informatics",
    "Chemistry",
    "Biology",
    "Health Sciences",
    "Marine Research",
    "Clinical Medicine",
    "Molecular Medicine",
    "Pharmacy",
    "Ecology",
    "Veterinary Medicine",
    "Life Sciences",
]
FIELDS_NB = [
    "biovitenskap",
    "medisin",
    "informatikk",
    "kjemi",
    "biologi",
    "helsefag",
    "havforskning",
    "klinisk medisin",
    "molekylærmedisin",
    "farmasi",
    "økologi",
    "veterinærmedisin",
    "livsvitenskap",
]
TOPICS = [
    "Sequencing",
    "Proteomics",
    "Imaging",
    "Biobank",
    "Screening",
    "Metagenomics",
    "Structural Biology",
    "NMR",
    "Cohort",
    "Biodiversity",
    "Clinical Trials",
    "Microscopy",
    "Bioinformatics",
    "Genomics",
    "Crystallography",
]
TOPICS_NB = [
    "sekvensering",
    "proteomikk",
    "avbildning",
    "biobank",
    "screening",
    "metagenomikk",
    "strukturbiologi",
    "NMR",
    "kohort",
    "biologisk mangfold",
    "kliniske studier",
    "mikroskopi",
    "bioinformatikk",
    "genomikk",
    "krystallografi",
]
GIVEN = [
    "Ingrid",
    "Ola",
    "Kari",
    "Lars",
    "Sigrid",
    "Henrik",
    "Astrid",
    "Magnus",
    "Solveig",
    "Erik",
    "Nora",
    "Jonas",
    "Marit",
    "Anders",
    "Liv",
    "Håkon",
    "Silje",
    "Eirik",
    "Tone",
    "Bjørn",
    "Maria",
    "Per",
    "Hilde",
    "Knut",
]
FAMILY = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Haugen",
    "Berg",
    "Dahl",
    "Lie",
    "Strand",
    "Solberg",
    "Bakken",
    "Moen",
    "Eide",
    "Aas",
    "Lund",
    "Sæther",
]
TITLES = [
    "Professor",
    "Associate Professor",
    "Senior Engineer",
    "Researcher",
    "Data Steward",
    "Head of Section",
    "Postdoctoral Fellow",
    "Senior Adviser",
    "Chief Engineer",
    "Research Scientist",
]
SERVICE_KINDS = [
    "Data Portal",
    "Secure Storage",
    "Analysis Platform",
    "Helpdesk",
    "Archive",
    "Compute Cloud",
    "Pipeline Service",
    "Metadata Catalogue",
    "DMP Service",
    "Data Brokering Service",
]
WORDS = [
    "data",
    "research",
    "sensitive",
    "secure",
    "storage",
    "analysis",
    "sequencing",
    "genomic",
    "clinical",
    "biobank",
    "proteomics",
    "imaging",
    "researchers",
    "projects",
    "national",
    "infrastructure",
    "service",
    "platform",
    "access",
    "metadata",
    "repository",
    "archive",
    "publication",
    "FAIR",
    "management",
    "plan",
    "compute",
    "cloud",
    "pipeline",
    "workflow",
    "training",
    "helpdesk",
    "support",
    "users",
    "institutions",
    "consent",
    "privacy",
    "health",
    "cohort",
    "samples",
    "samples",
    "microscopy",
    "screening",
    "metagenomics",
    "marine",
    "biodiversity",
    "collections",
    "specimens",
    "annotation",
    "ontology",
    "standards",
    "interoperability",
    "sharing",
    "reuse",
    "long-term",
    "preservation",
    "Norway",
    "Norwegian",
    "European",
    "ELIXIR",
    "life",
    "science",
]
ACCESS = [
    "Log in with Feide and apply for a project",
    "Upon application to the service owner",
    "Open to all researchers at member institutions",
    "Contact the helpdesk to request access",
    "Apply through the national e-infrastructure portal",
]
ROR_CHARS = "0123456789abcdefghjkmnpqrstuvwxyz"

# A few generated entities take the IRIs of the registry in docs/modelling.md, so that the example
# parameters of the saved queries (ri=elixir-norway, service=tsd, login=feide, ...) find them here too.
RENAME = {
    "ri:ri-0": "ri:elixir-norway",
    "ri:ri-1": "ri:nnp",
    "ri:ri-2": "ri:napi",
    "ri:ri-3": "ri:norseq",
    "ri:european-0": "ri:elixir",
    "ri:european-1": "ri:euro-bioimaging",
    "inst:org-0": "inst:rcn",
    "inst:org-1": "inst:uio",
    "inst:org-2": "inst:uib",
    "svc:service-0": "svc:tsd",
    "svc:service-1": "svc:nels",
    "svc:service-2": "svc:nird",
    "svc:login-service": "svc:feide",
    "person:person-0": "person:inge-jonassen",
    "agr:agreement-0": "agr:joint-strategic-statement-2023",
}


@dataclass
class Entity:
    iri: str  # a prefixed name such as ri:ri-12
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def add(self, predicate: str, *objects: str) -> Entity:
        for obj in objects:
            if predicate == "a":
                self.pairs.extend((predicate, t) for t in obj.split(", "))
            else:
                self.pairs.append((predicate, obj))
        return self

    def triples(self) -> int:
        return len(self.pairs) + sum(_nested(o) for _, o in self.pairs)

    def turtle(self) -> str:
        """The entity as one Turtle block, objects of a repeated predicate joined by commas."""
        grouped: list[tuple[str, list[str]]] = []
        for p, o in self.pairs:
            if grouped and grouped[-1][0] == p:
                grouped[-1][1].append(o)
            else:
                grouped.append((p, [o]))
        lines = [self.iri]
        for i, (p, objects) in enumerate(grouped):
            end = " ." if i == len(grouped) - 1 else " ;"
            lines.append(f"    {p} {' , '.join(objects)}{end}")
        return "\n".join(lines) + "\n"


def _nested(obj: str) -> int:
    """Triples inside a blank-node property list `[ a X ; p [ a Y ; q v ] ]` (count of `;` and `[`)."""
    if not obj.startswith("["):
        return 0
    return obj.count(";") + obj.count("[")


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^{datatype}'
    return f'"{escaped}"'


def iri(url: str) -> str:
    return f"<{url}>"


class Generator:
    """Builds the entities of `units` units with `random.Random(seed)`; `files()` groups them."""

    def __init__(self, units: int, seed: int = 7):
        self.units = max(1, units)
        self.rng = random.Random(seed)
        self.entities: list[Entity] = []
        self.extra: list[Entity] = []  # facts restated in a second file
        self._generate()
        self._rename()

    # -- helpers --------------------------------------------------------------------------------

    def date(self, start: int = 2005, end: int = 2025) -> tuple[int, int, int]:
        return self.rng.randint(start, end), self.rng.randint(1, 12), self.rng.randint(1, 28)

    def xsd_date(self, start: int = 2005, end: int = 2025) -> str:
        y, m, d = self.date(start, end)
        return lit(f"{y:04d}-{m:02d}-{d:02d}", datatype="xsd:date")

    def sentence(self, low: int, high: int) -> str:
        words = [self.rng.choice(WORDS) for _ in range(self.rng.randint(low, high))]
        return " ".join(words).capitalize() + "."

    def ror(self, n: int) -> str:
        r = random.Random(n * 7919 + 13)
        return "0" + "".join(r.choice(ROR_CHARS) for _ in range(6)) + f"{r.randint(0, 99):02d}"

    def orcid(self, n: int) -> str:
        digits = f"{n:015d}"
        base = "".join(digits[-15:])
        total = 0
        for ch in base:
            total = (total + int(ch)) * 2
        check = (12 - total % 11) % 11
        code = base + ("X" if check == 10 else str(check))
        return "-".join(code[i : i + 4] for i in range(0, 16, 4))

    # -- the graph ------------------------------------------------------------------------------

    def _generate(self) -> None:
        """The entities in a fixed order, each kind drawing from the one random stream in turn."""
        n = self.units
        orgs, units = self._organisations(max(4, n // 2))
        european = self._european_infrastructures(max(3, min(12, n)))
        laws = self._laws(max(4, n // 4))
        login = self._login_service()
        ris, nodes = self._infrastructures(n, european, orgs, units)
        people = self._people(25 * n, orgs)
        self._memberships(35 * n, people, nodes, ris, orgs)
        self._services(10 * n, orgs, ris, laws, login)
        self._agreements(max(1, n // 2), ris)

    def _organisations(self, count: int) -> tuple[list[str], list[str]]:
        """Organisations (one in ten a funder), each with three departments."""
        orgs, units = [], []
        for i in range(count):
            city = CITIES[i % len(CITIES)]
            field_i = i % len(FIELDS)
            o = Entity(f"inst:org-{i}")
            types = ["org:FormalOrganization", "schema:Organization"]
            if i % 10 == 0:
                types += ["frapo:FundingAgency", "schema:FundingAgency"]
            o.add("a", ", ".join(types))
            o.add(
                "skos:prefLabel",
                lit(f"{city} Institute of {FIELDS[field_i]} {i}", "en"),
                lit(f"{FIELDS_NB[field_i].capitalize()}instituttet i {city} {i}", "nb"),
            )
            ror = self.ror(i)
            o.add("dct:identifier", lit(f"https://ror.org/{ror}"))
            o.add("schema:sameAs", iri(f"https://ror.org/{ror}"))
            o.add("foaf:homepage", iri(f"https://org-{i}.example.no/"))
            self.entities.append(o)
            orgs.append(o.iri)
            for j in range(3):
                u = Entity(f"inst:org-{i}-unit-{j}")
                u.add("a", "org:OrganizationalUnit, schema:Organization")
                u.add(
                    "skos:prefLabel",
                    lit(f"Department of {TOPICS[(i + j) % len(TOPICS)]}, {city} {i}", "en"),
                    lit(f"Seksjon for {TOPICS_NB[(i + j) % len(TOPICS_NB)]}, {city} {i}", "nb"),
                )
                u.add("org:unitOf", o.iri)
                self.entities.append(u)
                units.append(u.iri)
        return orgs, units

    def _european_infrastructures(self, count: int) -> list[str]:
        european = []
        for i in range(count):
            e = Entity(f"ri:european-{i}")
            e.add("a", "org:FormalOrganization, schema:Organization")
            e.add("skos:prefLabel", lit(f"European {TOPICS[i % len(TOPICS)]} Infrastructure {i}", "en"))
            e.add("foaf:homepage", iri(f"https://european-{i}.example.eu/"))
            self.entities.append(e)
            european.append(e.iri)
        return european

    def _laws(self, count: int) -> list[str]:
        """Laws with Lovdata identifiers, the first the Health Research Act's."""
        laws = []
        for i in range(count):
            y, m, d = (2018, 6, 15) if i == 0 else self.date(1990, 2024)
            ident = "LOV-2018-06-15-38" if i == 0 else f"LOV-{y:04d}-{m:02d}-{d:02d}-{i + 1}"
            law = Entity(f"law:{ident.lower()}")
            law.add("a", "eli:LegalResource, schema:Legislation")
            law.add(
                "skos:prefLabel",
                lit(f"{TOPICS[i % len(TOPICS)]} Data Act {i}", "en"),
                lit(f"lov om {TOPICS_NB[i % len(TOPICS_NB)]}data {i}", "nb"),
            )
            law.add("eli:id_local", lit(ident))
            law.add("schema:url", iri(f"https://lovdata.no/dokument/NL/lov/{y:04d}-{m:02d}-{d:02d}-{i + 1}"))
            law.add("eli:jurisdiction", iri("http://publications.europa.eu/resource/authority/country/NOR"))
            law.add("eli:date_document", lit(f"{y:04d}-{m:02d}-{d:02d}", datatype="xsd:date"))
            law.add("dct:subject", f"domain:{self.rng.choice(['data-privacy', 'data-security', 'health-research'])}")
            law.add("dct:description", lit(self.sentence(12, 30), "en"))
            self.entities.append(law)
            laws.append(law.iri)
        return laws

    def _login_service(self) -> str:
        login = Entity("svc:login-service")
        login.add("a", "schema:Service")
        login.add("skos:prefLabel", lit("National Login Service", "en"), lit("Nasjonal innloggingstjeneste", "nb"))
        login.add("dct:type", "stype:helpdesk")
        login.add("schema:url", iri("https://login.example.no/"))
        login.add("dct:description", lit("Federated login for researchers at Norwegian institutions.", "en"))
        self.entities.append(login)
        return login.iri

    def _infrastructures(
        self, count: int, european: list[str], orgs: list[str], units: list[str]
    ) -> tuple[list[str], list[str]]:
        """National research infrastructures, each with five nodes and its labels restated elsewhere."""
        ris, nodes = [], []
        for i in range(count):
            topic = i % len(TOPICS)
            ri = Entity(f"ri:ri-{i}")
            ri.add("a", "nolsi:ResearchInfrastructure, schema:Organization")
            ri.add(
                "skos:prefLabel",
                lit(f"Norwegian {TOPICS[topic]} Infrastructure {i}", "en"),
                lit(f"Nasjonal infrastruktur for {TOPICS_NB[topic]} {i}", "nb"),
            )
            ri.add("skos:altLabel", lit(f"NO-{TOPICS[topic].upper().replace(' ', '')}-{i}", "en"))
            ri.add("dct:description", lit(self.sentence(25, 60), "en"))
            ri.add("foaf:homepage", iri(f"https://ri-{i}.example.no/"))
            ri.add("nolsi:nationalNodeOf", european[i % len(european)])
            ri.add("nolsi:hostInstitution", orgs[i % len(orgs)])
            ri.add("dcat:theme", f"domain:{DOMAINS[i % len(DOMAINS)]}", f"domain:{self.rng.choice(DOMAINS)}")
            my_nodes = [self._node(ri.iri, i, j, topic, units) for j in range(5)]
            nodes += [nd.iri for nd in my_nodes]
            ri.add("org:hasUnit", *(nd.iri for nd in my_nodes))
            self.entities.append(ri)
            self.entities.extend(my_nodes)
            ris.append(ri.iri)
            restated = Entity(ri.iri).add("a", "nolsi:ResearchInfrastructure, schema:Organization")
            restated.add("skos:prefLabel", next(o for p, o in ri.pairs if p == "skos:prefLabel"))
            self.extra.append(restated)
        return ris, nodes

    def _node(self, ri: str, i: int, j: int, topic: int, units: list[str]) -> Entity:
        node = Entity(f"node:ri-{i}-node-{j}")
        node.add("a", "nolsi:InfrastructureNode")
        city = CITIES[(i + j) % len(CITIES)]
        node.add(
            "skos:prefLabel",
            lit(f"Norwegian {TOPICS[topic]} Infrastructure {i} {city} node", "en"),
            lit(f"Nasjonal infrastruktur for {TOPICS_NB[topic]} {i}, node {city}", "nb"),
        )
        node.add("org:unitOf", ri)
        node.add("nolsi:hostInstitution", self.rng.choice(units))
        return node

    def _people(self, count: int, orgs: list[str]) -> list[tuple[str, str]]:
        """People (IRI and name), a third with an ORCID."""
        people = []
        for i in range(count):
            p = Entity(f"person:person-{i}")
            name = f"{GIVEN[i % len(GIVEN)]} {FAMILY[(i // len(GIVEN)) % len(FAMILY)]} {i}"
            p.add("a", "foaf:Person, schema:Person")
            p.add("foaf:name", lit(name))
            p.add("skos:prefLabel", lit(name, "en"))
            p.add("schema:jobTitle", lit(self.rng.choice(TITLES), "en"))
            p.add("schema:affiliation", self.rng.choice(orgs))
            if i % 3 == 0:
                p.add("schema:sameAs", iri(f"https://orcid.org/{self.orcid(i + 1)}"))
            self.entities.append(p)
            people.append((p.iri, name))
        return people

    def _memberships(
        self, count: int, people: list[tuple[str, str]], nodes: list[str], ris: list[str], orgs: list[str]
    ) -> None:
        """Roles held in nodes, infrastructures and organisations, each during a dated interval."""
        rng = self.rng
        for i in range(count):
            person, name = people[0 if i % 400 == 0 else rng.randrange(len(people))]
            where = rng.choice(nodes) if rng.random() < 0.6 else rng.choice(ris if rng.random() < 0.5 else orgs)
            role = rng.choice(ROLES)
            m = Entity(f"mship:membership-{i}")
            m.add("a", "org:Membership")
            m.add("skos:prefLabel", lit(f"{name} as {role.replace('-', ' ')}", "en"))
            m.add("org:member", person)
            m.add("org:organization", where)
            m.add("org:role", f"role:{role}")
            interval = (
                f"[ a time:Interval ; time:inside [ a time:Instant ; time:inXSDDate {self.xsd_date(2015, 2025)} ] ]"
            )
            m.add("org:memberDuring", interval)
            self.entities.append(m)

    def _services(self, count: int, orgs: list[str], ris: list[str], laws: list[str], login: str) -> None:
        for i in range(count):
            self.entities.append(self._service(i, orgs, ris, laws, login))

    def _service(self, i: int, orgs: list[str], ris: list[str], laws: list[str], login: str) -> Entity:
        """A service: its provider, host, type, theme, access route, login, classification level and law."""
        rng = self.rng
        kind = SERVICE_KINDS[i % len(SERVICE_KINDS)]
        topic = TOPICS[(i // len(SERVICE_KINDS)) % len(TOPICS)]
        s = Entity(f"svc:service-{i}")
        s.add("a", "schema:Service, dcat:DataService" if i % 4 == 0 else "schema:Service")
        s.add(
            "skos:prefLabel",
            lit(f"{topic} {kind} {i}", "en"),
            lit(f"{TOPICS_NB[(i // len(SERVICE_KINDS)) % len(TOPICS_NB)].capitalize()}tjeneste {i}", "nb"),
        )
        s.add("dct:description", lit(self.sentence(30, 80), "en"))
        s.add("schema:url", iri(f"https://service-{i}.example.no/"))
        helpdesk = i % 100 == 3  # the helpdesks of ri:elixir-norway (renamed from ri-0)
        s.add("schema:provider", ris[0] if helpdesk else rng.choice(orgs + ris))
        s.add("nolsi:hostInstitution", rng.choice(orgs))
        s.add("dct:type", "stype:helpdesk" if helpdesk else f"stype:{rng.choice(SERVICE_TYPES)}")
        if i % 40 == 2:
            s.add("skos:altLabel", lit(f"COVID-19 Data Portal {i}", "en"))
        s.add("dcat:theme", f"domain:{rng.choice(DOMAINS)}")
        s.add("nolsi:accessRoute", lit(rng.choice(ACCESS), "en"))
        if i % 3 == 0:
            s.add("nolsi:loginWith", login)
        if i % 2 == 0:
            s.add("nolsi:maxClassificationLevel", f"cls:{LEVELS[rng.randrange(4)]}")
        s.add("nolsi:relevantLegislation", rng.choice(laws))
        s.add("schema:email", lit(f"support@service-{i}.example.no"))
        return s

    def _agreements(self, count: int, ris: list[str]) -> None:
        """Agreements signed by several infrastructures, the first signatory coordinating."""
        for i in range(count):
            a = Entity(f"agr:agreement-{i}")
            title = f"Agreement on {TOPICS[i % len(TOPICS)]} Data Sharing {i}"
            a.add("a", "nolsi:Agreement, fabio:PolicyDocument")
            a.add("skos:prefLabel", lit(title, "en"))
            a.add("dct:title", lit(title, "en"))
            a.add("dct:description", lit(self.sentence(20, 50), "en"))
            a.add("dct:issued", self.xsd_date())
            signatories = self.rng.sample(ris, min(len(ris), self.rng.randint(3, 9)))
            a.add("nolsi:signatory", *signatories)
            a.add("nolsi:coordinatedBy", signatories[0])
            self.entities.append(a)

    def _rename(self) -> None:
        for entity in self.entities + self.extra:
            entity.iri = RENAME.get(entity.iri, entity.iri)
            entity.pairs = [(p, RENAME.get(o, o)) for p, o in entity.pairs]

    def files(self, per_file: int = 5000) -> list[tuple[str, list[Entity]]]:
        """Entities grouped into source files of about `per_file` triples; restated facts spread over them."""
        groups: list[list[Entity]] = [[]]
        count = 0
        for entity in self.entities:
            if count >= per_file:
                groups.append([])
                count = 0
            groups[-1].append(entity)
            count += entity.triples()
        for k, entity in enumerate(self.extra):
            groups[(k * 7 + 3) % len(groups)].append(entity)
        return [(f"synthetic-{k:04d}", group) for k, group in enumerate(groups)]


def document(stem: str, k: int) -> Entity:
    d = Entity(f"doc:{stem}")
    d.add("a", "foaf:Document, prov:Entity, fabio:WebPage")
    d.add("skos:prefLabel", lit(f"Synthetic source document {k}", "en"))
    d.add("dct:title", lit(f"Synthetic source document {k}", "en"))
    d.add("schema:url", iri(f"https://example.no/sources/{stem}"))
    commit = f"{(k * 2654435761) % (1 << 160):040x}"
    d.add("pav:retrievedFrom", iri(f"https://github.com/example/sources/blob/{commit}/{stem}.md"))
    d.add("pav:version", lit(commit))
    d.add("dct:modified", lit(f"2025-{(k % 12) + 1:02d}-{(k % 28) + 1:02d}", datatype="xsd:date"))
    d.add("dct:publisher", RENAME["inst:org-0"])
    d.add("dct:license", iri("https://creativecommons.org/licenses/by/4.0/"))
    return d


def header() -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n"


def count(units: int, seed: int) -> int:
    gen = Generator(units, seed)
    files = gen.files()
    return sum(e.triples() for e in gen.entities + gen.extra) + (len(files) + 1) * 13


def units_for(target: int, seed: int = 7) -> int:
    """How many units give about `target` triples (as written, before the merge drops restated facts)."""
    probe = 40
    per_unit = count(probe, seed) / probe
    return max(1, round(target / per_unit))


def write(target: int, out: Path, seed: int = 7) -> dict:
    """Write the synthetic graph of about `target` triples as Turtle files into `out` (emptied first)."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    units = units_for(target, seed)
    gen = Generator(units, seed)
    files = gen.files()
    total = 0
    docs = []
    for k, (stem, entities) in enumerate(files):
        parts = [header(), f"<{GRAPH}{stem}> prov:wasDerivedFrom doc:{stem} .\n\n"]
        total += 1
        for entity in entities:
            parts.append(entity.turtle())
            parts.append("\n")
            total += entity.triples()
        (out / f"{stem}.ttl").write_text("".join(parts), encoding="utf-8")
        docs.append(document(stem, k))
    sources = [header(), f"<{GRAPH}synthetic-sources> prov:wasDerivedFrom doc:synthetic-sources .\n\n"]
    total += 1
    everything = [*docs, document("synthetic-sources", len(files))]
    for d in everything:
        sources.append(d.turtle())
        sources.append("\n")
        total += d.triples()
    (out / "synthetic-sources.ttl").write_text("".join(sources), encoding="utf-8")
    return {"target": target, "units": units, "files": len(files) + 1, "triples_written": total, "seed": seed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(write(args.triples, args.out, args.seed))


if __name__ == "__main__":
    main()
