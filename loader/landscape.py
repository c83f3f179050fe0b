"""Pictures of the landscape, drawn at build time from the graph as SVG: which European
infrastructures the national ones are nodes of, and which institutions host their nodes (the
overview, `landscape/index.svg`); and for each infrastructure, its European parent, nodes, their
hosts and its services (`landscape/{slug}.svg`).

A layered drawing: one column per kind of thing, boxes ordered within their column by the mean
position of the boxes they are linked to (a few sweeps of the barycentre heuristic, which removes
most crossings), edges as curves between neighbouring columns. Nothing but Python writes it, so a
build needs no graphviz or outside service, and the same graph always gives the same bytes.

For people and assistive technology alike: the SVG has a `<title>` and a `<desc>` saying what it
shows in words, every box is a link (to the entity IRI, which the site serves as its page) with the
full name as its own `<title>`, and all text is text. Colours are presentation attributes, so the
drawing looks the same inline in a page (under a strict style policy) and as a file.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph

from loader.namespaces import ID

FOLDER = "landscape"
OVERVIEW = "index.svg"
PREFIXES = """PREFIX nolsi: <https://w3id.org/nolsi/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# Every link the pictures draw: a pattern per relation between an infrastructure ?ri and ?other
# (?via: the node through which a host hosts it). One query each: as one UNION they took 30 times longer.
LINKS = {
    "parent": "?ri nolsi:nationalNodeOf ?other .",
    "node": "?other org:unitOf ?ri .",
    "host": "{ ?ri nolsi:hostInstitution ?other } UNION { ?via org:unitOf ?ri ; nolsi:hostInstitution ?other }",
    "service": "?other schema:provider ?provider . ?provider org:unitOf* ?ri .",
}
LINK = (
    PREFIXES
    + "SELECT DISTINCT ?ri ?other ?via WHERE { ?ri a nolsi:ResearchInfrastructure . #PATTERN# FILTER(isIRI(?other)) }"
)
INFRASTRUCTURES = PREFIXES + "SELECT ?ri WHERE { ?ri a nolsi:ResearchInfrastructure FILTER(isIRI(?ri)) }"
NAMES = (
    PREFIXES
    + """SELECT ?x ?kind ?name WHERE {
  #VALUES#
  { ?x skos:prefLabel ?name BIND(0 AS ?kind) } UNION { ?x skos:altLabel ?name BIND(1 AS ?kind) }
  UNION { ?x foaf:name|schema:name|rdfs:label ?name BIND(2 AS ?kind) }
  FILTER(LANGMATCHES(LANG(?name), "en") || LANG(?name) = "")
}"""
)

# Drawing constants, in SVG user units (pixels at 100 %).
FONT = 12
CHAR = 6.7  # the mean advance of a character of a 12 px sans-serif: enough to decide where to cut a name
ROW = 26
TALL = 38  # a box with a second line
GAP = 8
COLUMN_GAP = 70
HEADING = 34
MARGIN = 12
STYLE = {  # fill, stroke, text colour; contrast of text on fill at least 4.5:1
    "parent": ("#eef4fb", "#0b5cad", "#0b3d73"),
    "ri": ("#0b5cad", "#0b5cad", "#ffffff"),
    "node": ("#f5f7f9", "#8a94a3", "#1d2330"),
    "host": ("#fff8db", "#b08800", "#1d2330"),
    "service": ("#e9f5ec", "#2e7d32", "#1d2330"),
}
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', sans-serif"


@dataclass
class Box:
    iri: str
    kind: str
    name: str  # the full name
    short: str  # what fits in the box
    note: str = ""  # a second line
    x: float = 0
    y: float = 0
    height: float = ROW


@dataclass
class Column:
    heading: str
    width: int
    boxes: list[Box] = field(default_factory=list)
    groups: dict[int, str] = field(default_factory=dict)  # index of a box -> a subheading put above it


@dataclass(frozen=True)
class Landscape:
    """What the graph says about the infrastructures: their links by kind, and names."""

    infrastructures: list[str]
    links: dict[str, dict[str, set[str]]]  # infrastructure -> relation -> other ends
    hosted: dict[str, set[tuple[str, str]]]  # infrastructure -> (node, its host)
    names: dict[str, tuple[str, str]]  # IRI -> (full name, short name)


