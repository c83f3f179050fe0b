"""The saved queries on the web (sparql_api/saved.py): typed parameters, where a bad value of each type is
a 400 naming the parameter and hostile text is only ever data; ETag / 304; the catalogue, the
sparql-examples description, the OpenAPI document; each query's HTML page, in a browser too."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pyoxigraph
import pytest
import requests

from loader.settings import Settings
from sparql_api import catalogue
from sparql_api.app import create_app
from tests.conftest import FIXTURES, ROOT, in_process, nolsi
from tests.expected.regenerate import csv_rows
from tests.test_queries import ID, NAMES, QUERIES, SUFFIX, expected, get, projection, send

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
def test_invalid_value_is_a_400_naming_the_parameter(web, curated_server, kind, name, parameter, value, message):
    params = {**QUERIES[name].examples(), parameter: value}
    body = refused(get(web, curated_server, name, "json", params), parameter)
    assert message in body["error"]
    assert body["accepts"]


@pytest.mark.parametrize("name", NAMES)
def test_unknown_parameter_is_a_400(web, curated_server, name):
    params = {**QUERIES[name].examples(), "limit": "10"}
    body = refused(get(web, curated_server, name, SUFFIX[QUERIES[name].form], params), "limit")
    assert "unknown parameter" in body["error"]


@pytest.mark.parametrize("name", [n for n in NAMES if any(p.required for p in QUERIES[n].parameters)])
def test_missing_required_parameter_is_a_400(web, curated_server, name):
    query = QUERIES[name]
    for missing in (p for p in query.parameters if p.required):
        params = {k: v for k, v in query.examples().items() if k != missing.name}
        body = refused(get(web, curated_server, name, SUFFIX[query.form], params), missing.name)
        assert "is required" in body["error"]
        refused(get(web, curated_server, name, SUFFIX[query.form], {**params, missing.name: ""}), missing.name)


def test_a_parameter_given_twice_is_a_400(web, curated_server):
    response = web.get(f"{curated_server}/queries/other-names.json?label=TSD&label=NSD", timeout=60)
    refused(response, "label")


def test_unknown_query_and_unknown_suffix_are_404(web, curated_server):
    assert get(web, curated_server, "no-such-query", "json").status_code == 404
    assert get(web, curated_server, "other-names", "exe", {"label": "TSD"}).status_code == 404


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
def test_hostile_text_is_only_data(web, curated_server, labels, identifiers, value):
    """String parameters are bound as literals: whatever the text, the query keeps its shape.

    The right answer is worked out here, in Python, from the whole graph: the entities with a label
    containing the text, the laws whose identifier starts with it. Any extra row would mean the
    value changed the query."""
    response = send(web, curated_server, "other-names", "csv", {"label": value})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert csv_rows(response.text)[0] == projection("other-names")
    wanted = {entity for entity, label in labels if value.lower() in label.lower()}
    assert {row["entity"] for row in rows} == wanted
    assert all(row["label"] == value for row in rows)

    response = send(web, curated_server, "laws-by-lovdata-id", "csv", {"prefix": value})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert csv_rows(response.text)[0] == projection("laws-by-lovdata-id")
    assert sorted(row["identifier"] for row in rows) == sorted(
        i for i in identifiers if i.upper().startswith(value.upper())
    )


def test_hostile_text_through_post_is_only_data(web, curated_server, labels):
    value = '" } UNION { ?s ?p ?o } #'
    response = web.post(f"{curated_server}/queries/other-names.csv", data={"label": value}, timeout=60)
    assert response.status_code == 200 and csv_rows(response.text) == [projection("other-names")]


def test_text_that_matches_gives_the_right_rows(web, curated_server, labels):
    for value in ("covid-19", "NSD", "tsd"):
        rows = list(csv.DictReader(io.StringIO(get(web, curated_server, "other-names", "csv", {"label": value}).text)))
        assert rows and {r["entity"] for r in rows} == {e for e, label in labels if value.lower() in label.lower()}


@pytest.mark.parametrize(
    "value", ["urn:x:%22%7D%20UNION", "https://w3id.org/nolsi/id/service/tsd#x", "https://例え.jp/ü"]
)
def test_unusual_but_valid_iris_are_only_data(web, curated_server, value):
    response = get(web, curated_server, "fact-provenance", "csv", {"iri": value})
    assert response.status_code == 200, response.text
    assert csv_rows(response.text) == [projection("fact-provenance")]


def test_nothing_hostile_reaches_the_server_as_a_5xx(web, curated_server):
    for name in NAMES:
        query = QUERIES[name]
        for parameter in query.parameters:
            for value in ('" } UNION { ?s ?p ?o } #', "\n", "DROP ALL", "{", "🧬" * 10):
                params = {**query.examples(), parameter.name: value}
                response = send(web, curated_server, name, SUFFIX[query.form], params)
                assert response.status_code in (200, 400), (name, parameter.name, value, response.status_code)


# --- caching ----------------------------------------------------------------------------------------


def test_etag_and_304_on_a_saved_query(web, curated_server):
    params = {"label": "COVID-19"}
    first = get(web, curated_server, "other-names", "json", params)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag and first.headers["Cache-Control"] == "public, no-cache"
    again = get(web, curated_server, "other-names", "json", params, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    assert again.headers["ETag"] == etag
    other = get(web, curated_server, "other-names", "json", {"label": "NSD"})
    assert other.headers["ETag"] != etag
    assert (
        get(web, curated_server, "other-names", "json", {"label": "NSD"}, headers={"If-None-Match": etag}).status_code
        == 200
    )
    csv_version = get(web, curated_server, "other-names", "csv", params)
    assert csv_version.headers["ETag"] != etag


def test_results_of_every_query_revalidate(web, curated_server):
    for name in NAMES:
        query = QUERIES[name]
        first = get(web, curated_server, name, SUFFIX[query.form], query.examples())
        again = get(
            web,
            curated_server,
            name,
            SUFFIX[query.form],
            query.examples(),
            headers={"If-None-Match": first.headers["ETag"]},
        )
        assert again.status_code == 304, name


def test_json_results_carry_the_parameters_as_bound(web, curated_server):
    response = get(web, curated_server, "infrastructure-nodes", "json", {"ri": "elixir-norway", "date": "2020-10-29"})
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
def test_html_page_of_every_query_renders_with_its_examples(web, curated_server, name):
    query = QUERIES[name]
    response = web.get(
        f"{curated_server}/queries/{name}", params=query.examples(), headers={"Accept": "text/html"}, timeout=60
    )
    assert response.status_code == 200, response.text[-2000:]
    assert response.headers["Content-Type"].startswith("text/html")
    assert html.escape(query.title, quote=False) in response.text


def test_hostile_text_is_escaped_in_the_html_page(web, curated_server):
    value = '"><script>alert(1)</script>'
    response = web.get(
        f"{curated_server}/queries/other-names", params={"label": value}, headers={"Accept": "text/html"}, timeout=60
    )
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text


def test_the_catalogue_lists_every_saved_query(web, curated_server):
    listed = web.get(f"{curated_server}/queries", headers={"Accept": "application/json"}, timeout=60).json()["queries"]
    assert sorted(q["name"] for q in listed) == NAMES
    openapi = web.get(f"{curated_server}/api/openapi.json", timeout=60).json()
    assert sorted(openapi["paths"]) == sorted(f"/queries/{name}" for name in NAMES)
    for name in NAMES:
        assert isinstance(catalogue.parse(QUERIES[name].path, ROOT / "ontology"), catalogue.SavedQuery)


def test_sparql_examples_describe_every_saved_query(web, curated_server):
    """`/.well-known/sparql-examples`: one SHACL executable per query, with its text and the endpoint."""
    response = web.get(curated_server + "/.well-known/sparql-examples", headers={"Accept": "text/turtle"}, timeout=30)
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


def test_the_openapi_document_is_valid_and_typed(web, curated_server):
    """OpenAPI 3.1 as a validator reads it: typed defaults, the software version, a schema for every
    format of every answer, and the live answers fit the SPARQL JSON schema the document gives."""
    import importlib.metadata

    import jsonschema
    from openapi_spec_validator import validate
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    document = web.get(f"{curated_server}/api/openapi.json", timeout=60).json()
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
        answer = get(web, curated_server, name, "json", QUERIES[name].examples())
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
def test_a_saved_query_page_opens_with_its_examples_and_their_answer(web, curated_server, name):
    """Opened with no values, a page runs with the values its form shows, its examples, never a 400
    (services-for-classification said "parameter 'level' is required" while showing "red")."""
    query = QUERIES[name]
    response = web.get(f"{curated_server}/queries/{name}", headers={"Accept": "text/html"}, timeout=60)
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


def test_a_saved_query_page_links_iris_here_with_their_labels(web, curated_server):
    """The page's table links an IRI of the graph to its page here, not to w3id.org, with its label
    as the text and the IRI as the title (it showed raw IRIs leaving the site)."""
    response = web.get(f"{curated_server}/queries/infrastructure-nodes", headers={"Accept": "text/html"}, timeout=60)
    table = response.text[response.text.index('<table class="answer">') :]
    links = re.findall(r'<a href="([^"]+)" title="([^"]+)"[^>]*>([^<]*)</a>', table)
    assert links and not [href for href, _, _ in links if href.startswith("https://w3id.org/")]
    assert ("/doc/ri/elixir-norway", f"{ID}ri/elixir-norway", "ELIXIR Norway") in links
    assert ("/doc/org/uib", f"{ID}org/uib", "University of Bergen") in links
    assert ("/doc/vocab/role/head-of-node", "https://w3id.org/nolsi/vocab/role/head-of-node", "Head of node") in links


def test_a_field_left_empty_is_still_a_400_that_the_form_shows(web, curated_server):
    response = web.get(
        f"{curated_server}/queries/services-for-classification",
        params={"level": ""},
        headers={"Accept": "text/html"},
        timeout=60,
    )
    assert response.status_code == 400
    assert "parameter &#39;level&#39; is required" in response.text and form_values(response.text)["level"] == ""


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
    app = create_app(Settings.from_env(store=store, queries_dir=queries, evaluators=1))
    base = "http://localhost"
    try:
        with in_process(app, base) as local:
            page = local.get(f"{base}/queries/many-rows", headers={"Accept": "text/html"}, timeout=60)
            assert page.status_code == 200
            assert "Showing the first 1,000 of 2,000 rows" in page.text
            assert page.text.count("<tr>") == 1 + 1000  # the header and 1,000 rows
            assert len(csv_rows(get(local, base, "many-rows", "csv", {"first": "0"}).text)) == 1 + 2000
            graph = local.get(f"{base}/queries/a-graph", headers={"Accept": "text/html"}, timeout=60)
            assert graph.status_code == 200
            assert "2 triples" in graph.text and "&lt;http://example.org/tsd&gt;" in graph.text
            assert 'href="/queries/a-graph.ttl?s=http%3A%2F%2Fexample.org%2Ftsd"' in graph.text
    finally:
        app.extensions["nolsi.service"].close()
