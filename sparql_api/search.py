"""Finding things without writing SPARQL: a label search, for people (`/search`, a page with a form
that works without JavaScript) and for pickers and programs (`/api/lookup`, JSON); and browsing by
type (`/browse`, the classes with their number of instances, then a page per class).

One query finds labels for all of them (page_queries/label-search.rq), in English and Norwegian,
best matches first; the text is bound as a term (sparql_api/binding.py), never pasted in. The
pages describe the immutable release, so their ETag is known before any query runs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph
from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request

from sparql_api import catalogue, linked
from sparql_api.service import Asked
from sparql_api.sparql import plain

bp = Blueprint("search", __name__)

SEARCH = linked.page_query("label-search")
TYPE_TEST = "?iri a/rdfs:subClassOf* ?type ."  # written in at the #TYPE# line when a class is asked for
TYPES_OF = linked.page_query("types-of")
CLASSES = linked.page_query("browse-classes")
CLASS_LABELS = linked.page_query("class-labels")
INSTANCES = linked.page_query("browse-instances")
LOOKUP_LIMIT = 20  # results of /api/lookup; also a page of /search
BROWSE_PAGE = 50  # instances on a page of /browse/{class}
MAX_TEXT = 200
MAX_PAGE = 10_000


class Refused(Exception):
    """A parameter the search cannot take: a 400 naming it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter, self.message = parameter, message


@dataclass(frozen=True)
class Found:
    rows: list[dict]  # SPARQL JSON bindings of ?iri ?label ?matched, best first
    more: bool


def find(text: str, values: dict, limit: int, offset: int = 0) -> Found:
    """Labels containing `text` (any letter case), `values` holding the optional `type` (a class IRI)
    and `prefix` (an IRI prefix) as terms; at most `limit` rows from `offset`, and whether there are more."""
    terms = {"q": pyoxigraph.Literal(text.lower()), **values}
    query = SEARCH.replace("#TYPE#", TYPE_TEST if "type" in terms else "") + f"LIMIT {limit + 1} OFFSET {offset}\n"
    answer = current_app.extensions["nolsi.service"].answer(
        Asked(query, "json", None, substitutions=tuple(sorted(terms.items())))
    )
    if answer.status != 200:
        current_app.logger.error("label search failed (%s): %s", answer.status, answer.body[:500])
        abort(503, "The search could not be run.")
    rows = json.loads(answer.body)["results"]["bindings"]
    return Found(rows[:limit], len(rows) > limit)


def _checked(given, allowed: tuple[str, ...]) -> tuple[str, dict]:
    """The search text and the optional `type`/`prefix` terms of a request; `Refused` for anything else."""
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise Refused(unknown[0], f"unknown parameter {unknown[0]!r}; this takes {', '.join(allowed)}")
    text = given.get("q", "").strip()
    if len(text) > MAX_TEXT:
        raise Refused("q", f"parameter 'q' is longer than {MAX_TEXT} characters")
    values: dict = {}
    for name in ("type", "prefix"):
        raw = given.get(name, "")
        if name in allowed and raw:
            if not catalogue.IRI.match(raw) or len(raw) > catalogue.MAX_VALUE_LENGTH:
                raise Refused(name, f"parameter {name!r}: {raw!r} is not an absolute IRI")
            values[name] = pyoxigraph.NamedNode(raw) if name == "type" else pyoxigraph.Literal(raw)
    return text, values


def _page_number(given) -> int:
    raw = given.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise Refused("page", f"parameter 'page': {raw!r} is not a page number from 1 to {MAX_PAGE}")
    return int(raw)


# --- /api/lookup ------------------------------------------------------------------------------


