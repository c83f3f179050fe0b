"""The browser query editor on `/sparql`: YASGUI from node_modules (`make install`), in headless Debian Chromium.

A real `nolsi serve` answers; Playwright drives the machine's own Chromium (never a browser it
downloads). Nothing here skips: without Chromium, or without `make install`'s node_modules, the
tests fail.
"""

from __future__ import annotations

import http.client
import importlib.metadata
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask, render_template
from playwright.sync_api import Browser, Page, expect

from sparql_api import editor, errors
from tests.conftest import FIXTURES, nolsi, serving

SAMPLE = FIXTURES / "valid" / "formats" / "sample.ttl"
QUERY = "SELECT ?o WHERE { ?s ?p ?o }"
HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # what Chromium sends
PNG = b"\x89PNG\r\n\x1a\n"
# The policy the page is meant to bear: no inline script at all; YASGUI needs inline styles.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
EXAMPLES = [
    {"name": "labels", "title": "Every label", "query": "SELECT ?label WHERE { ?s <http://example.org/label> ?label }"},
    {"name": "ranks", "title": "Ranks & more", "query": "SELECT ?rank WHERE { ?s <http://example.org/rank> ?rank }"},
]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> str:
    store = tmp_path_factory.mktemp("editor") / "store"
    done = nolsi("build", "--no-shapes", "--store", store, SAMPLE)
    assert done.returncode == 0, done.stderr
    with serving("--store", store, "--workers", "1") as url:
        yield url


