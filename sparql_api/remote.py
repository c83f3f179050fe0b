"""Queries answered by another SPARQL server: `nolsi serve --backend URL`.

When one machine is not enough, the release is pushed to an existing server (`nolsi push`) and
nolsi keeps everything else: the protocol, the guard, the time and row limits, the formats, the
saved queries and the pages. Only evaluation moves. The backend is asked over the SPARQL 1.1
Protocol, in formats every server speaks, and its answer is read back into Oxigraph's result
types, so the evaluator cuts and serialises it exactly as it does the embedded store's.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pyoxigraph
from pyoxigraph import QueryResultsFormat, RdfFormat

ACCEPT = ", ".join(
    (
        "application/sparql-results+json",
        "application/sparql-results+xml;q=0.9",
        "application/n-triples",
        "text/turtle;q=0.9",
        "application/rdf+xml;q=0.8",
    )
)


class BackendError(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(message)


@dataclass(frozen=True)
class Backend:
    """The SPARQL server at `endpoint`, as an `evaluator.Source`."""

    endpoint: str

    def query(self, text: str, default_graphs, named_graphs, base_iri: str | None):
        """Solutions or a boolean (Oxigraph's result objects) or a graph as N-Triples bytes."""
        return _ask(self.endpoint, text, default_graphs, named_graphs, base_iri)


def _ask(endpoint: str, text: str, default_graphs, named_graphs, base_iri: str | None):
    if (
        base_iri
    ):  # SPARQL 1.1 Query 4.1.1.1: relative IRIs resolve against the service; the query's own BASE comes later and wins
        text = f"BASE <{base_iri}> {text}"
    fields = [("query", text)]
    fields += [("default-graph-uri", iri) for iri in default_graphs or ()]
    fields += [("named-graph-uri", iri) for iri in named_graphs or ()]
    request = urllib.request.Request(
        endpoint,
        data=urllib.parse.urlencode(fields).encode(),
        method="POST",
        headers={"Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        # No socket timeout: the web process holds the time limit and ends this evaluator at it.
        with urllib.request.urlopen(request) as response:
            body, media_type = response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        reason = error.read(2000).decode("utf-8", "replace").strip()
        if error.code == 400:
            raise BackendError(400, f"The query cannot be evaluated: {reason}") from None
        raise BackendError(502, f"The SPARQL backend answered {error.code}: {reason}") from None
    except (urllib.error.URLError, OSError) as error:
        cause = error.reason if isinstance(error, urllib.error.URLError) else error
        raise BackendError(502, f"The SPARQL backend {endpoint} could not be reached: {cause}") from None
    results_format = QueryResultsFormat.from_media_type(media_type)
    if results_format is not None:
        return pyoxigraph.parse_query_results(body, format=results_format)
    graph_format = RdfFormat.from_media_type(media_type)
    if graph_format is None:
        raise BackendError(502, f"The SPARQL backend answered in {media_type}, which nolsi does not read.")
    if graph_format == RdfFormat.N_TRIPLES:
        return body
    return pyoxigraph.serialize(pyoxigraph.parse(body, format=graph_format), format=RdfFormat.N_TRIPLES)