def pictures(store: pyoxigraph.Store) -> dict[str, bytes]:
    """The release's SVG files by their path in the release folder: the overview and one per
    infrastructure that has anything linked to it."""
    landscape = read(store)
    drawn = {f"{FOLDER}/{OVERVIEW}": overview(landscape)}
    for ri in landscape.infrastructures:
        if any(landscape.links[ri].values()) and ri.startswith(ID):
            drawn[f"{FOLDER}/{slug(ri)}.svg"] = infrastructure(landscape, ri)
    return drawn


def slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _rows(store: pyoxigraph.Store, query: str) -> list[dict[str, str]]:
    solutions = store.query(query, use_default_graph_as_union=False)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def read(store: pyoxigraph.Store) -> Landscape:
    infrastructures = sorted(row["ri"] for row in _rows(store, INFRASTRUCTURES))
    links: dict[str, dict[str, set[str]]] = {ri: defaultdict(set) for ri in infrastructures}
    hosted: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for relation, pattern in LINKS.items():
        for row in _rows(store, LINK.replace("#PATTERN#", pattern)):
            links[row["ri"]][relation].add(row["other"])
            if "via" in row:
                hosted[row["ri"]].add((row["via"], row["other"]))
    iris = set(infrastructures) | {other for by in links.values() for ends in by.values() for other in ends}
    return Landscape(infrastructures, links, hosted, _names(store, sorted(iris)))


def _names(store: pyoxigraph.Store, iris: list[str]) -> dict[str, tuple[str, str]]:
    """The English (or untagged) name of each IRI, and a short one for a box: the name when it is
    short, else its shortest other name (an acronym), else the name cut."""
    block = "VALUES ?x { " + " ".join(str(pyoxigraph.NamedNode(iri)) for iri in iris) + " }"
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in _rows(store, NAMES.replace("#VALUES#", block)):
        found[row["x"]].append((int(row["kind"]), row["name"]))
    names = {}
    for iri in iris:
        candidates = sorted(found.get(iri, []))
        full = candidates[0][1] if candidates else iri.rsplit("/", 1)[-1]
        others = sorted((name for kind, name in candidates if kind == 1), key=lambda n: (len(n), n))
        names[iri] = (full, full if len(full) <= 30 or not others else others[0])
    return names


# --- the two drawings -------------------------------------------------------------------------


def overview(landscape: Landscape) -> bytes:
    """European infrastructures -> national infrastructures -> institutions hosting them or their nodes."""
    box = _boxer(landscape)
    national = Column("National infrastructure", 230)
    edges = set()
    for ri in landscape.infrastructures:
        by = landscape.links[ri]
        counts = [_count(len(by["node"]), "node"), _count(len(by["service"]), "service")]
        national.boxes.append(box(ri, "ri", 230, " · ".join(c for c in counts if c)))
        edges |= {(parent, ri) for parent in by["parent"]} | {(ri, host) for host in by["host"]}
    parents = sorted({p for ri in landscape.infrastructures for p in landscape.links[ri]["parent"]})
    hosts = sorted({h for ri in landscape.infrastructures for h in landscape.links[ri]["host"]})
    columns = [
        Column("European infrastructure", 190, [box(p, "parent", 190) for p in parents]),
        national,
        Column("Host institutions", 250, [box(h, "host", 250) for h in hosts]),
    ]
    _order(columns, edges)
    description = (
        f"{len(national.boxes)} national research infrastructures in the graph; on the left the "
        f"{len(parents)} European infrastructures they are national nodes of, on the right the "
        f"{len(hosts)} institutions that host them or their nodes. Each name links to its page."
    )
    return _svg("The landscape of national life-science research infrastructures", description, columns, edges)


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'s' * (n != 1)}" if n else ""


