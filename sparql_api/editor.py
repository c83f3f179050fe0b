"""The browser query editor's files: YASGUI's build, installed from npm (see `sparql_api.vendor`);
and what the editor page needs from the saved queries."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, url_for

from loader.namespaces import BASE, PREFIXES
from sparql_api import binding, catalogue, vendor

bp = Blueprint("editor", __name__)

PACKAGE = vendor.NODE_MODULES / "@zazuko" / "yasgui"
BUILD = PACKAGE / "build"
FILES = frozenset({"yasgui.min.js", "yasgui.min.css"})
# The most rows the editor asks for: a browser table shows a thousand rows at ease; 90,000 froze the tab.
# The editor adds `LIMIT 1001` to a query without a smaller one and says "showing 1,000 of more".
EDITOR_ROWS = 1000
DEFAULT_QUERY = """PREFIX nolsi: <https://w3id.org/nolsi/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

SELECT ?ri ?label WHERE {
  ?ri a nolsi:ResearchInfrastructure ;
      skos:prefLabel ?label .
  FILTER(lang(?label) = "en")
}
ORDER BY ?label"""


@bp.get("/static/yasgui/<path:filename>")
def asset(filename: str) -> Response:
    return vendor.send(BUILD, FILES, filename)


@bp.app_context_processor
def _helpers() -> dict:
    return {
        "yasgui_url": yasgui_url,
        "editor_installed": vendor.installed(PACKAGE),  # else the page offers a plain form
        "default_query": DEFAULT_QUERY,
        "editor_rows": EDITOR_ROWS,
        "iri_base": BASE,
        "predeclared": PREFIXES,
    }


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    query: str  # the saved query with its example values written in


def examples() -> list[Example]:
    """The saved queries, as ready examples in the editor."""
    return [Example(q.name, q.title, example_query(q)) for q in current_app.extensions["nolsi.queries"].values()]


def example_query(saved: catalogue.SavedQuery) -> str:
    """A saved query as the editor opens it: with its example values (and defaults) written in as
    RDF terms (sparql_api/binding.py), so that it runs as it stands and gives the example answer."""
    if not saved.parameters:
        return saved.text
    values = saved.examples()
    try:
        bound = dict(saved.bindings(values))
    except catalogue.ParameterError:
        return saved.text
    shown = ", ".join(f"{p.name}={values.get(p.name) or p.default}" for p in saved.parameters if p.name in bound)
    note = f"# The saved query /queries/{saved.name}, its parameters written in: {shown}.\n" if shown else ""
    return note + binding.write(saved.text, bound)


def yasgui_url(filename: str) -> str:
    """The URL of a YASGUI file, with the installed version in it so a long cache never goes stale."""
    return url_for("editor.asset", filename=filename, v=version())


def version() -> str:
    return vendor.version(PACKAGE)
