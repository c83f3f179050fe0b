"""Entity, concept and graph pages on the real curated graph: dereferencing as Linked Data clients
and the FAIR assessors do it (W3C "Cool URIs"; vocabularies-and-fair.md B.2, B.11).

A sample of up to 20 entities of every kind is followed from its IRI through the 303 to its
document, in HTML and in every RDF syntax; each answer must parse and carry the entity's label.
"""

from __future__ import annotations

import html
import random
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pyoxigraph
import pytest
import requests
from pyoxigraph import Literal, NamedNode, RdfFormat

from tests.conftest import SYNTAXES, Page

ID = "https://w3id.org/nolsi/id/"
VOCAB = "https://w3id.org/nolsi/vocab/"
GRAPH = "https://w3id.org/nolsi/graph/"
LABELS = tuple(
    NamedNode(p)
    for p in (
        "http://www.w3.org/2004/02/skos/core#prefLabel",
        "http://www.w3.org/2000/01/rdf-schema#label",
        "http://xmlns.com/foaf/0.1/name",
        "https://schema.org/name",
        "http://purl.org/dc/terms/title",
    )
)
SAME_AS = NamedNode("https://schema.org/sameAs")
DERIVED_FROM = NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
RDF_TYPES = ("text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples")
AUTHORITIES = {
    "ror.org",
    "orcid.org",
    "doi.org",
    "lovdata.no",
    "bio.tools",
    "fairsharing.org",
    "www.wikidata.org",
    "eur-lex.europa.eu",
}
SAMPLE = 20


def parse(response: requests.Response) -> list:
    """Quads for N-Quads and TriG, triples for the other syntaxes."""
    syntax = SYNTAXES[response.headers["Content-Type"].split(";")[0]]
    parsed = pyoxigraph.parse(response.content, format=syntax, base_iri=response.url)
    return list(parsed) if syntax in (RdfFormat.N_QUADS, RdfFormat.TRIG) else [q.triple for q in parsed]


def path_of(iri: str) -> str:
    return iri.removeprefix("https://w3id.org/nolsi")


def in_parallel(function, items) -> list:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(function, items))


@pytest.fixture(scope="module")
def dump(curated) -> pyoxigraph.Store:
    """The release's N-Quads dump in a store: what the pages are checked against."""
    store = pyoxigraph.Store()
    store.load(curated.dump("nq"), format=RdfFormat.N_QUADS)
    return store


@pytest.fixture(scope="module")
def triples(dump) -> list[pyoxigraph.Triple]:
    return sorted({q.triple for q in dump}, key=str)


@pytest.fixture(scope="module")
def labelled(triples) -> dict[str, dict[str, Literal]]:
    """Entities by kind, each with one of its labels (English when it has one)."""
    found: dict[str, dict[str, Literal]] = defaultdict(dict)
    for t in triples:
        if t.predicate in LABELS and isinstance(t.subject, NamedNode) and t.subject.value.startswith(ID):
            kind = t.subject.value[len(ID) :].split("/")[0]
            current = found[kind].get(t.subject.value)
            if current is None or (t.object.language == "en" and current.language != "en"):
                found[kind][t.subject.value] = t.object
    return found


@pytest.fixture(scope="module")
def sample(labelled) -> list[tuple[str, Literal]]:
    chosen = []
    for kind, entities in sorted(labelled.items()):
        names = sorted(entities)
        for iri in random.Random(kind).sample(names, min(SAMPLE, len(names))):
            chosen.append((iri, entities[iri]))
    return chosen


def test_the_sample_covers_every_kind(labelled, sample):
    kinds = {iri[len(ID) :].split("/")[0] for iri, _ in sample}
    assert {"ri", "node", "org", "person", "service", "law", "document", "grant", "project", "membership"} <= kinds
    assert kinds == set(labelled)
    assert len(sample) >= 150


def test_entity_iris_answer_303_with_their_document(web, curated, sample):
    def check(entry):
        iri, label = entry
        response = web.get(curated.base + path_of(iri), headers=BROWSER, allow_redirects=False)
        assert response.status_code == 303, iri
        assert response.headers["Location"] == "/doc/" + iri[len(ID) :]
        page = web.get(curated.base + response.headers["Location"], headers=BROWSER)
        assert page.status_code == 200, iri
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert label.value in html.unescape(page.text), iri

    in_parallel(check, sample)