@bp.get("/api/lookup")
def lookup():
    """Entities whose label contains `q` (any letter case, English or Norwegian), for pickers and any client:
    `?q=biobank`, optionally `&type=CLASS-IRI` (instances, subclasses included) and `&prefix=IRI-PREFIX`
    (e.g. https://w3id.org/nolsi/id/ri/ for infrastructures). JSON: up to 20 results, best first."""
    try:
        text, values = _checked(request.args, ("q", "type", "prefix"))
    except Refused as refused:
        response = jsonify(error=refused.message, parameter=refused.parameter)
        response.status_code = 400
        return response
    tag = linked.etag("lookup", text, *(f"{k}={v}" for k, v in sorted(values.items())))
    if (early := linked.not_modified(tag)) is not None:
        return early
    found = find(text, values, LOOKUP_LIMIT)
    results = [
        {"iri": row["iri"]["value"], "label": row["label"]["value"], "matched": row["matched"]["value"]}
        for row in found.rows
    ]
    return linked.finish(jsonify(q=text, results=results, more=found.more), tag)


# --- /search ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A class as the pages show it: its name (label or compact IRI) and its browse page."""

    iri: str
    name: str
    href: str
    instances: int = 0


@dataclass(frozen=True)
class Hit:
    iri: str
    href: str
    label: str
    matched: str  # the label that matched, when it is not the one shown
    kinds: list[Kind]


@dataclass(frozen=True)
class SearchPage:
    q: str
    kind: Kind | None
    hits: list[Hit]
    pager: linked.Pager
    kinds: list[Kind]  # the classes a search may be narrowed to
    json: str  # the same search from /api/lookup


@bp.get("/search")
def search():
    """The results page of the search box on every page: `/search?q=TEXT[&type=CLASS-IRI][&page=N]`."""
    try:
        text, values = _checked(request.args, ("q", "type", "page"))
        number = _page_number(request.args)
    except Refused as refused:
        return _refused(refused)
    kind = values["type"].value if "type" in values else ""
    tag = linked.etag("search", text, kind, str(number))
    if (early := linked.not_modified(tag)) is not None:
        return early
    kinds = classes()
    hits: list[Hit] = []
    more = False
    if text:
        found = find(text, values, LOOKUP_LIMIT, (number - 1) * LOOKUP_LIMIT)
        hits, more = _hits(found.rows, {k.iri: k for k in kinds}), found.more

    asked = {"q": text, **({"type": kind} if kind else {})}

    def link(page: int) -> str:
        return "/search?" + urlencode({**asked, "page": page})

    page = SearchPage(
        q=text,
        kind={k.iri: k for k in kinds}.get(kind) or (_kind(kind) if kind else None),
        hits=hits,
        pager=linked.Pager(number, None, link(number - 1) if number > 1 else "", link(number + 1) if more else ""),
        kinds=kinds,
        json="/api/lookup?" + urlencode(asked),
    )
    return linked.finish(linked.render("search.html", page=page, q=text, error=None), tag)


def _refused(refused: Refused) -> Response:
    response = linked.render("search.html", page=None, error=refused.message, q=request.args.get("q", "")[:MAX_TEXT])
    response.status_code = 400
    return response


def _hits(rows: list[dict], known: dict[str, Kind]) -> list[Hit]:
    """The found IRIs as the page lists them, each with its classes."""
    iris = [row["iri"]["value"] for row in rows]
    kinds: dict[str, list[Kind]] = {iri: [] for iri in iris}
    if iris:
        for row in linked.select(TYPES_OF.replace("#VALUES#", linked.values_block("x", iris))):
            kinds[row["x"].value].append(known.get(row["class"].value) or _kind(row["class"].value))
    return [
        Hit(
            iri=row["iri"]["value"],
            href=linked.href(row["iri"]["value"]),
            label=row["label"]["value"],
            matched=row["matched"]["value"] if row["matched"]["value"] != row["label"]["value"] else "",
            kinds=sorted(kinds[row["iri"]["value"]], key=lambda k: k.name.lower()),
        )
        for row in rows
    ]


# --- /browse ----------------------------------------------------------------------------------


def class_href(iri: str) -> str:
    """The browse page of a class: `/browse/schema:Service`, or `/browse?class=IRI` for a class with no prefix."""
    name = linked.curie(iri)
    return f"/browse/{name}" if name != iri else "/browse?" + urlencode({"class": iri})


