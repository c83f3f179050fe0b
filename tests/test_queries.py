"""The saved queries of `queries/` on the real, validated graph: expected results, formats, parameters.

Each query runs with its example values (defaults fill the rest) and must give exactly the rows kept
in `tests/expected/queries/<name>.{csv,txt,nt}`: once through the live server (`GET /queries/<name>.<suffix>`)
and once straight through the evaluator. The fixtures are never rewritten here; after a reviewed data
change, run `tests/expected/regenerate.py` by hand and review its diff.

Every format gives the same rows. The web routes of saved queries (parameters, caching, pages, OpenAPI)
are tested in tests/test_saved.py.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlencode

import pyoxigraph
import pytest
import requests

from loader import store as stores
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


def get(web, base: str, name: str, suffix: str, params: dict | None = None, **kwargs) -> requests.Response:
    return web.get(f"{base}/queries/{name}.{suffix}", params=params or {}, timeout=60, **kwargs)


def send(web, base: str, name: str, suffix: str, params: dict) -> requests.Response:
    """GET, or POST where the values would make the request line longer than a server takes (about 4 kB)."""
    if len(urlencode(params)) < 3000:
        return get(web, base, name, suffix, params)
    return web.post(f"{base}/queries/{name}.{suffix}", data=params, timeout=60)


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
def test_live_server_answers_the_expected_rows(web, curated_server, name):
    query = QUERIES[name]
    response = get(web, curated_server, name, SUFFIX[query.form], query.examples())
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


def test_boolean_and_integer_filters_agree_with_other_queries(web, curated_server):
    signed = get(web, curated_server, "research-infrastructures", "csv", {"signed": "true"})
    signatories = get(
        web, curated_server, "agreement-signatories", "csv", {"agreement": "joint-strategic-statement-2023"}
    )
    ri = lambda r, column: {row[column] for row in csv.DictReader(io.StringIO(r.text))}  # noqa: E731
    assert ri(signed, "ri") == ri(signatories, "signatory") != set()
    big = list(
        csv.DictReader(io.StringIO(get(web, curated_server, "research-infrastructures", "csv", {"minNodes": "5"}).text))
    )
    everyone = list(csv.DictReader(io.StringIO(get(web, curated_server, "research-infrastructures", "csv").text)))
    assert big and {r["ri"] for r in big} == {r["ri"] for r in everyone if int(r["nodes"]) >= 5}


def test_leaders_change_with_the_date(web, curated_server):
    def leaders(date):
        response = get(web, curated_server, "infrastructure-nodes", "csv", {"ri": "elixir-norway", "date": date})
        assert response.status_code == 200
        return {(r["node"], r["leader"]) for r in csv.DictReader(io.StringIO(response.text)) if r["leader"]}

    then, now, before = leaders("2020-10-29"), leaders("2026-12-31"), leaders("2000-01-01")
    assert then and now and then != now
    assert before == set()


def test_ask_is_false_below_what_a_source_states(web, curated_server):
    response = get(web, curated_server, "service-allows-level", "json", {"service": "nird", "level": "black"})
    assert response.status_code == 200 and response.json()["boolean"] is False


# --- formats ----------------------------------------------------------------------------------------


def values_of(term) -> str:
    return "" if term is None else term.value


@pytest.mark.parametrize("name", SELECTS)
def test_csv_tsv_and_json_give_the_same_rows(web, curated_server, name):
    params = QUERIES[name].examples()
    responses = {s: get(web, curated_server, name, s, params) for s in ("csv", "tsv", "json", "xml")}
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


def test_construct_gives_the_same_graph_in_every_syntax(web, curated_server):
    name = "entity-neighbourhood"
    params = QUERIES[name].examples()
    graphs = {}
    for suffix, syntax in (
        ("nt", pyoxigraph.RdfFormat.N_TRIPLES),
        ("ttl", pyoxigraph.RdfFormat.TURTLE),
        ("rdf", pyoxigraph.RdfFormat.RDF_XML),
        ("jsonld", pyoxigraph.RdfFormat.JSON_LD),
    ):
        response = get(web, curated_server, name, suffix, params)
        assert response.status_code == 200, response.text
        graphs[suffix] = set(pyoxigraph.parse(response.content, format=syntax))
    assert graphs["nt"] and all(g == graphs["nt"] for g in graphs.values())