@pytest.mark.parametrize("accept", RDF_TYPES)
def test_entity_documents_in_every_rdf_syntax(web, curated, sample, accept):
    def check(entry):
        iri, label = entry
        response = web.get(curated.base + path_of(iri), headers={"Accept": accept})  # follows the 303
        assert response.status_code == 200, iri
        assert response.url == curated.base + "/doc/" + iri[len(ID) :]
        assert response.headers["Content-Type"].split(";")[0] == accept
        assert response.headers["Vary"] == "Accept, Accept-Encoding"  # the body depends on both
        statements = parse(response)
        assert any(t.subject == NamedNode(iri) and t.predicate in LABELS and t.object == label for t in statements), iri

    in_parallel(check, sample)


def test_every_entity_in_the_graph_dereferences(web, curated, triples):
    """Every IRI under /id/, subject or object, has a document that holds its triples."""
    about: dict[str, set] = defaultdict(set)
    for t in triples:
        if isinstance(t.subject, pyoxigraph.BlankNode) or isinstance(t.object, pyoxigraph.BlankNode):
            continue  # blank nodes get new names in every parse
        for node in (t.subject, t.object):
            if isinstance(node, NamedNode) and node.value.startswith(ID):
                about[node.value].add(t)

    def check(iri):
        response = web.get(f"{curated.base}/doc/{iri[len(ID) :]}.nt")
        assert response.status_code == 200, iri
        assert about[iri] <= set(parse(response)), iri

    in_parallel(check, sorted(about))


def test_the_document_says_where_it_comes_from(web, curated, dump):
    iri = ID + "ri/elixir-norway"
    response = web.get(f"{curated.base}/doc/ri/elixir-norway.ttl")
    statements = parse(response)
    page = NamedNode(curated.base + "/doc/ri/elixir-norway")
    assert pyoxigraph.Triple(page, NamedNode("http://xmlns.com/foaf/0.1/primaryTopic"), NamedNode(iri)) in statements
    licence = NamedNode("https://creativecommons.org/licenses/by/4.0/")
    assert pyoxigraph.Triple(page, NamedNode("http://purl.org/dc/terms/license"), licence) in statements
    graphs = {q.graph_name for q in dump.quads_for_pattern(NamedNode(iri), None, None)}
    graphs |= {q.graph_name for q in dump.quads_for_pattern(None, None, NamedNode(iri))}
    documents = {q.object for g in graphs for q in dump.quads_for_pattern(g, DERIVED_FROM, None)}
    assert documents
    assert {t.object for t in statements if t.subject == page and t.predicate == DERIVED_FROM} == documents


@pytest.mark.parametrize("suffix, media_type", [("nq", "application/n-quads"), ("trig", "application/trig")])
def test_quad_syntaxes_keep_each_fact_in_its_graph(web, curated, dump, suffix, media_type):
    iri = NamedNode(ID + "ri/elixir-norway")
    response = web.get(f"{curated.base}/doc/ri/elixir-norway.{suffix}")
    assert response.headers["Content-Type"].split(";")[0] == media_type
    quads = set(parse(response))
    named = {q for q in quads if not isinstance(q.graph_name, pyoxigraph.DefaultGraph)}
    expected = set(dump.quads_for_pattern(iri, None, None)) | set(dump.quads_for_pattern(None, None, iri))
    expected = {
        q
        for q in expected
        if not isinstance(q.subject, pyoxigraph.BlankNode) and not isinstance(q.object, pyoxigraph.BlankNode)
    }
    assert expected <= named
    assert all(q.graph_name.value.startswith(GRAPH) for q in named)
    provenance = {
        (q.subject, q.object)
        for q in quads
        if q.predicate == DERIVED_FROM and isinstance(q.graph_name, pyoxigraph.DefaultGraph)
    }
    for graph in {q.graph_name for q in named}:
        for source in dump.quads_for_pattern(graph, DERIVED_FROM, None, graph):
            assert (graph, source.object) in provenance


