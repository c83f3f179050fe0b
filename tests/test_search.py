"""The search box and the browse pages (sparql_api/search.py) through Flask's test client, on the
real curated graph: what they list is checked against the release's own dump."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph
import pytest
import requests
from pyoxigraph import NamedNode, RdfFormat

from loader.settings import Settings
from sparql_api.app import create_app
from sparql_api.linked import href
from tests.conftest import Page

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ID = "https://w3id.org/nolsi/id/"
RI = "https://w3id.org/nolsi/ontology#ResearchInfrastructure"


@pytest.fixture(scope="module")
def client(curated_store: Path):
    app = create_app(Settings.from_env(store=curated_store, evaluators=2))
    yield app.test_client()
    app.extensions["nolsi.service"].close()


@pytest.fixture(scope="module")
def instances(curated) -> dict[str, set[str]]:
    """The IRI instances of every class, from the release's N-Quads dump."""
    store = pyoxigraph.Store()
    store.load(curated.dump("nq"), format=RdfFormat.N_QUADS)
    found: dict[str, set[str]] = defaultdict(set)
    for quad in store.quads_for_pattern(None, RDF_TYPE, None):
        if isinstance(quad.subject, NamedNode) and isinstance(quad.object, NamedNode):
            found[quad.object.value].add(quad.subject.value)
    return found


def hits(text: str) -> list[str]:
    """The links of a results or instances list, in order."""
    found = re.search(r'<ol class="(?:hits|instances)"[^>]*>(.*?)</ol>', text, re.DOTALL)
    return re.findall(r'<li><a href="([^"]+)"', found.group(1)) if found else []