@pytest.fixture
def page(browser: Browser):
    """A fresh page that records every request it makes and every script error it meets."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requested = []
    page.errors = []
    context.on("request", lambda request: page.requested.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error" and page.errors.append(f"{message.text} {message.location.get('url', '')}")
        ),
    )
    yield page
    context.close()


def foreign(urls: list[str]) -> list[str]:
    """The requests that went anywhere but 127.0.0.1 (data: and blob: URLs go nowhere)."""
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url).hostname != "127.0.0.1"
    ]


def test_a_query_typed_in_the_editor_runs_and_shows_its_results(base: str, page: Page, tmp_path: Path):
    page.goto(base + "/sparql")
    expect(page).to_have_title("nolsi SPARQL endpoint")
    expect(page.locator("header.site a", has_text="nolsi").first).to_have_attribute("href", "/")
    editor_box = page.locator(".yasqe .CodeMirror")
    expect(editor_box).to_be_visible()
    assert "nolsi:ResearchInfrastructure" in page.evaluate("nolsiEditor.yasgui.getTab().getQuery()")
    assert page.evaluate("nolsiEditor.yasgui.getTab().getEndpoint()") == base + "/sparql"

    editor_box.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(QUERY)
    page.keyboard.press("Escape")  # close any autocompletion hint
    assert page.evaluate("nolsiEditor.yasgui.getTab().getQuery()") == QUERY

    with page.expect_response(lambda r: r.url == base + "/sparql" and r.request.method == "POST") as answer:
        page.locator(".yasqe_queryButton:visible").click()
    assert answer.value.status == 200
    assert "query=" in answer.value.request.post_data
    expect(page.locator(".yasr table td:visible", has_text="TSD")).to_be_visible(timeout=20_000)
    expect(page.locator(".yasr table td:visible", has_text='"4"^^')).to_have_count(1)

    shot = tmp_path / "editor.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 10_000

    assert any(url.startswith(base + "/static/yasgui/yasgui.min.js") for url in page.requested)
    assert any(url.startswith(base + "/static/editor.js") for url in page.requested)
    assert foreign(page.requested) == []
    assert page.errors == []


def test_saved_queries_open_in_a_tab_of_their_own(base: str, page: Page):
    """The page as it will be once saved queries exist: rendered with examples, the rest real."""
    app = Flask("sparql_api", root_path=str(Path(editor.__file__).parent))
    app.register_blueprint(editor.bp)
    with app.test_request_context("/sparql", base_url=base):
        html = render_template("editor.html", examples=EXAMPLES)
    page.route(
        base + "/sparql",
        lambda route: (
            route.fulfill(body=html, content_type="text/html") if route.request.method == "GET" else route.continue_()
        ),
    )
    page.goto(base + "/sparql")
    links = page.locator("nav.examples a")
    expect(links).to_have_text([e["title"] for e in EXAMPLES])

    links.nth(1).click()
    tab = page.locator(".tabsList .tab.active")
    expect(tab).to_have_text(re.compile("Ranks & more"))
    assert page.evaluate("nolsiEditor.yasgui.getTab().getQuery()") == EXAMPLES[1]["query"]
    page.locator(".yasqe_queryButton:visible").click()
    expect(page.locator(".yasr table td:visible", has_text='"4"^^')).to_be_visible(timeout=20_000)

    links.nth(0).click()
    assert page.evaluate("nolsiEditor.yasgui.getTab().getQuery()") == EXAMPLES[0]["query"]
    links.nth(1).click()  # already open: selected again, not opened twice
    expect(page.locator(".tabsList .tab", has_text="Ranks & more")).to_have_count(1)

    assert foreign(page.requested) == []
    assert page.errors == []


def test_the_editor_works_under_a_strict_content_security_policy(base: str, page: Page):
    def with_policy(route):
        if route.request.method != "GET":
            return route.continue_()
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    page.route(base + "/sparql", with_policy)
    page.goto(base + "/sparql")
    expect(page.locator(".yasqe .CodeMirror")).to_be_visible()
    page.evaluate("query => void nolsiEditor.yasgui.getTab().setQuery(query)", QUERY)
    page.locator(".yasqe_queryButton:visible").click()
    expect(page.locator(".yasr table td:visible", has_text="TSD")).to_be_visible(timeout=20_000)
    assert page.errors == []  # a refused script or style is reported on the console


def test_yasgui_files_are_served_with_long_cache_headers(base: str):
    page = requests.get(base + "/sparql", headers={"Accept": HTML}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f"/static/yasgui/yasgui.min.js?v={editor.version()}" in page.text
    for name, kind in (("yasgui.min.js", "javascript"), ("yasgui.min.css", "text/css")):
        response = requests.get(f"{base}/static/yasgui/{name}", timeout=10)
        assert response.status_code == 200, name
        assert kind in response.headers["Content-Type"]
        cache = response.headers["Cache-Control"]
        assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
        assert response.content == (editor.BUILD / name).read_bytes()
    assert editor.version() == "4.6.2"


@pytest.mark.parametrize(
    "path",
    [
        "/static/yasgui/../../pyproject.toml",
        "/static/yasgui/../../../../pyproject.toml",
        "/static/yasgui/..%2F..%2F..%2F..%2Fpyproject.toml",
        "/static/yasgui/%2e%2e/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "/static/yasgui/yasgui.esm.js",
        "/static/yasgui/ts/src/index.d.ts",
        "/static/yasgui/",
    ],
)
def test_anything_but_the_two_files_is_not_found(base: str, path: str):
    # http.client sends the path exactly as written: no client-side removal of `..`.
    connection = http.client.HTTPConnection(urlsplit(base).hostname, urlsplit(base).port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode()
    finally:
        connection.close()
    assert response.status == 404, (path, body)
    assert response.getheader("Content-Type").startswith("text/plain")
    assert "[project]" not in body


def test_a_missing_build_is_a_clean_404(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(editor, "BUILD", tmp_path)
    app = Flask(__name__)
    errors.init_app(app)
    app.register_blueprint(editor.bp)
    response = app.test_client().get("/static/yasgui/yasgui.min.js")
    assert response.status_code == 404
    assert response.content_type.startswith("text/plain")
    assert response.text.startswith("Not Found")


def test_a_non_browser_get_still_gets_the_service_description(base: str):
    response = requests.get(base + "/sparql", headers={"Accept": "text/turtle"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert "sparql-service-description" in response.text and "sd:Service" in response.text
    assert "<html" not in response.text


def test_api_docs_page_renders_the_openapi_document_in_a_browser(base: str, browser, tmp_path: Path):
    """Swagger UI, served from this host, shows one operation per saved query."""
    page = browser.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(base + "/api/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/queries/services-for-classification" in [text.replace("\u200b", "") for text in operations]
    assert all(url.startswith(base) or url.startswith("data:") for url in requested), requested
    page.screenshot(path=str(tmp_path / "api.png"))
    assert (tmp_path / "api.png").stat().st_size > 1000


CONTRAST = """element => {
  // WCAG 2 contrast ratio of the element's text against the first opaque background behind it.
  const rgb = value => value.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  let behind = element, background = null;
  while (behind) {
    const color = rgb(getComputedStyle(behind).backgroundColor);
    if (color.length < 4 || color[3] > 0) { background = color; break; }
    behind = behind.parentElement;
  }
  const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(background || [255, 255, 255])];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_api_docs_badges_are_readable(base: str, browser, tmp_path: Path):
    """The version badges next to the title (software version, OAS 3.1) were white on white: site.css
    gave their <pre> a light background. Each needs a WCAG AA contrast of 4.5."""
    page = browser.new_page()
    page.goto(base + "/api/docs")
    badges = page.locator(".swagger-ui .info .title small pre")
    expect(badges.first).to_be_visible(timeout=30_000)
    texts = [text.strip() for text in badges.all_inner_texts()]
    assert "OAS 3.1" in texts and importlib.metadata.version("nolsi") in texts
    page.locator(".swagger-ui .info").screenshot(path=str(tmp_path / "api-badges.png"))
    for badge in badges.all():
        assert badge.evaluate(CONTRAST) >= 4.5, badge.inner_text()
    page.close()