def infrastructure(landscape: Landscape, ri: str) -> bytes:
    """One infrastructure: its European parent, its nodes and their hosts, and its services. Without
    nodes, its own hosts stand where the nodes would."""
    box = _boxer(landscape)
    by = landscape.links[ri]
    name = landscape.names[ri][0]
    nodes, services = sorted(by["node"]), sorted(by["service"])
    hosted = landscape.hosted.get(ri, set())
    edges = {(p, ri) for p in by["parent"]} | {(ri, n) for n in nodes} | {(ri, s) for s in services}
    middle = Column("Nodes" if nodes else "", 260, [box(n, "node", 260) for n in nodes])
    right = Column("Host institutions", 250)
    if nodes:
        right.boxes = [box(h, "host", 250) for h in sorted(by["host"])]
        edges |= hosted | {(ri, h) for h in by["host"] - {host for _, host in hosted}}
    elif by["host"]:
        middle.groups[0] = "Host institutions"
        middle.boxes = [box(h, "host", 260) for h in sorted(by["host"])]
        edges |= {(ri, h) for h in by["host"]}
    if services:
        middle.groups[len(middle.boxes)] = "Services"
        middle.boxes += [box(s, "service", 260) for s in services]
    parents = Column("European infrastructure", 190, [box(p, "parent", 190) for p in sorted(by["parent"])])
    columns = [
        c for c in (parents, Column("National infrastructure", 210, [box(ri, "ri", 210)]), middle, right) if c.boxes
    ]
    _order(columns, edges)
    return _svg(f"{name} and what it is linked to", _described(landscape, ri), columns, edges)


def _described(landscape: Landscape, ri: str) -> str:
    """What the picture of one infrastructure shows, in words (its `<desc>`)."""
    by = landscape.links[ri]
    parents = [landscape.names[p][0] for p in sorted(by["parent"])]
    parts = [f"the national node of {_listed(parents)}"] if parents else []
    counts = (
        _count(len(by["node"]), "node"),
        _count(len(by["host"]), "host institution"),
        _count(len(by["service"]), "service"),
    )
    parts += [c for c in counts if c]
    return f"{landscape.names[ri][0]}: {_listed(parts)}. Each name links to its page."


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _boxer(landscape: Landscape):
    def box(iri: str, kind: str, width: int, note: str = "") -> Box:
        full, short = landscape.names.get(iri, (iri, iri))
        return Box(iri, kind, full, _fit(short, width - 16), note, height=TALL if note else ROW)

    return box


def _fit(text: str, width: float) -> str:
    most = int(width / CHAR)
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


# --- layout -----------------------------------------------------------------------------------


def _order(columns: list[Column], edges: set[tuple[str, str]]) -> None:
    """Order each column's boxes by the mean position of their neighbours in the columns beside it:
    two sweeps each way. A column with subheadings keeps its groups and orders within them."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    for _ in range(2):
        for sweep in (range(1, len(columns)), range(len(columns) - 2, -1, -1)):
            for i in sweep:
                beside = columns[i - 1] if sweep.step == 1 else columns[i + 1]
                where = {b.iri: n for n, b in enumerate(beside.boxes)}
                _sort_column(columns[i], neighbours, where)


def _sort_column(column: Column, neighbours: dict[str, set[str]], where: dict[str, int]) -> None:
    def key(box: Box) -> tuple:
        seen = [where[n] for n in neighbours[box.iri] if n in where]
        return (sum(seen) / len(seen) if seen else float("inf"), box.short.lower(), box.iri)

    starts = sorted({0, *column.groups, len(column.boxes)})
    ordered: list[Box] = []
    for start, end in itertools.pairwise(starts):
        ordered += sorted(column.boxes[start:end], key=key)
    column.boxes = ordered


def _place(columns: list[Column], edges: set[tuple[str, str]]) -> tuple[float, float]:
    """Positions of every box: the tallest column stacked; each other column, going outwards from
    it, with each box level with the mean of its neighbours in the column placed before it, as
    near as the boxes above it allow. The size of the drawing."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    heights = [sum(b.height + GAP for b in c.boxes) + len(c.groups) * (FONT + 2 * GAP) for c in columns]
    tallest = heights.index(max(heights))
    x = float(MARGIN)
    for column in columns:
        for box in column.boxes:
            box.x = x
        x += column.width + COLUMN_GAP
    _stack(columns[tallest], {})
    outwards = [*range(tallest + 1, len(columns)), *range(tallest - 1, -1, -1)]
    for i in outwards:
        placed = columns[i - 1] if i > tallest else columns[i + 1]
        centres = {b.iri: b.y + b.height / 2 for b in placed.boxes}
        wanted = {}
        for box in columns[i].boxes:
            seen = [centres[n] for n in neighbours[box.iri] if n in centres]
            if seen:
                wanted[box.iri] = sum(seen) / len(seen) - box.height / 2
        _stack(columns[i], wanted)
    bottom = max((b.y + b.height for c in columns for b in c.boxes), default=MARGIN + HEADING)
    return x - COLUMN_GAP + MARGIN, bottom + MARGIN


