"""Fact tables of the five seed documents (issue 16), in the style of tests/test_graph.py.

`shared/seeds/` holds the documents the project was created from; each is a source document in
`data/sources.ttl` and has its own data file `data/seed-<name>.ttl`, the named graph
`https://w3id.org/nolsi/graph/seed-<name>`. Every row below is a fact of one seed document, run over
the named graph of that seed only, so a change that loses the fact, or moves it to another graph,
fails. Expected values are written from the text of the documents, not from query output.
"""

from __future__ import annotations

import pyoxigraph
import pytest

from loader import store as loader_store
from tests.conftest import ROOT
from tests.expected import regenerate
from tests.test_graph import PREFIXES, ask, check, ids, select, solutions

SEEDS_DIR = ROOT.parent / "shared" / "seeds"

# Seed file -> the stem of its data file and doc: IRI.
SEED_GRAPHS = {
    "000_89cadcb71689c151.txt": "seed-uib-jss-news",
    "001_de4e9e74f040f04b.txt": "seed-rdmkit-norway",
    "002_6f062d6ba5bf78bd.txt": "seed-elixir-no-covid19-portal",
    "003_9fab55f6a5013564.txt": "seed-elixir-international-strategy",
    "004_605711088e41a840.txt": "seed-elixir-converge",
}


def test_every_seed_file_has_a_graph():
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"no {SEEDS_DIR}")
    on_disk = {p.name for p in SEEDS_DIR.glob("[0-9][0-9][0-9]_*.txt")}
    assert on_disk == set(SEED_GRAPHS), f"seed files without a graph here: {sorted(on_disk ^ set(SEED_GRAPHS))}"


@pytest.mark.parametrize("file, stem", sorted(SEED_GRAPHS.items()))
def test_seed_is_a_source_document(graph, file, stem):
    """Each seed is described in g:sources, identified by its file name, and has a data graph."""
    rows = solutions(
        graph.query(
            f"SELECT ?id ?publisher WHERE {{ GRAPH g:sources {{ doc:{stem} a foaf:Document , prov:Entity ; "
            f"dct:identifier ?id ; dct:publisher ?publisher . g:sources prov:wasDerivedFrom doc:{stem} }} }}",
            prefixes=PREFIXES,
        )
    )
    assert [row[0] for row in rows] == [file]
    assert graph.query(
        f"ASK {{ GRAPH g:{stem} {{ g:{stem} prov:wasDerivedFrom doc:{stem} . ?s ?p ?o FILTER(?s != g:{stem}) }} }}",
        prefixes=PREFIXES,
    )


PERIOD = "org:memberDuring/time:inside/time:inXSDDate"


def roles_on(date: str) -> str:
    """Who held which role where, as the memberships of a graph date it."""
    return (
        "SELECT ?person ?role ?organisation WHERE { ?m a org:Membership ; org:member ?person ; org:role ?role ; "
        f'org:organization ?organisation ; {PERIOD} "{date}"^^xsd:date }}'
    )


ATTRIBUTED = "SELECT ?agent ?role WHERE { %s prov:qualifiedAttribution [ prov:agent ?agent ; dcat:hadRole ?role ] }"