def test_the_html_page_shows_labels_types_links_and_sources(web, curated, dump):
    response = web.get(curated.base + "/doc/ri/elixir-norway", headers=BROWSER)
    text = html.unescape(response.text)
    page = Page.of(response.text)
    assert "ELIXIR Norway" in text and "ELIXIR Norge" in text  # English and bokmål labels
    assert "research infrastructure" in text  # the type, by its label
    assert "/doc/org/uib" in page.hrefs  # nolsi IRIs link to their pages
    assert {"properties", "incoming", "sources"} <= page.ids
    iri = NamedNode(ID + "ri/elixir-norway")
    for graph in {q.graph_name for q in dump.quads_for_pattern(iri, None, None)}:
        for source in dump.quads_for_pattern(graph, DERIVED_FROM, None, graph):
            document = source.object.value
            assert "/doc/" + document[len(ID) :] in page.hrefs
            titles = [q.object.value for q in dump.quads_for_pattern(source.object, LABELS[0], None)]
            assert any(title in text for title in titles), document
            urls = [
                q.object.value for q in dump.quads_for_pattern(source.object, NamedNode("https://schema.org/url"), None)
            ]
            urls += [
                q.object.value
                for q in dump.quads_for_pattern(source.object, NamedNode("http://purl.org/pav/retrievedFrom"), None)
            ]
            assert not urls or set(urls) & set(page.hrefs), document
    incoming = {q.subject.value for q in dump.quads_for_pattern(None, None, iri) if isinstance(q.subject, NamedNode)}
    assert {"/doc/" + s[len(ID) :] for s in incoming if s.startswith(ID)} <= incoming_links(
        web, curated, "ri/elixir-norway"
    )


def incoming_groups(text: str) -> dict[str, list[str]]:
    """The incoming links of an entity page, by the id of their property's group."""
    return {
        anchor: re.findall(r'<tr>(?:<th.*?</th>)?\s*<td><a href="([^"]+)"', body, re.DOTALL)
        for anchor, body in re.findall(r'<tbody id="(incoming-[^"]+)">(.*?)</tbody>', text, re.DOTALL)
    }


def incoming_links(web, curated, key: str) -> set[str]:
    """Every incoming link of an entity, from every page of every group."""
    found: set[str] = set()
    todo, done = [f"/doc/{key}"], set()
    while todo:
        path = todo.pop()
        done.add(path)
        text = web.get(curated.base + path, headers=BROWSER).text
        found.update(link for links in incoming_groups(text).values() for link in links)
        pages = {html.unescape(h).split("#")[0] for h in Page.of(text).hrefs if "?incoming=" in h}
        todo += sorted(pages - done - set(todo))
    return found