def test_example_buttons_open_saved_queries_with_their_examples_bound(curated, browser, tmp_path: Path):
    """Each example with parameters opens with its example values (and defaults) written in, so it runs
    as it stands and gives the saved query's example answer: "Where a fact comes from" sent 90,460
    rows with its parameters empty, "Events in a date range" none, "May a service hold data" always true."""
    from tests.expected.regenerate import csv_rows, fixture, saved_queries

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(curated.base + "/sparql")
        expect(page.locator(".yasqe .CodeMirror")).to_be_visible()
        for name, query in sorted(saved_queries().items()):
            if not query.parameters or query.form not in ("SELECT", "ASK"):
                continue
            page.locator(f"nav.examples a[data-example='{name}']").click()
            text = page.evaluate("nolsiEditor.yasgui.getTab().getQuery()")
            assert text.startswith(f"# The saved query /queries/{name}, its parameters written in: "), name
            with page.expect_response(
                lambda r: r.url == curated.base + "/sparql" and r.request.method == "POST"
            ) as sent:
                page.locator(".yasqe_queryButton:visible").click()
            assert sent.value.status == 200, (name, sent.value.text())
            answer, kept = sent.value.json(), fixture(query).read_text(encoding="utf-8")
            if query.form == "ASK":
                assert answer["boolean"] == (kept.strip() == "true"), name
            else:
                assert len(answer["results"]["bindings"]) == len(csv_rows(kept)) - 1, name
            if name == "fact-provenance":
                page.screenshot(path=str(tmp_path / "editor-example.png"), full_page=True)
        assert errors == []
    finally:
        context.close()


MANY_ROWS = (
    "SELECT ?a ?b ?c ?d WHERE { VALUES ?a { 0 1 2 3 4 5 6 7 8 9 } VALUES ?b { 0 1 2 3 4 5 6 7 8 9 } "
    "VALUES ?c { 0 1 2 3 4 5 6 7 8 9 } VALUES ?d { 0 1 } }"
)  # 2,000 rows from no data