# 000: UiB Department of Informatics news, the Joint Strategic Statement of 13.11.2023
JSS = "seed-uib-jss-news"
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
    ask("signed on 13.11.2023", JSS, 'agr:joint-strategic-statement-2023 dct:issued "2023-11-13"^^xsd:date'),
    ask("coordinated by ELIXIR Norway", JSS, "agr:joint-strategic-statement-2023 nolsi:coordinatedBy ri:elixir-norway"),
    ask("builds on BioMedData", JSS, "agr:joint-strategic-statement-2023 prov:wasInfluencedBy project:biomeddata"),
    ask(
        "keeps the Life-science RDM Group of the BioMedData network",
        JSS,
        "agr:joint-strategic-statement-2023 dct:relation community:life-science-rdm-group . "
        "community:life-science-rdm-group schema:parentOrganization project:biomeddata ; "
        'skos:altLabel "Life-science Research Data Management (RDM) Group"@en',
    ),
    ask("ELIXIR Norway is the Norwegian branch of ELIXIR", JSS, "ri:elixir-norway nolsi:nationalNodeOf ri:elixir"),
    select(
        "the infrastructures in the statement are funded by the Research Council of Norway",
        JSS,
        "SELECT ?ri WHERE { ?ri schema:funder inst:rcn . agr:joint-strategic-statement-2023 nolsi:signatory ?ri }",
        *SIGNATORIES,
    ),
    select(
        "names the page gives the signatories",
        JSS,
        "SELECT ?ri ?name WHERE { ?ri skos:altLabel ?name }",
        ("ri:elixir-norway", "ELIXIR-Norway"),
        ("ri:napi", "National Network of advanced Proteomics Infrastructure"),
        ("ri:nor-openscreen", "NOR-Openscreen"),
        ("ri:nnp", "Norwegian NMR (Nuclear Magnetic Resonance) Platform 2"),
        ("ri:norseq", "NorSeq"),
        ("community:life-science-rdm-group", "Life-science Research Data Management (RDM) Group"),
        ("agr:joint-strategic-statement-2023", "Joint strategic statement document"),
    ),
    select(
        "BioMedData: established 2020, until spring 2024, funded by RCN, coordinated by ELIXIR Norway",
        JSS,
        "SELECT ?start ?end ?funder ?coordinator WHERE { project:biomeddata schema:startDate ?start ; "
        "schema:endDate ?end ; schema:funder ?funder ; nolsi:coordinatedBy ?coordinator }",
        ("2020", "2024", "inst:rcn", "ri:elixir-norway"),
    ),
    ask(
        "BioMedData: a collaboration of 11 infrastructures",
        JSS,
        'project:biomeddata schema:additionalProperty [ schema:propertyID "partner-infrastructures" ; '
        "schema:value 11 ]",
    ),
    select(
        "BioMedData: its nine fields",
        JSS,
        "SELECT ?field WHERE { project:biomeddata dcat:theme ?field }",
        "domain:genomics",
        "domain:molecular-epidemiology",
        "domain:proteomics",
        "domain:imaging",
        "domain:biodiversity",
        "domain:biobanking",
        "domain:structure-determination",
        "domain:nmr",
        "domain:small-molecule-screening",
    ),
    select(
        "roles on 13.11.2023",
        JSS,
        roles_on("2023-11-13"),
        ("person:sushma-grellscheid", "role:head-of-node", "ri:elixir-norway"),
        ("person:korbinian-bosl", "role:data-management-coordinator", "ri:elixir-norway"),
        ("person:ingeborg-winge", "role:node-coordinator", "ri:elixir-norway"),
        ("person:nenitha-c-dagslott", "role:senior-adviser", "inst:rcn"),
    ),
    select(
        "media contact and photographer",
        JSS,
        ATTRIBUTED % "doc:seed-uib-jss-news",
        ("person:ingeborg-winge", "role:media-contact"),
        ("person:randi-h-eilertsen", "role:photographer"),
    ),
    ask(
        "offices at the Computational Biology Unit, Department of Informatics, UiB",
        JSS,
        "person:sushma-grellscheid schema:affiliation inst:uib-cbu . person:korbinian-bosl schema:affiliation "
        "inst:uib-cbu . "
        "inst:uib-cbu org:unitOf inst:uib-department-of-informatics . inst:uib-department-of-informatics "
        "org:unitOf inst:uib",
    ),
    ask("the RCN points to the European Open Science Cloud", JSS, "doc:seed-uib-jss-news schema:mentions ri:eosc"),
    select(
        "published by the Department of Informatics",
        None,
        "SELECT ?publisher WHERE { GRAPH g:sources { doc:seed-uib-jss-news dct:publisher ?publisher } }",
        "inst:uib-department-of-informatics",
    ),
]


@pytest.mark.parametrize("fact", JSS_FACTS, ids=ids(JSS_FACTS))
def test_seed_000_joint_strategic_statement(graph, fact):
    check(graph, fact)


