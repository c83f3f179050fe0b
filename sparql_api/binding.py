"""Parameter values written into a query template as RDF terms.

A saved query or a page query is a template of our own; its parameters are variables. Binding
replaces each occurrence of a bound variable by the value's term, as SEP-0007 defines it: in
the pattern the term stands where the variable stood; in a SELECT clause `?x` becomes
`(term AS ?x)`, so the result still has the column; in GROUP BY and ORDER BY, where the grammar
takes no bare constant, `(term)`. A variable a VALUES block declares cannot be bound: such a
template does not parse once bound, and the catalogue refuses it at load. Written as text, the
same bound query runs on the embedded engine and on any SPARQL server behind `--backend`, and
the planner sees a constant where it can use an index (pyoxigraph's own `substitutions` hid it:
100x slower lookups at 100k triples, docs/benchmarks.md).

Values never reach the text as they came: each is a checked term (sparql_api/catalogue.py)
written by Oxigraph's own N-Triples serialiser, which escapes every quote and backslash, so it
cannot end its token. Only the template is read here, with the lexical rules of SPARQL 1.1
section 19.8 for what can hide a variable-like text: comments, strings and IRIs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph

TOKENS = re.compile(
    r"""
      \#[^\n\r]*                                      # a comment
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"              # long strings
    | '''(?:[^'\\]|\\.|'(?!''))*'''
    | "(?:[^"\\\n\r]|\\.)*"                            # strings
    | '(?:[^'\\\n\r]|\\.)*'
    | <[^<>"{}|^`\\\x00-\x20]*>                        # an IRI
    | [?$](?P<variable>[A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
    | (?<![\w:.-])(?P<keyword>SELECT|WHERE|BY|HAVING|LIMIT|OFFSET|VALUES)(?![\w:-])
    | (?P<bracket>[(){}])
    """,
    re.VERBOSE | re.IGNORECASE | re.DOTALL,
)


def write(template: str, values: Mapping[str, pyoxigraph.NamedNode | pyoxigraph.Literal]) -> str:
    """The template with each variable named in `values` replaced by that term."""
    if not values:
        return template
    pieces, last = [], 0
    clause, depth = "pattern", 0  # where the scan is: pattern, projection (SELECT) or ordering (GROUP/ORDER BY)
    for token in TOKENS.finditer(template):
        keyword, bracket, name = token.group("keyword"), token.group("bracket"), token.group("variable")
        if keyword:
            clause, depth = {"SELECT": "projection", "BY": "ordering"}.get(keyword.upper(), "pattern"), 0
        elif bracket in ("{", "}"):
            clause = "pattern"
        elif bracket:
            depth += 1 if bracket == "(" else -1
        elif name in values:
            term = str(values[name])
            if depth == 0 and clause == "projection":
                term = f"({term} AS {token.group()})"
            elif depth == 0 and clause == "ordering":
                term = f"({term})"
            pieces += [template[last : token.start()], term]
            last = token.end()
    return "".join(pieces) + template[last:]