def _stack(column: Column, wanted: dict[str, float]) -> None:
    """Boxes top to bottom, each at its wanted height or just below the one above."""
    y = float(MARGIN + HEADING)
    for n, box in enumerate(column.boxes):
        if n in column.groups:
            y += FONT + 2 * GAP
        box.y = max(y, wanted.get(box.iri, y))
        y = box.y + box.height + GAP


# --- SVG --------------------------------------------------------------------------------------


def _svg(title: str, description: str, columns: list[Column], edges: set[tuple[str, str]]) -> bytes:
    width, height = _place(columns, edges)
    boxes = {b.iri: (b, c) for c in columns for b in c.boxes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="landscape" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="group" aria-labelledby="landscape-title landscape-desc" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT}">',
        f'<title id="landscape-title">{escape(title)}</title>',
        f'<desc id="landscape-desc">{escape(description)}</desc>',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
    ]
    for column in columns:
        if column.boxes:
            x = column.boxes[0].x
            out.append(_label(x, MARGIN + FONT + 4, column.heading))
        for n, heading in column.groups.items():
            if n < len(column.boxes):
                box = column.boxes[n]
                out.append(_label(box.x, box.y - GAP, heading))
    out.append('<g fill="none" stroke="#8a94a3" stroke-opacity="0.7" stroke-width="1.2" aria-hidden="true">')
    for a, b in sorted(edges):
        if a in boxes and b in boxes:
            out.append(_edge(boxes[a], boxes[b]))
    out.append("</g>")
    for column in columns:
        out += [_box(box, column.width) for box in column.boxes]
    out.append("</svg>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _label(x: float, y: float, text: str) -> str:
    return f'<text x="{x:.0f}" y="{y:.0f}" font-weight="600" fill="#5b6473">{escape(text)}</text>'


def _edge(start: tuple[Box, Column], end: tuple[Box, Column]) -> str:
    (a, column), (b, _) = start, end
    if a.x > b.x:
        (a, column), (b, _) = end, start
    x1, y1 = a.x + column.width, a.y + a.height / 2
    x2, y2 = b.x, b.y + b.height / 2
    middle = (x1 + x2) / 2
    return f'<path d="M{x1:.1f},{y1:.1f} C{middle:.1f},{y1:.1f} {middle:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"/>'


def _box(box: Box, width: int) -> str:
    fill, stroke, ink = STYLE[box.kind]
    weight = 600 if box.kind in ("ri", "parent") else 400
    text_y = box.y + (17 if box.note else box.height / 2 + FONT / 2 - 2)
    note = (
        f'<text x="{box.x + 8:.0f}" y="{box.y + 31:.0f}" fill="{ink}" font-size="{FONT - 2}">{escape(box.note)}</text>'
        if box.note
        else ""
    )
    return (
        f"<a href={quoteattr(box.iri)}><title>{escape(box.name)}</title>"
        f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{width}" height="{box.height:.0f}" rx="5" '
        f'fill="{fill}" stroke="{stroke}"/>'
        f'<text x="{box.x + 8:.0f}" y="{text_y:.0f}" fill="{ink}" font-weight="{weight}">{escape(box.short)}</text>'
        f"{note}</a>"
    )
