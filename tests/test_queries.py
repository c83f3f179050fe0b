"""The saved queries of `queries/` on the real, validated graph: expected results, formats, parameters.

Each query runs with its example values (defaults fill the rest) and must give exactly the rows kept
in `tests/expected/queries/<name>.{csv,txt,nt}`: once through the live server (`GET /queries/<name>.<suffix>`)
and once straight through the evaluator. The fixtures are never rewritten here; after a reviewed data
change, run `tests/expected/regenerate.py` by hand and review its diff.

Then the web path of the parameters: every format gives the same rows, a bad value of each type is a 400
naming the parameter, hostile text is only ever data, and results revalidate with ETag / 304.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from urllib.parse import urlencode

import pyoxigraph
import pytest
import requests

from loader import store as stores
from sparql_api import catalogue
from tests.conftest import ROOT
from tests.expected.regenerate import EXPECTED, canonical, csv_rows, fixture, run, saved_queries

QUERIES = saved_queries()
NAMES = sorted(QUERIES)
SELECTS = [name for name in NAMES if QUERIES[name].form == "SELECT"]
SUFFIX = {"SELECT": "csv", "ASK": "json", "CONSTRUCT": "nt", "DESCRIBE": "nt"}
ID = "https://w3id.org/nolsi/id/"


@pytest.fixture(scope="module")
def graph(curated_store) -> pyoxigraph.Store:
    return pyoxigraph.Store.read_only(str(stores.resolve(curated_store)))


def get(base: str, name: str, suffix: str, params: dict | None = None, **kwargs) -> requests.Response:
    return requests.get(f"{base}/queries/{name}.{suffix}", params=params or {}, timeout=60, **kwargs)


def send(base: str, name: str, suffix: str, params: dict) -> requests.Response:
    """GET, or POST where the values would make the request line longer than a server takes (about 4 kB)."""
    if len(urlencode(params)) < 3000:
        return get(base, name, suffix, params)
    return requests.post(f"{base}/queries/{name}.{suffix}", data=params, timeout=60)


def expected(name: str) -> str:
    path = fixture(QUERIES[name])
    assert path.is_file(), (
        f"no expected result {path.relative_to(ROOT)}: run tests/expected/regenerate.py and review it"
    )
    return path.read_text(encoding="utf-8")


def projection(name: str) -> list[str]:
    """The variables a SELECT projects, in order: the header of its fixture."""
    return csv_rows(expected(name))[0]


# --- the catalogue --------------------------------------------------------------------------------


def test_there_are_saved_queries_for_the_users_questions():
    assert len(QUERIES) >= 21
    forms = {q.form for q in QUERIES.values()}
    assert {"SELECT", "ASK", "CONSTRUCT"} <= forms


@pytest.mark.parametrize("name", NAMES)
def test_query_file_follows_the_conventions(name):
    query = QUERIES[name]
    text = query.text
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert query.title and query.description and query.tags, "title, description and tags"
    used = set(re.findall(r"\b([A-Za-z][A-Za-z0-9-]*):[A-Za-z_]", re.sub(r'"[^"]*"|<[^>]*>', "", body)))
    declared = set(re.findall(r"^PREFIX\s+([A-Za-z][A-Za-z0-9-]*):", body, re.MULTILINE))
    assert used <= declared, f"prefixes used without a PREFIX line: {sorted(used - declared)}"
    for parameter in query.parameters:
        assert parameter.example is not None or parameter.default is not None, parameter.name
        assert parameter.description, f"parameter {parameter.name} has no description"
    if query.form == "SELECT":
        assert re.search(r"\bORDER\s+BY\b", body), "a SELECT orders its rows, so that results are stable"
        head = body[body.index("SELECT") : body.index("WHERE")]
        for parameter in query.parameters:  # pyoxigraph binds only what the SELECT projects
            assert re.search(rf"\?{parameter.name}\b", head), f"{parameter.name} is not projected"
    assert not re.search(r"\b(IRI|URI)\s*\(", body, re.IGNORECASE), "IRIs come from typed parameters, not strings"
    assert not re.search(r"\bSERVICE\b", body), "no federated queries"


def test_every_fixture_belongs_to_a_query():
    wanted = {fixture(q).name for q in QUERIES.values()}
    present = {p.name for p in EXPECTED.iterdir() if p.suffix in (".csv", ".txt", ".nt")}
    assert present == wanted, f"stale: {sorted(present - wanted)}; missing: {sorted(wanted - present)}"


# --- expected results on the real graph -----------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_live_server_answers_the_expected_rows(curated_server, name):
    query = QUERIES[name]
    response = get(curated_server, name, SUFFIX[query.form], query.examples())
    assert response.status_code == 200, response.text
    assert response.headers["Result-Truncated"] == "false"
    assert canonical(query.form, response.content) == expected(name)


@pytest.mark.parametrize("name", NAMES)
def test_evaluator_answers_the_expected_rows(graph, name):
    query = QUERIES[name]
    assert canonical(query.form, run(graph, query)) == expected(name)


@pytest.mark.parametrize("name", NAMES)
def test_examples_find_something(name):
    query = QUERIES[name]
    kept = expected(name)
    if query.form == "SELECT":
        assert len(csv_rows(kept)) > 1, "the example values return no rows"
    elif query.form == "ASK":
        assert kept == "true\n"
    else:
        assert kept.strip(), "the example values return an empty graph"


def test_rows_do_not_repeat_in_any_fixture():
    for name in SELECTS:
        rows = [tuple(row) for row in csv_rows(expected(name))[1:]]
        assert len(rows) == len(set(rows)), name


def test_boolean_and_integer_filters_agree_with_other_queries(curated_server):
    signed = get(curated_server, "research-infrastructures", "csv", {"signed": "true"})
    signatories = get(curated_server, "agreement-signatories", "csv", {"agreement": "joint-strategic-statement-2023"})
    ri = lambda r, column: {row[column] for row in csv.DictReader(io.StringIO(r.text))}  # noqa: E731
    assert ri(signed, "ri") == ri(signatories, "signatory") != set()
    big = list(
        csv.DictReader(io.StringIO(get(curated_server, "research-infrastructures", "csv", {"minNodes": "5"}).text))
    )
    everyone = list(csv.DictReader(io.StringIO(get(curated_server, "research-infrastructures", "csv").text)))
    assert big and {r["ri"] for r in big} == {r["ri"] for r in everyone if int(r["nodes"]) >= 5}


def test_leaders_change_with_the_date(curated_server):
    def leaders(date):
        response = get(curated_server, "infrastructure-nodes", "csv", {"ri": "elixir-norway", "date": date})
        assert response.status_code == 200
        return {(r["node"], r["leader"]) for r in csv.DictReader(io.StringIO(response.text)) if r["leader"]}

    then, now, before = leaders("2020-10-29"), leaders("2026-12-31"), leaders("2000-01-01")
    assert then and now and then != now
    assert before == set()


def test_ask_is_false_below_what_a_source_states(curated_server):
    response = get(curated_server, "service-allows-level", "json", {"service": "nird", "level": "black"})
    assert response.status_code == 200 and response.json()["boolean"] is False


# --- formats ----------------------------------------------------------------------------------------


def values_of(term) -> str:
    return "" if term is None else term.value


@pytest.mark.parametrize("name", SELECTS)
def test_csv_tsv_and_json_give_the_same_rows(curated_server, name):
    params = QUERIES[name].examples()
    responses = {s: get(curated_server, name, s, params) for s in ("csv", "tsv", "json", "xml")}
    assert {s: r.status_code for s, r in responses.items()} == dict.fromkeys(responses, 200)
    assert responses["tsv"].headers["Content-Type"].startswith("text/tab-separated-values")
    assert responses["json"].headers["Content-Type"].startswith("application/sparql-results+json")
    parsed = {
        s: pyoxigraph.parse_query_results(responses[s].content, format=f)
        for s, f in (
            ("tsv", pyoxigraph.QueryResultsFormat.TSV),
            ("json", pyoxigraph.QueryResultsFormat.JSON),
            ("xml", pyoxigraph.QueryResultsFormat.XML),
        )
    }
    header = [str(v)[1:] for v in parsed["json"].variables]
    rows = {s: [tuple(solution[v] for v in header) for solution in results] for s, results in parsed.items()}
    assert rows["json"] == rows["tsv"] == rows["xml"], "same terms, same order"
    text_rows = [tuple(values_of(term) for term in row) for row in rows["json"]]
    assert csv_rows(responses["csv"].text) == [header] + [list(row) for row in text_rows]
    assert header == projection(name)


def test_construct_gives_the_same_graph_in_every_syntax(curated_server):
    name = "entity-neighbourhood"
    params = QUERIES[name].examples()
    graphs = {}
    for suffix, syntax in (
        ("nt", pyoxigraph.RdfFormat.N_TRIPLES),
        ("ttl", pyoxigraph.RdfFormat.TURTLE),
        ("rdf", pyoxigraph.RdfFormat.RDF_XML),
        ("jsonld", pyoxigraph.RdfFormat.JSON_LD),
    ):
        response = get(curated_server, name, suffix, params)
        assert response.status_code == 200, response.text
        graphs[suffix] = set(pyoxigraph.parse(response.content, format=syntax))
    assert graphs["nt"] and all(g == graphs["nt"] for g in graphs.values())


# --- parameters on the web --------------------------------------------------------------------------


def refused(response: requests.Response, parameter: str) -> dict:
    assert response.status_code == 400, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["parameter"] == parameter and parameter in body["error"], body
    return body


INVALID = [  # one saved query per parameter type, a value that type refuses, and what the message says
    ("iri", "fact-provenance", "iri", "not an iri", "is not an absolute IRI"),
    ("iri", "fact-provenance", "iri", "https://x/> } UNION { ?s ?p ?o } #", "is not an absolute IRI"),
    ("entity", "agreement-signatories", "agreement", "Joint Strategic Statement", "is not a slug"),
    ("entity", "infrastructure-nodes", "ri", f"{ID}ri/../org/uib", "is not a slug"),
    ("concept", "services-for-classification", "level", "purple", "one of: green, yellow, red, black"),
    ("concept", "laws-for-domain", "domain", "https://w3id.org/nolsi/vocab/domain/health-research", "is not allowed"),
    ("string", "other-names", "label", "x" * 2001, "the limit is 2000"),
    ("string", "laws-by-lovdata-id", "prefix", "LOV\x00", "NUL"),
    ("integer", "research-infrastructures", "minNodes", "1.5", "is not an integer"),
    ("boolean", "research-infrastructures", "signed", "maybe", "is not true or false"),
    ("date", "events-in-range", "from", "2023-02-30", "is not a date"),
    ("date", "infrastructure-nodes", "date", "29.10.2020", "is not a date"),
    ("enum", "external-identifiers", "registry", "wikidata", "one of: ror, orcid"),
]


def test_the_invalid_cases_cover_every_parameter_type_the_queries_use():
    used = {p.type for q in QUERIES.values() for p in q.parameters}
    assert used <= {case[0] for case in INVALID}


@pytest.mark.parametrize("kind, name, parameter, value, message", INVALID, ids=[f"{c[0]}-{c[2]}" for c in INVALID])
def test_invalid_value_is_a_400_naming_the_parameter(curated_server, kind, name, parameter, value, message):
    params = {**QUERIES[name].examples(), parameter: value}
    body = refused(get(curated_server, name, "json", params), parameter)
    assert message in body["error"]
    assert body["accepts"]


@pytest.mark.parametrize("name", NAMES)
def test_unknown_parameter_is_a_400(curated_server, name):
    params = {**QUERIES[name].examples(), "limit": "10"}
    body = refused(get(curated_server, name, SUFFIX[QUERIES[name].form], params), "limit")
    assert "unknown parameter" in body["error"]


@pytest.mark.parametrize("name", [n for n in NAMES if any(p.required for p in QUERIES[n].parameters)])
def test_missing_required_parameter_is_a_400(curated_server, name):
    query = QUERIES[name]
    for missing in (p for p in query.parameters if p.required):
        params = {k: v for k, v in query.examples().items() if k != missing.name}
        body = refused(get(curated_server, name, SUFFIX[query.form], params), missing.name)
        assert "is required" in body["error"]
        refused(get(curated_server, name, SUFFIX[query.form], {**params, missing.name: ""}), missing.name)


def test_a_parameter_given_twice_is_a_400(curated_server):
    response = requests.get(f"{curated_server}/queries/other-names.json?label=TSD&label=NSD", timeout=60)
    refused(response, "label")


def test_unknown_query_and_unknown_suffix_are_404(curated_server):
    assert get(curated_server, "no-such-query", "json").status_code == 404
    assert get(curated_server, "other-names", "exe", {"label": "TSD"}).status_code == 404


HOSTILE = [
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    '\\"',
    "}",
    "{",
    "#",
    "<",
    ">",
    "?s",
    "$s",
    '" } UNION { ?s ?p ?o } #',
    "' } UNION { ?s ?p ?o } #",
    '") } UNION { ?s ?p ?o } #',
    '")) } UNION { ?entity ?p ?o } #',
    "} UNION {",
    "DROP ALL",
    "; DROP ALL ;",
    '" . } ; DROP ALL ; INSERT DATA { <urn:x> <urn:y> "z" } #',
    "# a SPARQL comment",
    "TSD # comment",
    "*/ /* ",
    "COVID-19\n} UNION { ?s ?p ?o }",
    "line one\nline two",
    "\r\n",
    "\t",
    "%22%20%7D",
    "&name=x",
    "<script>alert(1)</script>",
    "Tromsø",
    "Ås",
    "ELIXIR Norge \u2013 «nasjonal»",
    "🧬",
    "\u202eNSD",
    "\ufeffTSD",
    "x" * 2000,
    ('" } UNION { ?s ?p ?o } #' * 80)[:2000],
]


@pytest.fixture(scope="module")
def labels(graph) -> list[tuple[str, str]]:
    """Every (entity, label) pair that `other-names` can match, read without any parameter."""
    found = graph.query(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT DISTINCT ?entity ?label WHERE { { ?entity skos:prefLabel ?label } UNION { ?entity "
        "skos:altLabel ?label } "
        "?entity skos:prefLabel ?en . FILTER(lang(?en) = 'en') ?entity skos:altLabel ?other }"
    )
    return [(s["entity"].value, s["label"].value) for s in found]


@pytest.fixture(scope="module")
def identifiers(graph) -> list[str]:
    found = graph.query(
        "SELECT DISTINCT ?id WHERE { ?law a <http://data.europa.eu/eli/ontology#LegalResource> ; "
        "<http://data.europa.eu/eli/ontology#id_local> ?id }"
    )
    return [s["id"].value for s in found]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_is_only_data(curated_server, labels, identifiers, value):
    """String parameters are bound as literals: whatever the text, the query keeps its shape.

    The right answer is worked out here, in Python, from the whole graph: the entities with a label
    containing the text, the laws whose identifier starts with it. Any extra row would mean the
    value changed the query."""
    response = send(curated_server, "other-names", "csv", {"label": value})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert csv_rows(response.text)[0] == projection("other-names")
    wanted = {entity for entity, label in labels if value.lower() in label.lower()}
    assert {row["entity"] for row in rows} == wanted
    assert all(row["label"] == value for row in rows)

    response = send(curated_server, "laws-by-lovdata-id", "csv", {"prefix": value})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert csv_rows(response.text)[0] == projection("laws-by-lovdata-id")
    assert sorted(row["identifier"] for row in rows) == sorted(
        i for i in identifiers if i.upper().startswith(value.upper())
    )


def test_hostile_text_through_post_is_only_data(curated_server, labels):
    value = '" } UNION { ?s ?p ?o } #'
    response = requests.post(f"{curated_server}/queries/other-names.csv", data={"label": value}, timeout=60)
    assert response.status_code == 200 and csv_rows(response.text) == [projection("other-names")]


def test_text_that_matches_gives_the_right_rows(curated_server, labels):
    for value in ("covid-19", "NSD", "tsd"):
        rows = list(csv.DictReader(io.StringIO(get(curated_server, "other-names", "csv", {"label": value}).text)))
        assert rows and {r["entity"] for r in rows} == {e for e, label in labels if value.lower() in label.lower()}


@pytest.mark.parametrize(
    "value", ["urn:x:%22%7D%20UNION", "https://w3id.org/nolsi/id/service/tsd#x", "https://例え.jp/ü"]
)
def test_unusual_but_valid_iris_are_only_data(curated_server, value):
    response = get(curated_server, "fact-provenance", "csv", {"iri": value})
    assert response.status_code == 200, response.text
    assert csv_rows(response.text) == [projection("fact-provenance")]


def test_nothing_hostile_reaches_the_server_as_a_5xx(curated_server):
    for name in NAMES:
        query = QUERIES[name]
        for parameter in query.parameters:
            for value in ('" } UNION { ?s ?p ?o } #', "\n", "DROP ALL", "{", "🧬" * 10):
                params = {**query.examples(), parameter.name: value}
                response = send(curated_server, name, SUFFIX[query.form], params)
                assert response.status_code in (200, 400), (name, parameter.name, value, response.status_code)


# --- caching ----------------------------------------------------------------------------------------


def test_etag_and_304_on_a_saved_query(curated_server):
    params = {"label": "COVID-19"}
    first = get(curated_server, "other-names", "json", params)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag and first.headers["Cache-Control"] == "public, no-cache"
    again = get(curated_server, "other-names", "json", params, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    assert again.headers["ETag"] == etag
    other = get(curated_server, "other-names", "json", {"label": "NSD"})
    assert other.headers["ETag"] != etag
    assert (
        get(curated_server, "other-names", "json", {"label": "NSD"}, headers={"If-None-Match": etag}).status_code == 200
    )
    csv_version = get(curated_server, "other-names", "csv", params)
    assert csv_version.headers["ETag"] != etag


def test_results_of_every_query_revalidate(curated_server):
    for name in NAMES:
        query = QUERIES[name]
        first = get(curated_server, name, SUFFIX[query.form], query.examples())
        again = get(
            curated_server,
            name,
            SUFFIX[query.form],
            query.examples(),
            headers={"If-None-Match": first.headers["ETag"]},
        )
        assert again.status_code == 304, name


def test_json_results_carry_the_parameters_as_bound(curated_server):
    response = get(curated_server, "infrastructure-nodes", "json", {"ri": "elixir-norway", "date": "2020-10-29"})
    bindings = response.json()["results"]["bindings"]
    assert bindings
    assert {b["ri"]["value"] for b in bindings} == {f"{ID}ri/elixir-norway"}
    assert {json.dumps(b["date"], sort_keys=True) for b in bindings} == {
        json.dumps(
            {"type": "literal", "datatype": "http://www.w3.org/2001/XMLSchema#date", "value": "2020-10-29"},
            sort_keys=True,
        )
    }


@pytest.mark.parametrize("name", NAMES)
def test_html_page_of_every_query_renders_with_its_examples(curated_server, name):
    query = QUERIES[name]
    response = requests.get(
        f"{curated_server}/queries/{name}", params=query.examples(), headers={"Accept": "text/html"}, timeout=60
    )
    assert response.status_code == 200, response.text[-2000:]
    assert response.headers["Content-Type"].startswith("text/html")
    assert html.escape(query.title, quote=False) in response.text


def test_hostile_text_is_escaped_in_the_html_page(curated_server):
    value = '"><script>alert(1)</script>'
    response = requests.get(
        f"{curated_server}/queries/other-names", params={"label": value}, headers={"Accept": "text/html"}, timeout=60
    )
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text


def test_the_catalogue_lists_every_saved_query(curated_server):
    listed = requests.get(f"{curated_server}/queries", headers={"Accept": "application/json"}, timeout=60).json()[
        "queries"
    ]
    assert sorted(q["name"] for q in listed) == NAMES
    openapi = requests.get(f"{curated_server}/api/openapi.json", timeout=60).json()
    assert sorted(openapi["paths"]) == sorted(f"/queries/{name}" for name in NAMES)
    for name in NAMES:
        assert isinstance(catalogue.parse(QUERIES[name].path, ROOT / "ontology"), catalogue.SavedQuery)


def test_sparql_examples_describe_every_saved_query(curated_server):
    """`/.well-known/sparql-examples`: one SHACL executable per query, with its text and the endpoint."""
    response = requests.get(
        curated_server + "/.well-known/sparql-examples", headers={"Accept": "text/turtle"}, timeout=30
    )
    assert response.status_code == 200, response.text
    examples = pyoxigraph.Store()
    examples.load(response.content, format=pyoxigraph.RdfFormat.TURTLE)
    rows = examples.query(
        "PREFIX sh: <http://www.w3.org/ns/shacl#> PREFIX schema: <https://schema.org/> "
        "SELECT ?q ?text ?target WHERE { ?q a sh:SPARQLExecutable ; schema:target ?target ; "
        "sh:select|sh:ask|sh:construct|sh:describe ?text }"
    )
    found = {row["q"].value.rsplit("/", 1)[-1]: (row["text"].value, row["target"].value) for row in rows}
    assert set(found) == set(QUERIES)
    for name, (text, target) in found.items():
        assert text == QUERIES[name].text
        assert target == curated_server + "/sparql"


def test_the_openapi_document_is_valid_and_typed(curated_server):
    """OpenAPI 3.1 as a validator reads it: typed defaults, the software version, a schema for every
    format of every answer, and the live answers fit the SPARQL JSON schema the document gives."""
    import importlib.metadata

    import jsonschema
    from openapi_spec_validator import validate
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    document = requests.get(f"{curated_server}/api/openapi.json", timeout=60).json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["version"] == importlib.metadata.version("nolsi")
    parameters = {(path, p["name"]): p for path, item in document["paths"].items() for p in item["get"]["parameters"]}
    assert parameters["/queries/research-infrastructures", "signed"]["schema"]["default"] is False
    assert parameters["/queries/research-infrastructures", "minNodes"]["schema"]["default"] == 0
    assert type(parameters["/queries/research-infrastructures", "minNodes"]["schema"]["default"]) is int
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(document))
    for name in NAMES:
        content = document["paths"][f"/queries/{name}"]["get"]["responses"]["200"]["content"]
        wanted = {
            "SELECT": "text/csv",
            "ASK": "application/sparql-results+json",
            "CONSTRUCT": "text/turtle",
            "DESCRIBE": "text/turtle",
        }[QUERIES[name].form]
        assert wanted in content and all("schema" in media for media in content.values()), name
        if QUERIES[name].form not in ("SELECT", "ASK"):
            continue
        answer = get(curated_server, name, "json", QUERIES[name].examples())
        assert answer.status_code == 200, answer.text
        pointer = (
            f"urn:openapi#/paths/~1queries~1{name}/get/responses/200/content/application~1sparql-results+json/schema"
        )
        jsonschema.Draft202012Validator({"$ref": pointer}, registry=registry).validate(answer.json())


# --- the saved-query page in a browser, and the lookup behind its pickers -------------------------

from playwright.sync_api import expect  # noqa: E402


def form_values(page: str) -> dict[str, str]:
    """The value each field of a saved-query form shows: an input's value, a select's selected option."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.values, self.select = {}, None

        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            if tag == "input" and attributes.get("name"):
                self.values[attributes["name"]] = attributes.get("value") or ""
            elif tag == "select":
                self.select = attributes["name"]
                self.values.setdefault(self.select, "")
            elif tag == "option" and self.select and "selected" in attributes:
                self.values[self.select] = attributes.get("value", "")
                self.pending = self.select if "value" not in attributes else None

        def handle_data(self, data):
            if getattr(self, "pending", None):
                self.values[self.pending] = data.strip()
                self.pending = None

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None

    reader = Reader()
    reader.feed(page)
    return reader.values