# 001: RDMkit "National resources: Norway", rendered
RK = "seed-rdmkit-norway"
RK_FACTS = [
    select(
        "DSW and RDM LookUp from ELIXIR Norway",
        RK,
        "SELECT ?service WHERE { ?service schema:provider ri:elixir-norway ; dct:type ?type "
        "VALUES ?type { stype:dmp-tool stype:knowledge-resource } }",
        "svc:dsw-no",
        "svc:rdm-lookup",
    ),
    ask(
        "DSW instance of the Data Stewardship Wizard, supporting the DMP Common Standard",
        RK,
        "svc:dsw-no schema:isBasedOn tool:dsw . tool:dsw dct:conformsTo policy:dmp-common-standard",
    ),
    select(
        "who lists the DSW as a preferred tool",
        RK,
        "SELECT ?agent WHERE { [] a schema:EndorseAction ; schema:agent ?agent ; schema:object svc:dsw-no }",
        "inst:rcn",
        "community:bott-university-libraries",
    ),
    select(
        "DSW features",
        RK,
        "SELECT ?feature WHERE { svc:dsw-no schema:featureList ?feature }",
        "templates compliant with all different funders' regulations",
        "machine-actionable DMP exports",
        "exemplar DMPs, partially pre-filled with domain-specific recommendations",
    ),
    ask(
        "national strategy of the Ministry of Education and Research, 2018",
        RK,
        "policy:national-strategy-research-data dct:publisher inst:ministry-of-education-and-research ; "
        'dct:issued "2018"^^xsd:gYear',
    ),
    ask(
        "Norges forskningsråd is the Research Council of Norway",
        RK,
        'inst:rcn skos:prefLabel "Norges forskningsråd"@nb',
    ),
    select(
        "who requests a DMP",
        RK,
        "SELECT ?who WHERE { ?who dct:requires fabio:DataManagementPlan }",
        "policy:rcn-dmp-policy",
        "policy:horizon-europe",
        "inst:erc",
    ),
    ask("RCN's policy is RCN's", RK, "policy:rcn-dmp-policy dct:publisher inst:rcn"),
    ask(
        "RCN recommends the Science Europe guide",
        RK,
        "[] a schema:EndorseAction ; schema:agent inst:rcn ; schema:object policy:science-europe-practical-guide . "
        "policy:science-europe-practical-guide dct:publisher inst:science-europe",
    ),
    ask(
        "from 2023, applications assessed for open science",
        RK,
        'policy:rcn-open-science-assessment dct:publisher inst:rcn ; dct:temporal/dcat:startDate "2023"^^xsd:gYear',
    ),
    select(
        "four storage classes",
        RK,
        "SELECT ?level WHERE { ?level skos:definition ?d }",
        "cls:green",
        "cls:yellow",
        "cls:red",
        "cls:black",
    ),
    ask(
        "the classes are based on Sikt's recommendations",
        RK,
        "policy:sikt-information-classification-standard dct:publisher inst:sikt",
    ),
    select(
        "support services and who provides them",
        RK,
        "SELECT ?service ?provider WHERE { ?service dct:type stype:helpdesk ; schema:provider ?provider }",
        ("svc:elixir-norway-helpdesk", "ri:elixir-norway"),
        ("svc:gbif-norway-helpdesk", "ri:gbif-norway"),
        ("svc:bbmri-no-elsi-helpdesk", "ri:bbmri-no"),
        ("svc:sikt-data-protection-services", "inst:sikt"),
        ("svc:nris-user-support", "inst:nris"),
    ),
    ask(
        "GBIF supports four classes of datasets",
        RK,
        'ri:gbif schema:additionalProperty [ schema:propertyID "dataset-classes" ; schema:value 4 ; '
        'schema:valueReference "checklists"@en , "occurrences"@en , "sampling-event data"@en , '
        '"resources metadata"@en ]',
    ),
    ask(
        "Sikt is a governmental agency; Sigma2 its subsidiary",
        RK,
        "inst:sikt a frapo:GovernmentOrganization . inst:sigma2 org:subOrganizationOf inst:sikt",
    ),
    select(
        "NRIS: Sigma2 and four universities",
        RK,
        "SELECT ?member WHERE { inst:nris schema:member ?member }",
        "inst:sigma2",
        "inst:uio",
        "inst:uib",
        "inst:ntnu",
        "inst:uit",
    ),
    select(
        "NeLS: login with Feide and ELIXIR AAI",
        RK,
        "SELECT ?login WHERE { svc:nels nolsi:loginWith ?login }",
        "svc:feide",
        "svc:elixir-aai",
    ),
    select(
        "NeLS: integrated with Galaxy and SEEK",
        RK,
        "SELECT ?tool WHERE { svc:nels schema:isRelatedTo ?tool }",
        "tool:galaxy",
        "tool:fairdom-seek",
    ),
    select(
        "Federated EGA Norway node: established by ELIXIR Norway, hosted by UiO",
        RK,
        "SELECT ?creator ?host WHERE { svc:fega-norway dct:creator ?creator ; nolsi:hostInstitution ?host }",
        ("ri:elixir-norway", "inst:uio"),
    ),
    select(
        "Federated EGA Norway node: complies with GDPR and the Personal Data Act",
        RK,
        "SELECT ?law WHERE { svc:fega-norway nolsi:relevantLegislation ?law }",
        "law:gdpr",
        "law:lov-2018-06-15-38",
    ),
    ask(
        "Federated EGA Norway node: data reside on TSD, search through EGA",
        RK,
        "svc:fega-norway dct:relation svc:tsd ; schema:isBasedOn svc:ega",
    ),
    ask("TSD developed and operated by UiO", RK, "svc:tsd schema:provider inst:uio ; dct:creator inst:uio"),
    ask(
        "Feide can be linked with LS Login through eduGAIN",
        RK,
        "svc:ls-login nolsi:loginWith svc:feide ; schema:isRelatedTo svc:edugain . svc:feide "
        "schema:isRelatedTo svc:edugain",
    ),
    ask("EasyDMP from UNINETT Sigma2", RK, "svc:easydmp schema:provider inst:sigma2 ; dct:type stype:dmp-tool"),
    ask(
        "usegalaxy.no: Galaxy coupled with NeLS",
        RK,
        "svc:usegalaxy-no schema:isBasedOn tool:galaxy ; dct:relation svc:nels",
    ),
    ask(
        "NIRD owned and operated by Sigma2 NRIS", RK, "svc:nird schema:provider inst:nris ; dct:rightsHolder inst:nris"
    ),
    ask(
        "three Sigma2 HPC systems",
        RK,
        'svc:sigma2-hpc schema:provider inst:nris ; schema:additionalProperty [ schema:propertyID "systems" ; '
        "schema:value 3 ]",
    ),
    select(
        "NREC: UiB and UiO, with contributions from NeIC and Uninett",
        RK,
        "SELECT ?provider ?contributor WHERE { svc:nrec schema:provider ?provider ; dct:contributor ?contributor }",
        ("inst:uib", "inst:neic"),
        ("inst:uib", "inst:uninett"),
        ("inst:uio", "inst:neic"),
        ("inst:uio", "inst:uninett"),
    ),
    ask(
        "Educloud Research: USIT at UiO, up to red",
        RK,
        "svc:educloud-research schema:provider inst:uio-usit ; nolsi:maxClassificationLevel cls:red . "
        "inst:uio-usit org:unitOf inst:uio",
    ),
    ask(
        "HUNT Cloud: established 2013, owned by NTNU, operated by HUNT Research Centre",
        RK,
        'svc:hunt-cloud dct:created "2013"^^xsd:gYear ; dct:rightsHolder inst:ntnu ; schema:provider '
        "inst:hunt-research-centre . "
        "inst:hunt-research-centre org:unitOf inst:ntnu-department-of-public-health-and-nursing . "
        "inst:ntnu-department-of-public-health-and-nursing org:unitOf "
        "inst:ntnu-faculty-of-medicine-and-health-sciences . "
        "inst:ntnu-faculty-of-medicine-and-health-sciences org:unitOf inst:ntnu",
    ),
    ask(
        "SAFE: UiB's IT department, based on Normen",
        RK,
        "svc:safe schema:provider inst:uib-it ; dct:conformsTo law:normen . inst:uib-it org:unitOf inst:uib",
    ),
    ask("RETTE at UiB", RK, "svc:rette schema:provider inst:uib ; dct:type stype:compliance"),
    ask("Nettskjema works with TSD", RK, "svc:nettskjema dct:relation svc:tsd ; dct:type stype:data-collection"),
    ask(
        "MarDB: 120 metadata fields in each entry",
        RK,
        'svc:mardb schema:additionalProperty [ schema:propertyID "metadata-fields-per-entry" ; schema:value 120 ]',
    ),
    select(
        "Norway contributes to MarDB and MarFun",
        RK,
        "SELECT ?r WHERE { doc:seed-rdmkit-norway dct:references ?r }",
        "svc:mardb",
        "svc:marfun",
    ),
    ask("NREC the cloud says it is not the research-misconduct commission", RK, "svc:nrec skos:scopeNote ?note"),
]