def test_the_editor_asks_for_at_most_its_row_limit_and_says_there_are_more(base: str, page: Page, tmp_path: Path):
    page.goto(base + "/sparql")
    expect(page.locator(".yasqe .CodeMirror")).to_be_visible()
    assert page.evaluate("nolsiEditor.rows") == editor.EDITOR_ROWS == 1000

    def run(query: str):
        page.evaluate("query => void nolsiEditor.yasgui.getTab().setQuery(query)", query)
        with page.expect_response(lambda r: r.url == base + "/sparql" and r.request.method == "POST") as sent:
            page.locator(".yasqe_queryButton:visible").click()
        assert sent.value.status == 200
        expect(page.locator(".yasr .yasr_results")).to_be_visible()
        return parse_qs(sent.value.request.post_data)["query"][0], sent.value.json()

    sent, answer = run(MANY_ROWS)
    assert sent == MANY_ROWS + "\nLIMIT 1001\n" and len(answer["results"]["bindings"]) == 1001
    notice = page.locator(".yasr p.result-cut:visible")
    expect(notice).to_have_text(re.compile(r"^Showing 1,000 rows of more\."))
    assert page.evaluate("nolsiEditor.yasgui.getTab().getYasr().results.getBindings().length") == 1000
    page.screenshot(path=str(tmp_path / "editor-cut.png"), full_page=True)

    sent, answer = run(MANY_ROWS + " LIMIT 5")  # a smaller LIMIT of the query's own: sent as it is
    assert sent == MANY_ROWS + " LIMIT 5" and len(answer["results"]["bindings"]) == 5
    expect(page.locator(".yasr p.result-cut")).to_be_hidden()

    sent, _ = run(MANY_ROWS + " LIMIT 1500 OFFSET 10")  # a larger one: lowered
    assert sent == MANY_ROWS + " LIMIT 1001 OFFSET 10"
    expect(notice).to_have_text(re.compile(r"^Showing 1,000 rows of more\."))

    with_values = (
        "SELECT ?a ?x WHERE { { SELECT ?a WHERE { VALUES ?a { 1 2 } } LIMIT 9 } } VALUES ?x { 1 2 }  # LIMIT 3"
    )
    sent, answer = run(with_values)  # a subquery's LIMIT, a trailing VALUES, a comment: the LIMIT goes before VALUES
    assert sent == (
        "SELECT ?a ?x WHERE { { SELECT ?a WHERE { VALUES ?a { 1 2 } } LIMIT 9 } } \nLIMIT 1001\nVALUES ?x "
        "{ 1 2 }  # LIMIT 3"
    )
    assert len(answer["results"]["bindings"]) == 4
    expect(page.locator(".yasr p.result-cut")).to_be_hidden()
    assert page.errors == []


# --- every page on a phone, and the search box without JavaScript ---------------------------------

PHONE = {"width": 390, "height": 844}
PAGES = [
    "/",
    "/about",
    "/doc/ri/elixir-norway",
    "/doc/ri/elixir-norway?incoming=org:organization&page=2",
    "/doc/org/uib",
    "/doc/vocab/data-classification/red",
    "/graph/elixir-no-about",
    "/queries",
    "/queries/infrastructure-nodes",
    "/queries/fact-provenance",
    "/ontology",
    "/shapes",
    "/releases/",
    "/releases/latest/",
    "/browse",
    "/browse/schema:Organization",
    "/search?q=bio",
    "/api/docs",
    "/sparql",
]