@pytest.mark.parametrize("name", NAMES)
def test_a_saved_query_page_opens_with_its_examples_and_their_answer(curated_server, name):
    """Opened with no values, a page runs with the values its form shows, its examples, never a 400
    (services-for-classification said "parameter 'level' is required" while showing "red")."""
    query = QUERIES[name]
    response = requests.get(f"{curated_server}/queries/{name}", headers={"Accept": "text/html"}, timeout=60)
    assert response.status_code == 200, response.text[-2000:]
    shown = form_values(response.text)
    assert {p.name: shown[p.name] for p in query.parameters if p.example is not None} == query.examples()
    assert 'class="error"' not in response.text
    if query.form == "SELECT":
        rows = len(csv_rows(expected(name))) - 1
        assert f"{rows} rows" in response.text
    elif query.form == "ASK":
        answer = "yes" if expected(name).strip() == "true" else "no"
        assert f"Answer: <strong>{answer}</strong>" in response.text


def test_a_saved_query_page_links_iris_here_with_their_labels(curated_server):
    """The page's table links an IRI of the graph to its page here, not to w3id.org, with its label
    as the text and the IRI as the title (it showed raw IRIs leaving the site)."""
    response = requests.get(
        f"{curated_server}/queries/infrastructure-nodes", headers={"Accept": "text/html"}, timeout=60
    )
    table = response.text[response.text.index('<table class="answer">') :]
    links = re.findall(r'<a href="([^"]+)" title="([^"]+)"[^>]*>([^<]*)</a>', table)
    assert links and not [href for href, _, _ in links if href.startswith("https://w3id.org/")]
    assert ("/doc/ri/elixir-norway", f"{ID}ri/elixir-norway", "ELIXIR Norway") in links
    assert ("/doc/org/uib", f"{ID}org/uib", "University of Bergen") in links
    assert ("/doc/vocab/role/head-of-node", "https://w3id.org/nolsi/vocab/role/head-of-node", "Head of node") in links