@pytest.mark.parametrize("fact", RK_FACTS, ids=ids(RK_FACTS))
def test_seed_001_rdmkit_norway(graph, fact):
    check(graph, fact)


# 002: ELIXIR Norway news of 29 October 2020, the Norwegian COVID-19 Data Portal
COV = "seed-elixir-no-covid19-portal"
COV_FACTS = [
    select(
        "launched on 29 October 2020 by ELIXIR Norway",
        COV,
        "SELECT ?date ?service WHERE { ?e a schema:Event ; schema:startDate ?date ; schema:organizer "
        "ri:elixir-norway ; "
        "schema:about ?service }",
        ("2020-10-29", "svc:pathogens-portal-norway"),
    ),
    ask("hosted by the University of Tromsø", COV, "svc:pathogens-portal-norway nolsi:hostInstitution inst:uit"),
    select(
        "provided by ELIXIR Norway, BioMedData and the five nodes",
        COV,
        "SELECT ?provider WHERE { svc:pathogens-portal-norway schema:provider ?provider }",
        "ri:elixir-norway",
        "project:biomeddata",
        "node:elixir-norway-uib",
        "node:elixir-norway-uit",
        "node:elixir-norway-uio",
        "node:elixir-norway-ntnu",
        "node:elixir-norway-nmbu",
    ),
    ask(
        "coordinated with the European COVID-19 Data Portal",
        COV,
        "svc:pathogens-portal-norway schema:isRelatedTo svc:covid-19-data-portal",
    ),
    select(
        "the European portal: by the European Commission, EMBL and ELIXIR, in EOSC",
        COV,
        "SELECT ?creator WHERE { svc:covid-19-data-portal dct:creator ?creator ; dct:isPartOf ri:eosc }",
        "inst:european-commission",
        "inst:embl",
        "ri:elixir",
    ),
    select(
        "the Manifesto for COVID-19 Research, endorsed on 29 October 2020",
        COV,
        "SELECT ?agent ?date WHERE { [] a schema:EndorseAction ; schema:agent ?agent ; "
        "schema:object agr:manifesto-for-covid-19-research ; schema:startTime ?date }",
        ("ri:elixir-norway", "2020-10-29"),
        ("project:biomeddata", "2020-10-29"),
    ),
    select(
        "the Manifesto: by the European Commission, more than 500 organisations and 1500 individuals",
        COV,
        "SELECT ?publisher ?what ?min WHERE { agr:manifesto-for-covid-19-research dct:publisher ?publisher ; "
        "schema:additionalProperty [ schema:propertyID ?what ; schema:minValue ?min ] }",
        ("inst:european-commission", "endorsing-organisations", "500"),
        ("inst:european-commission", "endorsing-individuals", "1500"),
    ),
    select(
        "grants 270068 and 295932/F50 of the Research Council of Norway",
        COV,
        "SELECT ?number ?funded WHERE { ?grant frapo:hasGrantNumber ?number ; frapo:funds ?funded ; "
        "schema:funder inst:rcn }",
        ("270068", "ri:elixir-norway"),
        ("295932/F50", "project:biomeddata"),
    ),
    select(
        "roles on 29 October 2020",
        COV,
        roles_on("2020-10-29"),
        ("person:inge-jonassen", "role:head-of-node", "ri:elixir-norway"),
        ("person:inge-jonassen", "role:professor", "inst:uib"),
        ("person:inge-jonassen", "role:head-of-node", "node:elixir-norway-uib"),
        ("person:nils-peder-willassen", "role:head-of-node", "node:elixir-norway-uit"),
        ("person:eivind-hovig", "role:head-of-node", "node:elixir-norway-uio"),
        ("person:pal-saetrom", "role:head-of-node", "node:elixir-norway-ntnu"),
        ("person:dag-inge-vage", "role:head-of-node", "node:elixir-norway-nmbu"),
        ("person:christine-stansberg", "role:node-coordinator", "ri:elixir-norway"),
        ("person:john-arne-rottingen", "role:ceo", "inst:rcn"),
    ),
    select(
        "contacts",
        COV,
        ATTRIBUTED % "doc:seed-elixir-no-covid19-portal",
        ("person:christine-stansberg", "role:contact"),
        ("person:inge-jonassen", "role:contact"),
        ("person:nils-peder-willassen", "role:contact"),
    ),
    select(
        "further reading",
        COV,
        "SELECT ?doc WHERE { doc:seed-elixir-no-covid19-portal dct:references ?doc }",
        "policy:rcn-open-access-to-research-data",
        "policy:statement-on-data-sharing-in-public-health-emergency",
    ),
    select(
        "no telephone numbers, no job titles held as undated text",
        COV,
        "SELECT ?s WHERE { ?s schema:telephone|schema:jobTitle ?o }",
    ),
]


