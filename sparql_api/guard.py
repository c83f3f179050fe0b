"""What a public, read-only endpoint refuses before a query reaches the engine.

Oxigraph executes `SERVICE <url>` by calling that URL. The endpoint must never make a request the
operator did not allow, so federated calls are refused unless their endpoint is on the
configured allow-list. A keyword scan keeps the common case (no SERVICE) free; only a query that
may contain SERVICE pays for a full parse with rdflib, and one that rdflib cannot parse is refused.

The check runs in the evaluator process, just before the engine, never in the web process: an
rdflib parse of a few kilobytes can take seconds, and only there does the time limit stop it.
"""

from __future__ import annotations

import itertools
import re
import threading

from rdflib.plugins.sparql.algebra import translateQuery, traverse
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.term import URIRef

CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# The SERVICE keyword as it must stand in a query (section 18, [59] ServiceGraphPattern): not part
# of a name (schema:Service, ?service), followed by whitespace or comments, optional SILENT, then an IRI,
# a prefixed name or a variable. Text that does not match cannot hold a SERVICE clause.
GAP = r"(?:\s|#[^\n]*(?:\n|$))+"
SERVICE = re.compile(rf"(?<![\w:.#?$-])SERVICE{GAP}(?:SILENT{GAP})?(?:<|[?$]|[^\s{{}}<]*:)", re.IGNORECASE)
MAX_DEPTH = 256
BRACKET = re.compile(r"[{}()\[\]]")  # only brackets are looked at one by one: a query has far fewer than characters
MAX_CHECKED = 16_000  # the largest query text that mentions SERVICE which the guard will parse
UNARY_RUN = re.compile(rf"[!+-](?:\s*[!+-]){{{MAX_DEPTH},}}")  # `!!!!x` nests as deep as brackets do
_parser = threading.Lock()  # rdflib's pyparsing grammar is not safe to initialise from two threads


class Refused(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(message)


def check(query: str, allowlist: tuple[str, ...]) -> None:
    """Raise `Refused` for nesting deeper than the engine's parser can take, or a SERVICE call
    outside `allowlist`."""
    deepest = max(itertools.accumulate(1 if b in "{([" else -1 for b in BRACKET.findall(query)), default=0)
    if deepest > MAX_DEPTH:
        raise Refused(400, f"The query nests brackets {deepest} deep; at most {MAX_DEPTH} are accepted.")
    if UNARY_RUN.search(query):
        raise Refused(400, f"The query chains more than {MAX_DEPTH} unary operators (!, +, -).")
    unescaped = _unescape(query)
    if "service" not in unescaped.lower():  # a plain substring test spares most queries the regular expression
        return
    if not (SERVICE.search(query) or (unescaped != query and SERVICE.search(unescaped))):
        return
    if len(query) > MAX_CHECKED:
        # rdflib parses in pure Python, about half a millisecond a character: a longer text would
        # only run into the time limit, and a refusal says more than a timeout.
        raise Refused(
            403,
            f"A query over {MAX_CHECKED} characters that mentions SERVICE cannot be checked; "
            "federated queries are refused.",
        )
    if unescaped != query:
        # rdflib applies codepoint escapes before parsing (section 19.2), Oxigraph only inside
        # strings and IRIs: the two would read different queries, so the check would be unsound.
        raise Refused(403, "A query that mentions SERVICE may not use \\u escapes; federated queries are refused.")
    try:
        with _parser:
            algebra = translateQuery(parseQuery(query)).algebra
    except Exception:  # noqa: BLE001 - rdflib's parser and algebra raise bare Exception for queries they cannot read
        raise Refused(
            403, "This query mentions SERVICE and could not be checked; federated queries are refused."
        ) from None
    endpoints = []
    traverse(
        algebra,
        lambda node: endpoints.append(node.term) if getattr(node, "name", None) == "ServiceGraphPattern" else None,
    )
    for endpoint in endpoints:
        if not isinstance(endpoint, URIRef):
            raise Refused(403, "SERVICE with a variable endpoint is refused: name the endpoint.")
        if str(endpoint) not in allowlist:
            raise Refused(
                403,
                f"SERVICE <{endpoint}> is refused: "
                "this endpoint calls no other endpoint that its operator has not allowed.",
            )


UPDATE = re.compile(
    r"^(?:\s|#[^\n]*\n|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*"
    r"(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.IGNORECASE,
)


def is_update(text: str) -> bool:
    """Whether text the query parser refused starts like a SPARQL Update; only words the error."""
    return bool(UPDATE.match(text))


def _unescape(query: str) -> str:
    """Apply SPARQL codepoint escapes (section 19.2), so `SERVIC\\u0045` is seen for what it is."""
    return CODEPOINT_ESCAPE.sub(_codepoint, query)


def _codepoint(match: re.Match) -> str:
    value = int(match.group(1) or match.group(2), 16)
    return chr(value) if value <= 0x10FFFF else match.group(0)