def test_a_field_left_empty_is_still_a_400_that_the_form_shows(curated_server):
    response = requests.get(
        f"{curated_server}/queries/services-for-classification",
        params={"level": ""},
        headers={"Accept": "text/html"},
        timeout=60,
    )
    assert response.status_code == 400
    assert "parameter &#39;level&#39; is required" in response.text and form_values(response.text)["level"] == ""


def lookup(base: str, **params) -> requests.Response:
    return requests.get(f"{base}/api/lookup", params=params, timeout=60)


def test_lookup_finds_entities_by_any_label_in_either_language(curated_server):
    found = lookup(curated_server, q="Biobank").json()
    assert found["q"] == "Biobank" and 0 < len(found["results"]) <= 20
    assert {"iri": f"{ID}ri/bbmri-no", "label": "Biobank Norway", "matched": "Biobank Norway"} in found["results"]
    ranks = [
        0 if r["matched"].lower() == "biobank" else 1 if r["matched"].lower().startswith("biobank") else 2
        for r in found["results"]
    ]
    assert ranks == sorted(ranks) and ranks[-1] == 2  # exact, then prefix, then substring matches
    norwegian = lookup(curated_server, q="sekvensering", prefix=f"{ID}ri/").json()["results"]
    assert [r["iri"] for r in norwegian] == [f"{ID}ri/norseq"]
    assert norwegian[0]["label"] == "National Consortium for Sequencing and Personalized Medicine"
    typed = lookup(curated_server, q="nor", type="https://w3id.org/nolsi/ontology#ResearchInfrastructure").json()[
        "results"
    ]
    assert typed and all(r["iri"].startswith(f"{ID}ri/") for r in typed)
    assert f"{ID}ri/elixir-norway" in [r["iri"] for r in typed]
    concepts = lookup(curated_server, q="", prefix="https://w3id.org/nolsi/vocab/domain/").json()
    assert len(concepts["results"]) == 20 and concepts["more"] is True
    assert lookup(curated_server, q="no such name anywhere").json()["results"] == []


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"q": "x", "kind": "ri"}, "kind"),
        ({"q": "x" * 201}, "q"),
        ({"q": "x", "prefix": "not an iri"}, "prefix"),
        ({"q": "x", "type": "<urn:x> } SELECT"}, "type"),
    ],
)
def test_lookup_refuses_bad_parameters_with_a_400_naming_them(curated_server, params, parameter):
    response = lookup(curated_server, **params)
    assert response.status_code == 400 and response.json()["parameter"] == parameter