def test_no_page_is_wider_than_a_phone(curated, browser, tmp_path: Path):
    """At 390 px every page fits the screen (the entity page was 642 px wide, a saved-query page
    3,409 px): wide tables scroll sideways inside their own box instead of widening the page."""
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for path in PAGES:
            response = page.goto(curated.base + path)
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(tmp_path / f"phone{re.sub(r'[^a-z0-9]+', '-', path)}.png"), full_page=True)
            assert width <= PHONE["width"], (path, width)
        page.goto(curated.base + "/releases/latest/")
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('table')].map(t => [t.scrollWidth, t.clientWidth,
                 getComputedStyle(t).overflowX])"""
        )
        assert any(scroll > client and overflow == "auto" for scroll, client, overflow in boxes), boxes
        assert errors == []
    finally:
        context.close()


def test_the_search_box_works_without_javascript(curated, browser, tmp_path: Path):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(curated.base + "/doc/org/uib")
        box = page.get_by_role("searchbox", name="Search names in English or Norwegian")
        box.fill("sekvensering")
        with page.expect_navigation():
            box.press("Enter")
        assert urlsplit(page.url).path == "/search" and parse_qs(urlsplit(page.url).query) == {"q": ["sekvensering"]}
        page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
        with page.expect_navigation():
            page.locator("ol.hits li a").first.click()
        assert urlsplit(page.url).path == "/doc/ri/norseq"
        expect(page.locator("h1")).to_have_text("National Consortium for Sequencing and Personalized Medicine")
    finally:
        context.close()


def test_without_javascript_the_editor_page_is_a_form_that_runs_a_query(curated, browser):
    """With JavaScript off, /sparql shows a plain form holding the default query; Run sends it as a
    GET and the browser saves the answer (SPARQL XML results, what it accepts best)."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(curated.base + "/sparql")
        box = page.get_by_role("textbox", name="Query")
        expect(box).to_be_visible()
        assert "nolsi:ResearchInfrastructure" in box.input_value()
        box.fill("SELECT ?label WHERE { <https://w3id.org/nolsi/id/ri/elixir-norway> skos:prefLabel ?label }")
        with page.expect_download() as download:
            page.get_by_role("button", name="Run").click()
        saved = Path(download.value.path()).read_text(encoding="utf-8")
        assert saved.startswith("<?xml") and "ELIXIR Norway" in saved
        assert urlsplit(download.value.url).path == "/sparql" and "query" in parse_qs(
            urlsplit(download.value.url).query
        )
    finally:
        context.close()


def test_result_tables_link_iris_here_with_their_labels_and_number_rows_past_nine(curated, browser, tmp_path: Path):
    """In the editor's table an IRI of the graph links to its page here, /doc/..., not to w3id.org,
    and shows its label (the IRI in its title); row numbers from 10 up are whole (they showed "1..")."""
    query = "SELECT ?ri ?type WHERE { ?ri a nolsi:ResearchInfrastructure, ?type } ORDER BY ?ri ?type"
    for width in (1280, PHONE["width"]):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        try:
            page.goto(curated.base + "/sparql")
            expect(page.locator(".yasqe .CodeMirror")).to_be_visible()
            page.evaluate("query => void nolsiEditor.yasgui.getTab().setQuery(query)", query)
            page.locator(".yasqe_queryButton:visible").click()
            elixir = page.locator(".yasr a.iri[href='/doc/ri/elixir-norway']").first
            expect(elixir).to_have_text("ELIXIR Norway", timeout=20_000)
            assert elixir.get_attribute("title") == "https://w3id.org/nolsi/id/ri/elixir-norway"
            expect(page.locator(".yasr a.iri[href='/ontology#ResearchInfrastructure']").first).to_have_text(
                "research infrastructure"
            )
            expect(page.locator(".yasr a.iri[title='https://schema.org/Organization']").first).to_have_text(
                "schema:Organization"  # no label in the graph: its predeclared prefix
            )
            hrefs = page.eval_on_selector_all(".yasr a.iri", "links => links.map(a => a.getAttribute('href'))")
            assert hrefs and not [h for h in hrefs if h.startswith("https://w3id.org/")]
            numbers = page.eval_on_selector_all(
                ".yasr div.rowNumber", "cells => cells.map(c => [c.textContent, c.scrollWidth <= c.clientWidth])"
            )
            assert len(numbers) > 10 and numbers[9] == ["10", True]
            assert all(whole for _, whole in numbers), numbers
            page.screenshot(path=str(tmp_path / f"editor-labels-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if width == PHONE["width"]:
                box = page.locator(".yasr .dt-layout-table")
                assert box.evaluate("b => b.scrollWidth > b.clientWidth && getComputedStyle(b).overflowX == 'auto'")
            assert errors == []
        finally:
            context.close()
