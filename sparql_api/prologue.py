"""Predeclared prefixes, and syntax errors a person can read.

Every query is run with the prefixes of the vocabularies the graph uses already declared, so
`rdfs:label` works without a PREFIX line; a query may still declare its own, and its declaration
wins (SPARQL 1.1 Query 4.1.1: a later PREFIX for the same name replaces the earlier one). The
predeclared ones are one line of text put before the query, so positions in the engine's error
messages shift only on line 1, and are shifted back here.
"""

from __future__ import annotations

import re

from loader.namespaces import PREFIXES

DECLARATIONS = "".join(f"PREFIX {prefix}: <{namespace}> " for prefix, namespace in PREFIXES.items())
POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
NEAR = 20  # characters of the query shown where the error is
# What can hide a prefixed name (comments, strings, IRIs: skipped), PREFIX declarations, and
# prefixed names themselves (SPARQL 1.1 Query section 19.8, PNAME_NS before a local name).
LEXEMES = re.compile(
    r"#[^\n\r]*"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|(?i:PREFIX)\s+(?P<declared>[A-Za-z][\w.-]*)?:"
    r"|(?<![\w?$.:-])(?P<used>[A-Za-z][\w.-]*)?:(?=[\w%])",
    re.DOTALL,
)


def declare(query: str) -> str:
    return DECLARATIONS + query


def syntax_error(error: str, query: str) -> str:
    """`error at 1:93: expected one of ...` from Oxigraph as one line, `line 1, column 23: ...`,
    counted in the query as the client sent it."""
    unknown = _unknown_prefix(query)
    if unknown:
        return unknown
    match = POSITION.match(error)
    if not match:
        return error.splitlines()[0] if error else "syntax error"
    line, column, expected = int(match[1]), int(match[2]), " ".join(match[3].split())
    if line == 1:
        column -= len(DECLARATIONS)
    lines = query.splitlines() or [""]
    if len(expected) <= 80:
        return f"line {line}, column {column}: syntax error, {expected}"
    near = lines[line - 1][column - 1 : column - 1 + NEAR] if 0 < line <= len(lines) else ""
    return (
        f"line {line}, column {column}: syntax error at {near!r}"
        if near
        else f"line {line}, column {column}: unexpected end of query"
    )


def _unknown_prefix(query: str) -> str | None:
    """The first prefixed name whose prefix is neither predeclared nor declared in the query: the
    engine reports that only where its parser happens to stop, often far from the name."""
    declared = set(PREFIXES)
    for lexeme in LEXEMES.finditer(query):
        if lexeme["declared"] is not None or lexeme.group().upper().startswith("PREFIX"):
            declared.add(lexeme["declared"] or "")
        elif lexeme.group().endswith(":") and (lexeme["used"] or "") not in declared:
            line = query.count("\n", 0, lexeme.start()) + 1
            column = lexeme.start() - (query.rfind("\n", 0, lexeme.start()) + 1) + 1
            return (
                f"line {line}, column {column}: unknown prefix '{lexeme['used'] or ''}:'; declare it with a PREFIX line"
            )
    return None