@pytest.mark.parametrize("text", ['") } SELECT * WHERE { ?s ?p ?o } #', "\\", '"""', "'", "?q"])
def test_lookup_text_is_only_data(curated_server, text):
    response = lookup(curated_server, q=text)
    assert response.status_code == 200
    assert all(text.lower() in r["matched"].lower() for r in response.json()["results"])


def test_lookup_revalidates(curated_server):
    first = lookup(curated_server, q="elixir")
    again = requests.get(
        f"{curated_server}/api/lookup",
        params={"q": "elixir"},
        headers={"If-None-Match": first.headers["ETag"]},
        timeout=60,
    )
    assert again.status_code == 304


@pytest.mark.parametrize("width", [1280, 390])
def test_a_saved_query_page_in_a_browser_opens_answered_and_picks_an_entity_by_name(
    curated_server, browser, tmp_path, width
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        with page.expect_response(lambda r: "/queries/infrastructure-nodes" in r.url) as opened:
            page.goto(f"{curated_server}/queries/infrastructure-nodes")
        assert opened.value.status == 200
        assert page.input_value("#p-ri") == "elixir-norway"
        first = page.locator("table tbody tr").count()
        assert first > 0
        page.screenshot(path=str(tmp_path / f"query-opened-{width}.png"), full_page=True)

        page.fill("#p-ri", "")
        page.fill("#p-date", "")
        page.locator("#p-ri").press_sequentially("biobank n", delay=30)
        option = page.locator("#p-ri-options [role=option]", has_text="Biobank Norway")
        expect(option).to_be_visible(timeout=10_000)
        expect(page.locator("#p-ri")).to_have_attribute("aria-expanded", "true")
        page.screenshot(path=str(tmp_path / f"query-picker-{width}.png"))
        option.click()
        assert page.input_value("#p-ri") == "bbmri-no"
        expect(page.locator("#p-ri-options")).to_be_hidden()

        page.fill("#p-ri", "")
        page.locator("#p-ri").press_sequentially("sekvenser", delay=30)  # the keyboard way, a Norwegian name
        expect(page.locator("#p-ri-options [role=option]").first).to_be_visible(timeout=10_000)
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        assert page.input_value("#p-ri") == "norseq"
        with page.expect_navigation():
            page.locator("form.params button[type=submit]").click()
        assert "ri=norseq" in page.url
        expect(page.locator("table tbody tr").first).to_be_visible()
        assert page.locator("p.error").count() == 0
        page.screenshot(path=str(tmp_path / f"query-picked-{width}.png"), full_page=True)
        assert errors == []
    finally:
        context.close()


def test_a_page_shows_at_most_a_thousand_rows_and_a_graph_as_turtle(tmp_path):
    """A page's table stops at 1,000 rows and says how many there are; the files have them all.
    A CONSTRUCT page opens with its graph (it showed nothing)."""
    from tests.conftest import FIXTURES, nolsi, serving

    queries = tmp_path / "queries"
    queries.mkdir()
    digits = "{ 0 1 2 3 4 5 6 7 8 9 }"
    (queries / "many-rows.rq").write_text(
        "#+ title: Many rows\n#+ description: 2,000 rows from no data.\n"
        "#+ param: first type=integer example=0\n"
        f"SELECT ?first ?a ?b ?c ?d WHERE {{ VALUES ?a {digits} VALUES ?b {digits} VALUES ?c {digits} VALUES "
        f"?d {{ 0 1 }} }}\n"
    )
    (queries / "a-graph.rq").write_text(
        "#+ title: A graph\n#+ description: The sample's triples.\n"
        "#+ param: s type=iri example=http://example.org/tsd\n"
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }\n"
    )
    store = tmp_path / "store"
    assert (
        nolsi("build", "--no-shapes", "--store", store, FIXTURES / "valid" / "formats" / "sample.ttl").returncode == 0
    )
    with serving("--store", store, env={"NOLSI_QUERIES_DIR": str(queries)}) as base:
        page = requests.get(f"{base}/queries/many-rows", headers={"Accept": "text/html"}, timeout=60)
        assert page.status_code == 200
        assert "Showing the first 1,000 of 2,000 rows" in page.text
        assert page.text.count("<tr>") == 1 + 1000  # the header and 1,000 rows
        assert len(csv_rows(get(base, "many-rows", "csv", {"first": "0"}).text)) == 1 + 2000
        graph = requests.get(f"{base}/queries/a-graph", headers={"Accept": "text/html"}, timeout=60)
        assert graph.status_code == 200
        assert "2 triples" in graph.text and "&lt;http://example.org/tsd&gt;" in graph.text
        assert 'href="/queries/a-graph.ttl?s=http%3A%2F%2Fexample.org%2Ftsd"' in graph.text