@pytest.mark.parametrize("fact", COV_FACTS, ids=ids(COV_FACTS))
def test_seed_002_covid19_portal(graph, fact):
    check(graph, fact)


# 003: ELIXIR news, the updated international strategy
INT = "seed-elixir-international-strategy"
INT_FACTS = [
    ask(
        "ELIXIR's strategy, aligned with the Programme 2024-28, replacing the 2019 strategy",
        INT,
        "policy:elixir-international-strategy dct:publisher ri:elixir ; dct:conformsTo "
        "policy:elixir-programme-2024-2028 ; "
        "dct:replaces policy:elixir-international-strategy-2019 . policy:elixir-international-strategy-2019 "
        'dct:issued "2019"^^xsd:gYear',
    ),
    select(
        "the Programme runs 2024-28",
        INT,
        "SELECT ?start ?end WHERE { policy:elixir-programme-2024-2028 dct:temporal [ dcat:startDate ?start ; "
        "dcat:endDate ?end ] }",
        ("2024", "2028"),
    ),
    select(
        "three objectives, in order",
        INT,
        "SELECT ?position ?objective WHERE { policy:elixir-international-strategy schema:hasPart ?o . "
        "?o schema:position ?position ; skos:prefLabel ?objective }",
        (
            "1",
            "Increase awareness of how ELIXIR's flagship resources enable and support research communities "
            "internationally",
        ),
        (
            "2",
            "Enhance ELIXIR's services through strategic collaborations with international "
            "bioinformatics-related initiatives and organisations",
        ),
        (
            "3",
            "Reinforce ELIXIR's global impact by collaboratively shaping international open science and open "
            "data policy developments",
        ),
    ),
    select(
        "international initiatives ELIXIR collaborates with",
        INT,
        "SELECT ?partner WHERE { ri:elixir org:linkedTo ?partner }",
        "inst:nih-odss",
        "inst:australian-biocommons",
        "inst:ga4gh",
    ),
    ask(
        "ODSS is an office of the US National Institutes of Health",
        INT,
        'inst:nih-odss org:unitOf inst:nih ; skos:altLabel "ODSS"@en . inst:nih skos:altLabel "NIH"@en . '
        'inst:ga4gh skos:altLabel "GA4GH"@en',
    ),
    select(
        "three priority regions",
        INT,
        "SELECT ?region WHERE { policy:elixir-international-strategy dct:spatial/skos:prefLabel ?region }",
        "Africa",
        "Canada",
        "Latin America and the Caribbean",
    ),
    select(
        "existing collaborations with the USA and Australia",
        INT,
        "SELECT ?region WHERE { policy:elixir-international-strategy schema:mentions ?r . ?r a schema:Place ; "
        "skos:prefLabel ?region }",
        "USA",
        "Australia",
    ),
    select(
        "ELIXIR-STEERS targets Latin America and Africa",
        INT,
        "SELECT ?region WHERE { policy:elixir-international-strategy dct:relation project:elixir-steers . "
        "project:elixir-steers schema:parentOrganization ri:elixir ; dct:spatial/skos:prefLabel ?region }",
        "Latin America",
        "Africa",
    ),
    select(
        "contact: Andrea Guzmán Mesa, ELIXIR International Relations Officer",
        INT,
        "SELECT ?name ?role ?organisation WHERE { doc:seed-elixir-international-strategy prov:qualifiedAttribution "
        "[ prov:agent ?p ; dcat:hadRole role:contact ] . ?p foaf:name ?name . "
        "?m org:member ?p ; org:role ?role ; org:organization ?organisation }",
        ("Andrea Guzmán Mesa", "role:international-relations-officer", "ri:elixir"),
    ),
]