def _kind(iri: str, names: dict | None = None, instances: int = 0) -> Kind:
    return Kind(iri, linked.pick((names or {}).get(iri, [])) or linked.curie(iri), class_href(iri), instances)


def classes() -> list[Kind]:
    """Every class with IRI instances, with their number, sorted by name."""
    names = linked.labels(linked.select(CLASS_LABELS))
    found = [_kind(row["class"].value, names, int(row["instances"].value)) for row in linked.select(CLASSES)]
    return sorted(found, key=lambda k: (k.name.lower(), k.iri))


@dataclass(frozen=True)
class Instance:
    iri: str
    href: str
    label: str


@dataclass(frozen=True)
class ClassPage:
    kind: Kind
    curie: str
    instances: list[Instance]
    pager: linked.Pager
    first: int  # the number of the first instance on the page


@bp.get("/browse")
def browse():
    """The classes that have instances, with how many; with `?class=IRI`, that class's instances."""
    if "class" in request.args:
        iri = request.args["class"]
        if not catalogue.IRI.match(iri) or len(iri) > catalogue.MAX_VALUE_LENGTH:
            return plain(400, f"parameter 'class': {iri!r} is not an absolute IRI")
        if linked.curie(iri) != iri:  # one URL per class: the short one
            return redirect(class_href(iri) + _page_suffix(), code=301)
        return _class_page(iri)
    unknown = sorted(set(request.args) - {"class"})
    if unknown:
        return plain(400, f"unknown parameter {unknown[0]!r}; /browse takes class (and page with it)")
    tag = linked.etag("browse")
    if (early := linked.not_modified(tag)) is not None:
        return early
    return linked.finish(linked.render("classes.html", kinds=classes()), tag)


def _page_suffix() -> str:
    return "?" + urlencode({"page": request.args["page"]}) if "page" in request.args else ""


@bp.get("/browse/<name>")
def browse_class(name: str):
    """The instances of one class, named by its compact IRI (`/browse/schema:Service?page=2`)."""
    prefix, _, local = name.partition(":")
    namespace = linked.PREFIXES.get(prefix)
    if namespace is None or not local:
        abort(404, f"No class {name!r}: name it as prefix:Name with a known prefix, or use /browse?class=IRI.")
    return _class_page(namespace + local)


def _class_page(iri: str) -> Response:
    unknown = sorted(set(request.args) - {"class", "page"})
    if unknown:
        return plain(400, f"unknown parameter {unknown[0]!r}; a class page takes page")
    try:
        number = _page_number(request.args)
    except Refused as refused:
        return plain(400, refused.message)
    tag = linked.etag("browse", iri, str(number))
    if (early := linked.not_modified(tag)) is not None:
        return early
    kind = next((k for k in classes() if k.iri == iri), None)
    if kind is None:
        abort(404, f"Nothing in the graph has the class <{iri}>.")
    pages = math.ceil(kind.instances / BROWSE_PAGE)
    if number > pages:
        abort(404, f"{kind.name} has {pages} pages of instances.")
    query = INSTANCES + f"LIMIT {BROWSE_PAGE} OFFSET {(number - 1) * BROWSE_PAGE}\n"
    instances = [
        Instance(row["s"].value, linked.href(row["s"].value), row["label"].value if "label" in row else "")
        for row in linked.select(query, **{"class": iri})
    ]
    base = kind.href + ("&" if "?" in kind.href else "?")
    page = ClassPage(
        kind=kind,
        curie=linked.curie(iri),
        instances=instances,
        pager=linked.Pager(
            number,
            pages,
            f"{base}page={number - 1}" if number > 1 else "",
            f"{base}page={number + 1}" if number < pages else "",
        ),
        first=(number - 1) * BROWSE_PAGE + 1,
    )
    return linked.finish(linked.render("instances.html", page=page), tag)
