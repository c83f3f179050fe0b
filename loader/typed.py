"""Oxigraph's results, typed as they are used here.

pyoxigraph's stubs give one return type for several uses: `serialize` and `dump` return the bytes
when called without an output file and None with one, so both are `bytes | None`; `Store.query`
returns solutions, a boolean or triples depending on the query form. A caller that knows which
it asked for says so through these functions, which check it.
"""

from __future__ import annotations

import pyoxigraph


def in_memory(written: bytes | None) -> bytes:
    """The bytes an Oxigraph serialiser returned, called without an output file."""
    if written is None:
        raise TypeError("the serialiser wrote to a file; call it without `output` for the bytes")
    return written


def solutions(
    results: pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples,
) -> pyoxigraph.QuerySolutions:
    """The solutions of a SELECT query."""
    if not isinstance(results, pyoxigraph.QuerySolutions):
        raise TypeError(f"a SELECT query was expected, not one that gives {type(results).__name__}")
    return results