@pytest.mark.parametrize("fact", INT_FACTS, ids=ids(INT_FACTS))
def test_seed_003_international_strategy(graph, fact):
    check(graph, fact)


# 004: ELIXIR project page, ELIXIR-CONVERGE
CON = "seed-elixir-converge"
CON_FACTS = [
    select(
        "1 February 2020 to 31 January 2023, 36 months",
        CON,
        "SELECT ?start ?end ?months WHERE { project:elixir-converge schema:startDate ?start ; schema:endDate ?end ; "
        "schema:duration ?d BIND(YEAR(?end) * 12 + MONTH(?end) - YEAR(?start) * 12 - MONTH(?start) + 1 AS ?months) "
        'FILTER(?d = "P36M"^^xsd:duration) }',
        ("2020-02-01", "2023-01-31", "36"),
    ),
    ask(
        "the dates are xsd:dates",
        CON,
        'project:elixir-converge schema:startDate "2020-02-01"^^xsd:date ; schema:endDate "2023-01-31"^^xsd:date',
    ),
    ask(
        "builds on ELIXIR-EXCELERATE, an H2020 project",
        CON,
        "project:elixir-converge prov:wasInfluencedBy project:elixir-excelerate . project:elixir-excelerate "
        "schema:funder ?h . "
        '?h skos:prefLabel "Horizon 2020"@en ; skos:altLabel "H2020"@en',
    ),
    select(
        "both are ELIXIR's projects",
        CON,
        "SELECT ?project WHERE { ?project a foaf:Project ; schema:parentOrganization ri:elixir }",
        "project:elixir-converge",
        "project:elixir-excelerate",
    ),
    select(
        "ELIXIR: 220 institutes in 23 Nodes",
        CON,
        "SELECT ?what ?n WHERE { ri:elixir schema:additionalProperty [ schema:propertyID ?what ; schema:value ?n ] }",
        ("institutes", "220"),
        ("nodes", "23"),
    ),
    ask(
        "the counts are integers",
        CON,
        "ri:elixir schema:additionalProperty [ schema:value ?n ] FILTER(DATATYPE(?n) = xsd:integer)",
    ),
    ask(
        "partners from the 23 Nodes",
        CON,
        'project:elixir-converge schema:additionalProperty [ schema:propertyID "elixir-nodes-with-partners" ; '
        "schema:value 23 ]",
    ),
    select(
        "posted on 3 January 2020 by Daniel Faria",
        CON,
        "SELECT ?date ?name WHERE { doc:seed-elixir-converge dct:issued ?date ; dct:creator/foaf:name ?name }",
        ("2020-01-03", "Daniel Faria"),
    ),
]


