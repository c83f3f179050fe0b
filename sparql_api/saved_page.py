"""The HTML page of a saved query: its form, and its answer once the values it needs are there.

`query_page` builds a `QueryPage` that the template only lays out: the answer's IRIs already carry
their label and their local link, so the template makes no decision and a test reads the page
without parsing HTML. The answer comes from `sparql.run`, the same path as the query's API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import current_app, url_for

from sparql_api import catalogue, formats, linked, sparql
from sparql_api.service import Unanswered

PAGE_ROWS = 1000  # the most rows a page's table shows; the .csv/.json links give them all
PAGE_GRAPH_BYTES = 200_000  # the most Turtle a page shows of a CONSTRUCT or DESCRIBE answer
TABLE_DOWNLOADS = (("CSV", "csv"), ("TSV", "tsv"), ("JSON", "json"))
GRAPH_DOWNLOADS = (("Turtle", "ttl"), ("N-Triples", "nt"), ("JSON-LD", "jsonld"))


@dataclass(frozen=True)
class Cell:
    """One value of a row: an IRI shown by its label and linked (`href`), or a literal."""

    text: str
    iri: str = ""
    href: str = ""
    lang: str = ""

    @property
    def external(self) -> bool:
        return bool(self.href) and not self.href.startswith("/")


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Cell | None]]  # at most PAGE_ROWS; None where a variable is unbound
    total: int  # the rows of the whole answer


@dataclass(frozen=True)
class GraphAnswer:
    text: str  # Turtle, cut at PAGE_GRAPH_BYTES
    cut: bool
    triples: int


@dataclass(frozen=True)
class QueryPage:
    query: catalogue.SavedQuery
    values: dict[str, str]  # what the form shows: the values given, or the examples
    error: str | None = None
    table: Table | None = None
    boolean: bool | None = None
    graph: GraphAnswer | None = None
    downloads: list[tuple[str, str]] = field(default_factory=list)  # (label, URL) of the whole answer


def answer(name: str, **values: str) -> QueryPage:
    """Saved query `name` answered for `values`, for a page template (`saved_answer` there): a type's
    page shows what a query file says about the entity without a line of Python."""
    query = current_app.extensions["nolsi.queries"].get(name)
    if query is None:
        raise LookupError(f"a page template asks for the saved query {name!r}, and there is none")
    return query_page(query, values)[0]


def query_page(query: catalogue.SavedQuery, values: dict[str, str]) -> tuple[QueryPage, int]:
    """The page for `values` (already checked by `SavedQuery.bindings`) and its HTTP status: the
    form alone while a required value is missing, else the form with the answer or its error."""
    try:
        bound = query.bindings(values)
    except catalogue.ParameterError as error:
        return QueryPage(query, values, error=str(error)), 400
    if not all(p.name in dict(bound) or not p.required for p in query.parameters):
        return QueryPage(query, values), 200
    graph = query.form in ("CONSTRUCT", "DESCRIBE")
    solutions = None if graph else formats.BY_NAME["json"]
    try:
        response = sparql.run(query.text, None, None, solutions, formats.BY_NAME["turtle"] if graph else None, bound)
    except Unanswered as unanswered:  # out of time, or no evaluator free: the form stays, with why
        return QueryPage(query, values, error=unanswered.message), 503
    if response.status_code != 200:
        return QueryPage(query, values, error=response.get_data(as_text=True)), response.status_code
    if graph:
        text = response.get_data(as_text=True)
        shown = GraphAnswer(text[:PAGE_GRAPH_BYTES], len(text) > PAGE_GRAPH_BYTES, int(response.headers["Result-Rows"]))
        return QueryPage(query, values, graph=shown, downloads=_downloads(query, values, GRAPH_DOWNLOADS)), 200
    results = response.get_json(force=True)
    if "boolean" in results:
        return QueryPage(query, values, boolean=results["boolean"]), 200
    return QueryPage(query, values, table=_table(results), downloads=_downloads(query, values, TABLE_DOWNLOADS)), 200


def _downloads(query: catalogue.SavedQuery, values: dict[str, str], kinds) -> list[tuple[str, str]]:
    """(label, URL) of the whole answer in each format, with the page's values."""
    given = "?" + urlencode(values) if values else ""
    return [(label, url_for("saved.run", name=f"{query.name}.{suffix}") + given) for label, suffix in kinds]


def _table(results: dict[str, Any]) -> Table:
    """The first PAGE_ROWS rows of SPARQL JSON results, IRIs labelled (one query for all of them)."""
    columns = results["head"]["vars"]
    bindings = results["results"]["bindings"]
    shown = bindings[:PAGE_ROWS]
    try:
        labels = linked.labels_of(c["value"] for row in shown for c in row.values() if c["type"] == "uri")
    except Unanswered:  # labels are a courtesy: without them the answer still shows, IRIs as CURIEs
        labels = {}
    rows = [[_cell(row.get(column), labels) for column in columns] for row in shown]
    return Table(columns, rows, len(bindings))


def _cell(term: dict[str, str] | None, labels: dict[str, str]) -> Cell | None:
    if term is None:
        return None
    value = term["value"]
    if term["type"] == "uri":
        return Cell(labels.get(value) or linked.curie(value), iri=value, href=linked.href(value))
    return Cell(value, lang=term.get("xml:lang", ""))