def test_incoming_links_are_grouped_by_property_ten_to_a_page(web, curated, dump):
    """ELIXIR Norway has about 170 incoming links by 16 properties: each group shows ten, and its
    pages (?incoming=PROPERTY&page=N) give every link once (the page was 12,600 px long)."""
    iri = NamedNode(ID + "ri/elixir-norway")
    by_property: dict[str, set[str]] = defaultdict(set)
    for quad in dump.quads_for_pattern(None, None, iri):  # blank nodes too (attributions): shown nested
        by_property[quad.predicate.value].add(str(quad.subject).replace(f"<{ID}", "/doc/").rstrip(">"))
    text = web.get(curated.base + "/doc/ri/elixir-norway", headers=BROWSER).text
    rows = re.findall(r'<tbody id="(incoming-[^"]+)">(.*?)</tbody>', text, re.DOTALL)
    assert len(rows) == len(by_property) > 10
    assert all(0 < body.count('<td class="sources">') <= 10 for _, body in rows)
    organisation = "http://www.w3.org/ns/org#organization"
    pages, link, seen = 0, "/doc/ri/elixir-norway?incoming=org%3Aorganization&page=1", []
    while link:
        response = web.get(curated.base + link, headers=BROWSER)
        assert response.status_code == 200, link
        seen += incoming_groups(response.text)["incoming-org-organization"]
        following = re.search(r'<a href="([^"]+#incoming-org-organization)" rel="next">', response.text)
        link = html.unescape(following.group(1)).split("#")[0] if following else None
        pages += 1
    assert pages == -(-len(by_property[organisation]) // 10) and len(seen) == len(set(seen))
    assert set(seen) == by_property[organisation]
    by_iri = web.get(
        curated.base + "/doc/ri/elixir-norway", params={"incoming": organisation, "page": 2}, headers=BROWSER
    )
    assert incoming_groups(by_iri.text)["incoming-org-organization"] == seen[10:20]


@pytest.mark.parametrize(
    "query, status",
    [
        ("incoming=org:organization&page=99", 404),
        ("incoming=foaf:nothing", 404),
        ("page=2", 400),
        ("incoming=org:organization&page=0", 400),
        ("incoming=org:organization&page=x", 400),
    ],
)
def test_incoming_pages_that_are_not_there(web, curated, query, status):
    assert web.get(f"{curated.base}/doc/ri/elixir-norway?{query}", headers=BROWSER).status_code == status


def test_each_page_of_incoming_links_has_its_own_etag(web, curated):
    first = web.get(curated.base + "/doc/ri/elixir-norway", headers=BROWSER)
    second = web.get(curated.base + "/doc/ri/elixir-norway?incoming=org:organization&page=2", headers=BROWSER)
    assert first.headers["ETag"] != second.headers["ETag"]


def test_at_least_four_external_authorities_are_linked(web, curated, triples):
    hosts: dict[str, str] = {}
    for t in triples:
        if t.predicate == SAME_AS and isinstance(t.object, NamedNode):
            hosts.setdefault(urlsplit(t.object.value).hostname, t.subject.value + " " + t.object.value)
    linked = set(hosts) & AUTHORITIES
    assert len(linked) >= 4, hosts
    for host in linked:  # each authority's link shows on the entity's page and in its RDF
        subject, target = hosts[host].split(" ")
        if not subject.startswith(ID):
            continue
        page = Page.of(web.get(curated.base + "/doc/" + subject[len(ID) :], headers=BROWSER).text)
        assert target in page.hrefs, (subject, target)
        statements = parse(web.get(f"{curated.base}/doc/{subject[len(ID) :]}.ttl"))
        assert pyoxigraph.Triple(NamedNode(subject), SAME_AS, NamedNode(target)) in statements


@pytest.mark.parametrize(
    "suffix, media_type",
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("nt", "application/n-triples"),
        ("nq", "application/n-quads"),
        ("trig", "application/trig"),
        ("html", "text/html"),
    ],
)
def test_suffixes_name_one_representation(web, curated, suffix, media_type):
    response = web.get(f"{curated.base}/doc/service/tsd.{suffix}", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    if suffix != "html":
        assert parse(response)


def test_no_accept_header_gets_html_and_star_gets_turtle(web, curated):
    assert (
        web.get(curated.base + "/doc/service/tsd", headers={"Accept": None})
        .headers["Content-Type"]
        .startswith("text/html")
    )
    assert (
        web.get(curated.base + "/doc/service/tsd", headers={"Accept": "*/*"})
        .headers["Content-Type"]
        .startswith("text/turtle")
    )


def test_an_unmet_accept_is_406(web, curated):
    response = web.get(curated.base + "/doc/service/tsd", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.text


def test_revalidation_and_etags(web, curated):
    tags = set()
    for accept in ("text/html", *RDF_TYPES):
        first = web.get(curated.base + "/doc/service/tsd", headers={"Accept": accept})
        tags.add(first.headers["ETag"])
        again = web.get(
            curated.base + "/doc/service/tsd", headers={"Accept": accept, "If-None-Match": first.headers["ETag"]}
        )
        assert again.status_code == 304, accept
        assert again.headers["Vary"] == "Accept, Accept-Encoding"  # the body depends on both
    assert len(tags) == 5


def test_signposting_on_documents(web, curated):
    response = web.get(curated.base + "/doc/service/tsd", headers={"Accept": None})
    found = {
        (link["rel"], link.get("type", "")): link["url"]
        for link in requests.utils.parse_header_links(response.headers["Link"])
    }
    assert found[("cite-as", "")] == ID + "service/tsd"
    assert found[("describedby", "text/turtle")] == curated.base + "/doc/service/tsd.ttl"
    assert found[("describedby", "application/ld+json")] == curated.base + "/doc/service/tsd.jsonld"
    assert found[("license", "")] == "https://creativecommons.org/licenses/by/4.0/"


def test_the_query_string_survives_the_303(web, curated):
    response = web.get(curated.base + "/id/ri/elixir-norway?format=ttl", allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/doc/ri/elixir-norway?format=ttl"
    assert web.get(curated.base + "/id/ri/elixir-norway?format=ttl").headers["Content-Type"].startswith("text/turtle")


@pytest.mark.parametrize(
    "path",
    [
        "/id/ri/no-such-thing",
        "/doc/ri/no-such-thing",
        "/doc/ri/no-such-thing.ttl",
        "/doc/ri/no-such-thing.nq",
        "/id/RI/Elixir-Norway",
        "/id/ri/elixir-norway/more",
        "/id/ri",
        "/doc/ri/elixir-norway.exe",
        "/id/ri/elixir-norway%3E%20%7D%20UNION%20%7B",
        "/doc/ri/x%22%29%20.%20%3Fs",
        "/doc/vocab/a/b/c",
        "/graph/no-such-graph",
        "/graph/NO",
        "/vocab/domain/no-such-concept",
        "/id/vocab/data-classification",
    ],
)
def test_unknown_or_malformed_paths_are_404(web, curated, path):
    assert web.get(curated.base + path, headers=BROWSER).status_code == 404


def test_vocabulary_concepts_and_schemes_dereference(web, curated, dump):
    concept = VOCAB + "data-classification/red"
    response = web.get(curated.base + "/vocab/data-classification/red", headers=BROWSER, allow_redirects=False)
    assert response.status_code == 303 and response.headers["Location"] == "/doc/vocab/data-classification/red"
    label = next(q.object for q in dump.quads_for_pattern(NamedNode(concept), LABELS[0], None))
    assert label.value in html.unescape(web.get(curated.base + "/vocab/data-classification/red", headers=BROWSER).text)
    for accept in RDF_TYPES:
        statements = parse(web.get(curated.base + "/vocab/data-classification/red", headers={"Accept": accept}))
        assert pyoxigraph.Triple(NamedNode(concept), LABELS[0], label) in statements, accept
    scheme = parse(web.get(curated.base + "/vocab/data-classification/", headers={"Accept": "text/turtle"}))
    assert (
        pyoxigraph.Triple(
            NamedNode(VOCAB + "data-classification/"),
            NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            NamedNode("http://www.w3.org/2004/02/skos/core#ConceptScheme"),
        )
        in scheme
    )
    page = Page.of(web.get(curated.base + "/doc/vocab/data-classification", headers=BROWSER).text)
    assert "/doc/vocab/data-classification/red" in page.hrefs  # its concepts, as incoming links


def test_named_graphs_dereference(web, curated, dump):
    graph = NamedNode(GRAPH + "elixir-no-about")
    expected = {q for q in dump.quads_for_pattern(None, None, None, graph)}
    quads = set(parse(web.get(curated.base + "/graph/elixir-no-about.nq")))
    assert {str(q) for q in quads if "_:" not in str(q)} == {str(q) for q in expected if "_:" not in str(q)}
    assert len(quads) == len(expected)
    page = web.get(curated.base + "/graph/elixir-no-about", headers=BROWSER)
    [source] = [q.object for q in dump.quads_for_pattern(graph, DERIVED_FROM, None, graph)]
    assert "/doc/" + source.value[len(ID) :] in Page.of(page.text).hrefs
    assert f"{len(expected)} triples" in page.text


def test_an_infrastructure_page_lists_its_nodes_from_the_saved_query(web, curated, dump):
    """types/nolsi-ResearchInfrastructure.html: an infrastructure's page shows the answer of
    queries/infrastructure-nodes.rq for it, each node linked here; an organisation's page has no such
    section (its type has no template of its own)."""
    nodes = {
        s.subject.value
        for s in dump.quads_for_pattern(None, NamedNode("http://www.w3.org/ns/org#unitOf"), None)
        if s.object.value.endswith("/id/ri/elixir-norway")
    }
    page = web.get(curated.base + "/doc/ri/elixir-norway", headers={"Accept": "text/html"}, timeout=60).text
    section = page[page.index('<h2 id="nodes">') : page.index('<h2 id="properties">')]
    linked = set(re.findall(r'<a href="[^"]+" title="([^"]+)"', section))
    assert nodes and nodes <= linked
    other = web.get(curated.base + "/doc/org/uib", headers={"Accept": "text/html"}, timeout=60).text
    assert 'id="nodes"' not in other