@pytest.mark.parametrize("fact", CON_FACTS, ids=ids(CON_FACTS))
def test_seed_004_elixir_converge(graph, fact):
    check(graph, fact)


# Across the graphs: the role periods and the merges that the seeds made necessary.
MERGED_FACTS = [
    select(
        "roles the 2026 roster no longer gives ended before 2026-04-29",
        "elixir-no-people",
        'SELECT ?m WHERE { ?m org:memberDuring/time:hasEnd/time:before/time:inXSDDate "2026-04-29"^^xsd:date }',
        "mship:inge-jonassen-head-of-node-elixir-norway-2020-06-17",
        "mship:inge-jonassen-head-of-node-elixir-norway-2020-10-29",
        "mship:inge-jonassen-head-of-node-elixir-norway-uib-2020-10-29",
        "mship:eivind-hovig-head-of-node-elixir-norway-uio-2020-10-29",
        "mship:nils-peder-willassen-head-of-node-elixir-norway-uit-2020-10-29",
        "mship:dag-inge-vage-head-of-node-elixir-norway-nmbu-2020-10-29",
        "mship:christine-stansberg-node-coordinator-elixir-norway-2020-10-29",
        "mship:stale-nygard-training-coordinator-elixir-norway-2020-09-02",
    ),
    select(
        "one node coordinator on 2023-11-13, in all sources",
        None,
        "SELECT DISTINCT ?person WHERE { ?m org:role role:node-coordinator ; org:member ?person ; "
        f'{PERIOD} "2023-11-13"^^xsd:date }}',
        "person:ingeborg-winge",
    ),
    select(
        "the 2000 Personal Data Act is repealed by the 2018 act",
        "web-regjeringen-ny-personopplysningslov",
        "SELECT ?new ?old WHERE { ?new eli:repeals ?old ; dct:replaces ?old }",
        ("law:lov-2018-06-15-38", "law:lov-2000-04-14-31"),
    ),
    ask(
        "St. Olavs Hospital is Trondheim University Hospital: one IRI",
        "elixir-no-news-biomeddata-kicked-off-today",
        'inst:st-olavs-hospital skos:altLabel "Trondheim University Hospital"@en . '
        "mship:st-olavs-hospital-associated-institution-biomeddata-2020-06-17 org:member inst:st-olavs-hospital",
    ),
    ask(
        "no IRI for Trondheim University Hospital besides St. Olavs",
        None,
        "{ ?s ?p <https://w3id.org/nolsi/id/org/trondheim-university-hospital> } UNION "
        "{ <https://w3id.org/nolsi/id/org/trondheim-university-hospital> ?p ?o }",
        False,
    ),
    ask(
        "FHI is an associated institution of BioMedData, dated, not one of its infrastructures",
        None,
        "FILTER NOT EXISTS { project:biomeddata schema:member inst:fhi } "
        "mship:fhi-associated-institution-biomeddata-2021-02-10 org:member inst:fhi ; org:role "
        "role:associated-institution ; "
        f'{PERIOD} "2021-02-10"^^xsd:date',
    ),
    ask(
        "the ELIXIR-CZ hosting is a 2020 statement about the 2020 production instance",
        None,
        "FILTER NOT EXISTS { svc:dsw-no nolsi:hostInstitution ?h } "
        "svc:dsw-no-production-2020 nolsi:hostInstitution ri:elixir-cz ; dct:isVersionOf svc:dsw-no ; "
        'dct:temporal/time:inside/time:inXSDDate "2020-09-02"^^xsd:date',
    ),
    ask(
        "the NNP hosting is the UiB chemistry department's statement of 2018-06-11",
        None,
        "FILTER NOT EXISTS { ri:nnp nolsi:hostInstitution ?h } "
        "?m org:member inst:uib-department-of-chemistry ; org:organization ri:nnp ; org:role role:host-institution ; "
        f'{PERIOD} "2018-06-11"^^xsd:date',
    ),
    ask(
        "FHI's portal does not carry the institute's name",
        None,
        'svc:fhi-infectious-diseases-portal skos:prefLabel|skos:altLabel "Folkehelseinstituttet (FHI)"@nb',
        False,
    ),
]


