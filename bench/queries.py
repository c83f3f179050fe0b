"""The query mix: the saved queries of queries/ plus six kinds of ad-hoc query, and answer comparison.

Each query is sent to nolsi the way a client would (saved queries through `/queries/<name>` with
their example parameters; everything else through `/sparql`), and to the other targets through
`/sparql`. For them, a saved query's parameters are written into the query text: this is the
benchmark harness, not the server, so plain text substitution is fine here.
"""

from __future__ import annotations

import json
import re
import shlex
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

PREFIXES = """PREFIX nolsi: <https://w3id.org/nolsi/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
"""

CONCEPT_SCHEMES = {"data-classification", "domain", "role", "service-type"}
VOCAB = "https://w3id.org/nolsi/vocab/"
ID = "https://w3id.org/nolsi/id/"


@dataclass(frozen=True)
class Query:
    name: str
    text: str  # with saved-query parameters written in: what /sparql gets
    form: str  # "select" or "construct"
    saved_path: str | None = None  # nolsi's own route for a saved query, with its parameters

    @property
    def accept(self) -> str:
        return "application/n-triples" if self.form == "construct" else "application/sparql-results+json"


def saved_queries(queries_dir: Path) -> list[Query]:
    """Every saved query, with its example (or else default) parameter values bound."""
    out = []
    for path in sorted(Path(queries_dir).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        params = {}
        for line in text.splitlines():
            if line.startswith("#+") and line[2:].split(":", 1)[0].strip() == "param":
                words = shlex.split(line.split(":", 1)[1])
                options = dict(w.split("=", 1) for w in words[1:] if "=" in w)
                value = options.get("example", options.get("default"))
                if value is not None:
                    params[words[0]] = (value, options)
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#+"))
        for name, (value, options) in params.items():
            body = bind(body, name, term(value, options))
        query_string = urllib.parse.urlencode({k: v for k, (v, _) in params.items()})
        form = (
            "construct"
            if re.search(r"\b(CONSTRUCT|DESCRIBE)\b", body, re.I)
            else "ask"
            if re.search(r"^\s*ASK\b", _strip_prologue(body), re.I)
            else "select"
        )
        out.append(
            Query(
                f"saved:{path.stem}", body, form, f"/queries/{path.stem}" + (f"?{query_string}" if query_string else "")
            )
        )
    return out


def _strip_prologue(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return re.sub(r"^\s*((PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*", "", "\n".join(lines), flags=re.I)


def term(value: str, options: dict) -> str:
    """A parameter value as a SPARQL term, the way nolsi's catalogue binds it."""
    kind = options.get("type", "string")
    if kind == "concept":
        return f"<{VOCAB}{options['scheme']}/{value}>"
    if kind == "entity":
        return f"<{value}>" if value.startswith("http") else f"<{ID}{options['kind']}/{value}>"
    if kind == "iri":
        return f"<{value}>"
    if kind == "boolean":
        value = "true" if value.lower() in ("true", "1") else "false"
    if kind in ("integer", "decimal", "boolean", "date"):
        return f'"{value}"^^<http://www.w3.org/2001/XMLSchema#{kind}>'
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{options["lang"]}' if options.get("lang") else f'"{escaped}"'


TERM = re.compile(r'"(?:[^"\\]|\\.)*"(?:@[A-Za-z-]+|\^\^\S+)?|<[^>]*>|[^\s()]+')


def bind(text: str, name: str, value: str) -> str:
    """Write `value` for `?name` into the query text, the way the engine binds it.

    Everywhere the variable becomes the value, except where the grammar needs something else:
    `(value AS ?name)` for a projected variable, `(value)` in GROUP BY and ORDER BY, and in a
    VALUES block the column goes and only the rows holding the value stay.
    """
    mark = f"\x00{name}\x00"
    text = re.sub(rf"[?$]{re.escape(name)}\b", mark, text)
    text = re.sub(
        r"\bVALUES\s*(\([^)]*\)|\x00[^\x00]+\x00)\s*\{(.*?)\}",
        lambda m: _values(m, mark, value),
        text,
        flags=re.S | re.I,
    )

    def projection(m: re.Match) -> str:
        out, depth, i, body = [], 0, 0, m.group(2)
        while i < len(body):
            if body.startswith(mark, i):
                out.append(f"({value} AS ?{name})" if depth == 0 else value)
                i += len(mark)
                continue
            depth += body[i] == "("
            depth -= body[i] == ")"
            out.append(body[i])
            i += 1
        return m.group(1) + "".join(out)

    text = re.sub(r"(\bSELECT\b)(.*?)(?=\bWHERE\b|\{)", projection, text, flags=re.I | re.S)
    text = re.sub(
        r"\b(GROUP|ORDER)\s+BY\b.*?(?=\bHAVING\b|\bORDER\b|\bLIMIT\b|\bOFFSET\b|\bVALUES\b|\}|$)",
        lambda m: m.group(0).replace(mark, f"({value})"),
        text,
        flags=re.I | re.S,
    )
    return text.replace(mark, value)


def _values(m: re.Match, mark: str, value: str) -> str:
    head, rows = m.group(1), m.group(2)
    if mark not in head:
        return m.group(0)
    if not head.startswith("("):  # VALUES ?x { a b c }
        return "" if value in TERM.findall(rows) else "FILTER(false)"
    names = TERM.findall(head[1:-1])
    column = names.index(mark)
    kept = []
    for row in re.findall(r"\(([^)]*)\)", rows):
        cells = TERM.findall(row)
        if len(cells) == len(names) and cells[column] == value:
            kept.append("(" + " ".join(c for k, c in enumerate(cells) if k != column) + ")")
    rest = [n for k, n in enumerate(names) if k != column]
    return f"VALUES ({' '.join(rest)}) {{ {' '.join(kept)} }}"


def adhoc(entity: str, infrastructure: str) -> list[Query]:
    """Lookup, type + label, two-hop join, COUNT/GROUP BY, CONTAINS and REGEX filters, CONSTRUCT."""
    return [
        Query("lookup-iri", f"SELECT ?p ?o WHERE {{ <{entity}> ?p ?o }}", "select"),
        Query(
            "type-label",
            PREFIXES
            + """SELECT ?ri ?label WHERE {
  ?ri a nolsi:ResearchInfrastructure ; skos:prefLabel ?label . FILTER(lang(?label) = "en")
}""",
            "select",
        ),
        Query(
            "two-hop",
            PREFIXES
            + f"""SELECT DISTINCT ?person ?name ?role WHERE {{
  ?node org:unitOf <{infrastructure}> .
  ?m org:organization ?node ; org:member ?person ; org:role ?role .
  ?person foaf:name ?name .
}}""",
            "select",
        ),
        Query(
            "count-group", """SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type""", "select"
        ),
        Query(
            "text-contains",
            PREFIXES
            + """SELECT ?s ?label WHERE {
  ?s a schema:Service ; skos:prefLabel ?label ; dct:description ?d .
  FILTER(lang(?label) = "en" && CONTAINS(LCASE(STR(?d)), "sensitive"))
}""",
            "select",
        ),
        Query(
            "text-regex",
            PREFIXES
            + """SELECT ?s ?label WHERE {
  ?s skos:prefLabel ?label . FILTER(REGEX(STR(?label), "^nor", "i"))
}""",
            "select",
        ),
        Query(
            "construct",
            f"""CONSTRUCT {{ <{entity}> ?p ?o . ?s ?q <{entity}> }}
WHERE {{ {{ <{entity}> ?p ?o }} UNION {{ ?s ?q <{entity}> }} }}""",
            "construct",
        ),
    ]


def mix(queries_dir: Path, entity: str, infrastructure: str) -> list[Query]:
    return saved_queries(queries_dir) + adhoc(entity, infrastructure)


# -- comparing answers ---------------------------------------------------------------------------

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def normalise(query: Query, body: bytes) -> list:
    """A canonical, sorted form of an answer: blank nodes made anonymous, xsd:string made plain."""
    if query.form == "construct":
        return sorted(_ntriples(body.decode("utf-8")))
    results = json.loads(body)
    if "boolean" in results:
        return [("boolean", results["boolean"])]
    names = sorted(results["head"].get("vars", []))
    rows = []
    for binding in results["results"]["bindings"]:
        rows.append(tuple(_term(binding.get(n)) for n in names))
    return sorted(rows, key=repr)


def _term(value: dict | None):
    if value is None:
        return None
    kind = value["type"]
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", value["value"])
    datatype = value.get("datatype")
    if datatype == XSD_STRING:
        datatype = None
    lang = value.get("xml:lang")
    return ("literal", value["value"], lang.lower() if lang else None, datatype)


def _ntriples(text: str) -> list[tuple]:
    from rdflib import BNode, Graph

    graph = Graph()
    graph.parse(data=text, format="nt")
    out = []
    for triple in graph:
        out.append(tuple("_:" if isinstance(t, BNode) else t.n3().replace(f"^^<{XSD_STRING}>", "") for t in triple))
    return out
