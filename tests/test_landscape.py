"""Pictures of the landscape (loader/landscape.py): drawn at build time from the real curated graph,
published with the release, shown on the landing page and on each infrastructure's page. What they
show is checked against the release's own dump; the drawing against the rules of a readable picture
(valid SVG, title and description, a link and a text per box, no box on another)."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET

import pyoxigraph
import pytest
from pyoxigraph import NamedNode, RdfFormat

from loader import describe, landscape
from tests.conftest import Page

SVG = "{http://www.w3.org/2000/svg}"
NOLSI = "https://w3id.org/nolsi/ontology#"
ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def dump(curated) -> pyoxigraph.Store:
    """The release as the build describes it: the merge in the default graph, the named graphs as they are."""
    return describe.loaded(curated.dump("nt"), curated.dump("nq"))


def objects(store, subject: str, predicate: str) -> set[str]:
    return {q.object.value for q in store.quads_for_pattern(NamedNode(subject), NamedNode(predicate), None)}


def subjects(store, predicate: str, obj: str) -> set[str]:
    return {q.subject.value for q in store.quads_for_pattern(None, NamedNode(predicate), NamedNode(obj))}


def boxes(svg: bytes) -> dict[str, tuple[str, str, tuple[float, float, float, float]]]:
    """Every box of a picture: its link, the full name in its title, the text shown, and its rectangle."""
    found = {}
    for link in ET.fromstring(svg).iter(f"{SVG}a"):
        rect = link.find(f"{SVG}rect")
        text = link.find(f"{SVG}text")
        area = tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
        found[link.get("href")] = (link.find(f"{SVG}title").text, text.text, area)
    return found


def infrastructures(store) -> set[str]:
    return subjects(store, str(RDF_TYPE.value), NOLSI + "ResearchInfrastructure")


def test_the_release_publishes_the_pictures_with_their_checksums(curated, dump):
    folder = curated.release / landscape.FOLDER
    names = sorted(p.name for p in folder.iterdir())
    assert landscape.OVERVIEW in names and "elixir-norway.svg" in names
    sums = dict(reversed(line.split("  ", 1)) for line in (curated.release / "SHA256SUMS").read_text().splitlines())
    for name in names:
        body = (folder / name).read_bytes()
        assert sums[f"{landscape.FOLDER}/{name}"] == hashlib.sha256(body).hexdigest()
    assert landscape.pictures(dump) == {f"{landscape.FOLDER}/{n}": (folder / n).read_bytes() for n in names}


def test_the_overview_shows_every_infrastructure_its_european_parents_and_hosts(curated, dump):
    svg = (curated.release / landscape.FOLDER / landscape.OVERVIEW).read_bytes()
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    assert root.get("aria-labelledby") == "landscape-title landscape-desc"
    shown = boxes(svg)
    national = infrastructures(dump)
    parents = {p for ri in national for p in objects(dump, ri, NOLSI + "nationalNodeOf")}
    hosts = {h for ri in national for h in objects(dump, ri, NOLSI + "hostInstitution")}
    hosts |= {
        h
        for ri in national
        for node in subjects(dump, ORG + "unitOf", ri)
        for h in objects(dump, node, NOLSI + "hostInstitution")
    }
    assert set(shown) == national | parents | hosts
    assert len(national) > 10 and len(parents) > 4 and len(hosts) > 10
    elixir = "https://w3id.org/nolsi/id/ri/elixir-norway"
    assert shown[elixir][0] == "ELIXIR Norway" and shown[elixir][1] == "ELIXIR Norway"
    assert f"{len(national)} national research infrastructures" in root.find(f"{SVG}desc").text


def test_an_infrastructure_picture_shows_its_parent_nodes_hosts_and_services(curated, dump):
    ri = "https://w3id.org/nolsi/id/ri/elixir-norway"
    shown = boxes((curated.release / landscape.FOLDER / "elixir-norway.svg").read_bytes())
    nodes = subjects(dump, ORG + "unitOf", ri)
    hosts = {h for n in nodes for h in objects(dump, n, NOLSI + "hostInstitution")} | objects(
        dump, ri, NOLSI + "hostInstitution"
    )
    providers = {ri} | nodes
    services = {s for p in providers for s in subjects(dump, "https://schema.org/provider", p)}
    expected = {ri} | objects(dump, ri, NOLSI + "nationalNodeOf") | nodes | hosts | services
    assert set(shown) == expected
    assert len(nodes) == 5 and len(services) >= 10
    assert shown["https://w3id.org/nolsi/id/ri/elixir"][0] == "ELIXIR"


def test_every_infrastructure_with_links_has_its_picture_and_no_other(curated, dump):
    drawn = {p.stem for p in (curated.release / landscape.FOLDER).iterdir()} - {"index"}
    linked = {
        ri.rsplit("/", 1)[-1]
        for ri in infrastructures(dump)
        if objects(dump, ri, NOLSI + "nationalNodeOf")
        or subjects(dump, ORG + "unitOf", ri)
        or objects(dump, ri, NOLSI + "hostInstitution")
        or subjects(dump, "https://schema.org/provider", ri)
    }
    assert linked <= drawn and "moba" not in drawn


def test_boxes_do_not_overlap_and_stay_inside_the_picture(curated):
    for path in sorted((curated.release / landscape.FOLDER).iterdir()):
        svg = path.read_bytes()
        root = ET.fromstring(svg)
        width, height = float(root.get("width")), float(root.get("height"))
        areas = [area for _, _, area in boxes(svg).values()]
        for n, (x, y, w, h) in enumerate(areas):
            assert x >= 0 and y >= 0 and x + w <= width and y + h <= height, path.name
            for x2, y2, w2, h2 in areas[n + 1 :]:
                assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, path.name


def test_names_are_text_however_they_are_written():
    """Markup in a name is only text in the picture; a long name is cut in its box, whole in its title."""
    store = pyoxigraph.Store()
    data = """
    @prefix nolsi: <https://w3id.org/nolsi/ontology#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    @prefix org: <http://www.w3.org/ns/org#> .
    <https://w3id.org/nolsi/id/ri/x> a nolsi:ResearchInfrastructure ; skos:prefLabel "A <b>&amp;</b> \\"B\\""@en ;
        nolsi:nationalNodeOf <https://w3id.org/nolsi/id/ri/eu> .
    <https://w3id.org/nolsi/id/ri/eu>
        skos:prefLabel "A European infrastructure with a name far too long for its box"@en .
    <https://w3id.org/nolsi/id/node/n> org:unitOf <https://w3id.org/nolsi/id/ri/x> ; nolsi:hostInstitution <urn:x:h&q> .
    """
    store.load(data.encode(), format=RdfFormat.TURTLE)
    drawn = landscape.pictures(store)
    assert set(drawn) == {"landscape/index.svg", "landscape/x.svg"}
    shown = boxes(drawn["landscape/x.svg"])
    assert shown["https://w3id.org/nolsi/id/ri/x"][1] == 'A <b>&amp;</b> "B"'
    long_name = "A European infrastructure with a name far too long for its box"
    assert shown["https://w3id.org/nolsi/id/ri/eu"][0] == long_name
    assert shown["https://w3id.org/nolsi/id/ri/eu"][1].endswith("…")
    assert "urn:x:h&q" in shown


# --- on the site --------------------------------------------------------------------------------


def test_the_landing_page_shows_the_overview_with_links_to_the_pages_here(web, curated):
    response = web.get(curated.base + "/", headers=BROWSER)
    figure = re.search(r'<figure class="landscape">(.*?)</figure>', response.text, re.DOTALL).group(1)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in figure and '<title id="landscape-title">' in figure
    links = Page.of(figure).hrefs
    assert "/doc/ri/elixir-norway" in links and not [h for h in links if h.startswith("https://w3id.org/")]
    for link in links:
        assert web.get(curated.base + link, headers=BROWSER, timeout=30).status_code == 200, link
    svg = web.get(f"{curated.base}/releases/{curated.version}/landscape/index.svg")
    assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg+xml")
    assert f"/releases/{curated.version}/landscape/index.svg" in links


def test_an_infrastructure_page_shows_its_picture_and_other_pages_none(web, curated):
    elixir = web.get(curated.base + "/doc/ri/elixir-norway", headers=BROWSER).text
    assert 'id="landscape"' in elixir and "/doc/node/elixir-norway-uib" in Page.of(elixir).hrefs
    assert f"/releases/{curated.version}/landscape/elixir-norway.svg" in Page.of(elixir).hrefs
    for path in ("/doc/ri/moba", "/doc/org/uib"):
        assert 'id="landscape"' not in web.get(curated.base + path, headers=BROWSER).text, path


def test_a_picture_the_release_lacks_is_left_out(curated):
    """A release published before the pictures has no landscape folder: its pages show none."""
    from loader.settings import Settings
    from sparql_api.app import create_app

    app = create_app(Settings.from_env(store=curated.store, evaluators=1))
    try:
        with app.test_request_context("/"):
            from sparql_api import linked

            assert linked.picture("landscape/no-such.svg") is None
            assert linked.picture(f"{landscape.FOLDER}/{landscape.OVERVIEW}") is not None
    finally:
        app.extensions["nolsi.service"].close()


# --- in a browser ----------------------------------------------------------------------------------


def test_the_picture_is_a_set_of_named_links_in_a_browser(curated, browser, tmp_path):
    """Each box is a link whose accessible name is the full name (its SVG title); following one opens
    the entity page, which shows that infrastructure's own picture."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(curated.base + "/")
        figure = page.locator("figure.landscape")
        expect(
            figure.get_by_role("group", name="The landscape of national life-science research infrastructures")
        ).to_be_visible()
        norseq = figure.get_by_role("link", name="National Consortium for Sequencing and Personalized Medicine")
        expect(norseq).to_have_attribute("href", "/doc/ri/norseq")
        figure.screenshot(path=str(tmp_path / "landscape.png"))
        with page.expect_navigation():
            norseq.click()
        assert page.url == curated.base + "/doc/ri/norseq"
        own = page.locator("figure.landscape svg")
        expect(own).to_be_visible()
        assert own.locator("a").count() > 5
        page.locator("figure.landscape").screenshot(path=str(tmp_path / "landscape-norseq.png"))
    finally:
        context.close()