@pytest.mark.parametrize("fact", MERGED_FACTS, ids=ids(MERGED_FACTS))
def test_roles_and_merges(graph, fact):
    check(graph, fact)


@pytest.mark.parametrize("stem", sorted(SEED_GRAPHS.values()))
def test_no_seed_entity_is_only_a_description(graph, stem):
    """In a seed graph, an entity with a description also takes part in the data (a relation to or from
    it, a date, a count), beyond its types and names."""
    rows = solutions(
        graph.query(
            f"""SELECT ?entity WHERE {{ GRAPH g:{stem} {{ ?entity dct:description ?d
              FILTER NOT EXISTS {{ ?entity ?p ?o FILTER(?p NOT IN (rdf:type, skos:prefLabel, skos:altLabel,
                  skos:scopeNote, dct:description, dct:title)) }}
              FILTER NOT EXISTS {{ ?other ?q ?entity }} }} }}""",
            prefixes=PREFIXES,
        )
    )
    assert not rows, f"entities of g:{stem} that hold their facts only in a description: {rows}"


# The saved query that uses the role periods: it answers any date, or says the period is unknown.
HEADS_OF_OSLO = [
    ("2020-10-29", {("person/eivind-hovig", "held"), ("person/rein-aasland", "period unknown")}),
    ("2023-01-01", {("person/eivind-hovig", "period unknown"), ("person/rein-aasland", "period unknown")}),
    ("2026-04-29", {("person/eivind-hovig", "ended"), ("person/rein-aasland", "held")}),
    ("2030-01-01", {("person/eivind-hovig", "ended"), ("person/rein-aasland", "period unknown")}),
]


@pytest.mark.parametrize("on, expected", HEADS_OF_OSLO, ids=[on for on, _ in HEADS_OF_OSLO])
def test_heads_of_node_on_a_date(curated_store, on, expected):
    query = regenerate.saved_queries()["heads-of-node-on-date"]
    store = pyoxigraph.Store.read_only(str(loader_store.resolve(curated_store)))
    rows = regenerate.csv_rows(
        regenerate.run(store, query, {"on": on, "node": "https://w3id.org/nolsi/id/node/elixir-norway-uio"}).decode()
    )
    header, body = rows[0], rows[1:]
    got = {
        (row[header.index("person")].removeprefix("https://w3id.org/nolsi/id/"), row[header.index("status")])
        for row in body
    }
    assert got == expected