def next_link(text: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', text)
    return html.unescape(found.group(1)) if found else None


def test_every_html_page_has_a_search_box_that_needs_no_script(client):
    """A plain GET form to /search, on pages of every kind (templates of every blueprint)."""
    for path in ("/", "/doc/ri/elixir-norway", "/queries", "/queries/infrastructure-nodes", "/ontology", "/browse"):
        response = client.get(path, headers=BROWSER)
        assert response.status_code == 200, path
        form = re.search(
            r'<form class="search" role="search" action="/search" method="get">(.*?)</form>', response.text, re.DOTALL
        )
        assert form and 'name="q"' in form.group(1) and 'type="submit"' in form.group(1), path
    assert client.get("/sparql", headers=BROWSER).text.count('action="/search"') == 1


def test_search_finds_english_and_norwegian_names_and_links_locally(client):
    english = client.get("/search", query_string={"q": "biobank"}, headers=BROWSER)
    assert english.status_code == 200 and english.headers["Content-Type"].startswith("text/html")
    assert "/doc/ri/bbmri-no" in hits(english.text)
    assert all(link.startswith("/") for link in hits(english.text))  # never w3id.org
    norwegian = client.get("/search", query_string={"q": "sekvensering"}, headers=BROWSER).text
    assert hits(norwegian)[0] == "/doc/ri/norseq"
    assert "Nasjonalt konsortium for sekvensering" in norwegian  # the name that matched, beside the one shown
    assert '<a href="/browse/nolsi:ResearchInfrastructure">research infrastructure</a>' in norwegian  # its class
    assert 'value="sekvensering"' in norwegian  # the box keeps what was asked
    nothing = client.get("/search", query_string={"q": "no such name anywhere"}, headers=BROWSER)
    assert nothing.status_code == 200 and hits(nothing.text) == [] and "Nothing" in nothing.text


def test_search_results_agree_with_the_lookup_and_page_on(client):
    """Page 1 is what /api/lookup answers; the pages after it follow on, none repeated, until the last."""
    lookup = client.get("/api/lookup", query_string={"q": "e"}).get_json()
    first = client.get("/search", query_string={"q": "e"}, headers=BROWSER).text
    assert hits(first) == [href(result["iri"]) for result in lookup["results"]]
    assert len(hits(first)) == 20 and lookup["more"]
    seen, link, text, pages = [], "/search?q=e&page=1", first, 1
    while True:
        seen += hits(text)
        link = next_link(text)
        if link is None:
            break
        assert parse_qs(urlsplit(link).query) == {"q": ["e"], "page": [str(pages + 1)]}
        text = client.get(link, headers=BROWSER).text
        pages += 1
    assert pages > 3 and len(seen) == len(set(seen))


def test_search_narrowed_to_a_class(client, instances):
    response = client.get("/search", query_string={"q": "nor", "type": RI}, headers=BROWSER).text
    found = hits(response)
    assert found and all(link.startswith("/doc/ri/") for link in found)
    assert {"/doc/" + iri[len(ID) :] for iri in instances[RI]} >= set(found)
    assert f'<option value="{RI}" selected>research infrastructure</option>' in response


@pytest.mark.parametrize(
    "query, parameter",
    [
        ({"q": "x", "page": "0"}, "page"),
        ({"q": "x", "page": "two"}, "page"),
        ({"q": "x" * 201}, "q"),
        ({"q": "x", "kind": "ri"}, "kind"),
        ({"q": "x", "type": "not an iri"}, "type"),
    ],
)
def test_bad_search_parameters_are_a_400_page_that_says_which(client, query, parameter):
    response = client.get("/search", query_string=query, headers=BROWSER)
    assert response.status_code == 400 and response.headers["Content-Type"].startswith("text/html")
    assert f"parameter &#39;{parameter}&#39;" in response.text and 'class="error"' in response.text


def test_the_browse_page_lists_every_class_with_its_instances(client, instances):
    response = client.get("/browse", headers=BROWSER)
    assert response.status_code == 200
    rows = re.findall(
        r'<tr><td><a href="([^"]+)">[^<]*</a>(?: <code class="muted">[^<]*</code>)?</td>'
        r'<td class="number">([\d,]+)</td></tr>',
        response.text,
    )
    listed = {html.unescape(link): int(count.replace(",", "")) for link, count in rows}
    assert len(listed) == len(instances)
    assert listed["/browse/nolsi:ResearchInfrastructure"] == len(instances[RI])
    assert listed["/browse/schema:Organization"] == len(instances["https://schema.org/Organization"])


def test_a_class_page_lists_all_its_instances_by_name_over_its_pages(client, instances):
    everything = instances["https://schema.org/Organization"]
    assert len(everything) > 100  # more than two pages of 50
    seen, link, pages = [], "/browse/schema:Organization", 0
    while link:
        response = client.get(link, headers=BROWSER)
        assert response.status_code == 200, link
        seen += hits(response.text)
        link = next_link(response.text)
        pages += 1
    assert pages == -(-len(everything) // 50)
    assert sorted(seen) == sorted("/doc/" + iri[len(ID) :] for iri in everything)
    names = client.get("/browse/nolsi:ResearchInfrastructure", headers=BROWSER).text
    assert ">ELIXIR Norway</a>" in names and ">Biobank Norway</a>" in names
    labels = re.findall(r'<li><a href="[^"]+">([^<]+)</a>', names)
    assert labels == sorted(labels, key=lambda label: html.unescape(label).lower())


def test_a_class_without_a_prefix_goes_by_its_iri_and_a_prefixed_one_to_its_short_url(client):
    response = client.get("/browse", query_string={"class": "https://schema.org/Service", "page": "2"})
    assert response.status_code == 301 and response.headers["Location"] == "/browse/schema:Service?page=2"


@pytest.mark.parametrize(
    "path, status",
    [
        ("/browse/schema:NoSuchClass", 404),
        ("/browse/nope:Service", 404),
        ("/browse/schema:Service?page=99", 404),
        ("/browse/schema:Service?page=0", 400),
        ("/browse/schema:Service?sort=name", 400),
        ("/browse?class=not%20an%20iri", 400),
        ("/browse?class=urn:x:nothing", 404),
        ("/browse?foo=1", 400),
    ],
)
def test_unknown_classes_and_bad_pages_are_refused(client, path, status):
    assert client.get(path, headers=BROWSER).status_code == status


def test_browse_and_search_pages_revalidate(client):
    for path in ("/browse", "/browse/schema:Service", "/search?q=elixir"):
        first = client.get(path, headers=BROWSER)
        again = client.get(path, headers={**BROWSER, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
    assert (
        client.get("/search?q=elixir", headers=BROWSER).headers["ETag"]
        != client.get("/search?q=elixi", headers=BROWSER).headers["ETag"]
    )


def test_the_links_on_the_browse_pages_resolve(client):
    page = Page.of(client.get("/browse", headers=BROWSER).text)
    for link in [h for h in page.hrefs if h.startswith("/browse/")]:
        listing = client.get(link, headers=BROWSER)
        assert listing.status_code == 200, link
        for target in hits(listing.text)[:3]:
            if target.startswith("/"):
                assert client.get(target, headers=BROWSER).status_code == 200, target


# --- /api/lookup, behind the pickers of saved-query forms ------------------------------------------


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
