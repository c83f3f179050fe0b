import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from sparql_api import formats


def accept(header: str) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


@pytest.mark.parametrize(
    "header, solutions, graphs",
    [
        ("", "json", "turtle"),
        ("*/*", "json", "turtle"),
        ("text/csv", "csv", None),
        ("text/tab-separated-values", "tsv", None),
        ("application/sparql-results+xml", "xml", None),
        ("application/json", "json", "jsonld"),
        ("text/csv;q=0.5, application/sparql-results+xml", "xml", None),
        ("application/rdf+xml;q=0.9, text/turtle", None, "turtle"),
        ("application/n-triples", None, "ntriples"),
        ("text/*", "csv", "turtle"),
        ("image/png", None, None),
    ],
)
def test_negotiation_follows_q_values_and_wildcards(header, solutions, graphs):
    def name(found):
        return found.name if found else None

    assert name(formats.negotiate(accept(header), formats.SOLUTIONS)) == solutions
    assert name(formats.negotiate(accept(header), formats.GRAPHS)) == graphs


@pytest.mark.parametrize(
    "value, solutions, graphs",
    [
        ("json", "json", "jsonld"),
        ("csv", "csv", None),
        ("ttl", None, "turtle"),
        ("text/turtle", None, "turtle"),
        ("application/json", "json", "jsonld"),
        ("nt", None, "ntriples"),
        # what SPARQLWrapper sends
        ("xml", "xml", "rdfxml"),
        ("rdf+xml", None, "rdfxml"),
        ("n3", None, "turtle"),
        ("application/ld+json,application/x-json+ld", None, "jsonld"),
        ("text/tab-separated-values", "tsv", None),
    ],
)
def test_format_parameter_accepts_names_and_media_types(value, solutions, graphs):
    found = formats.requested((value,), formats.SOLUTIONS), formats.requested((value,), formats.GRAPHS)
    assert tuple(f.name if f else None for f in found) == (solutions, graphs)


def test_unknown_format_names_the_choices():
    with pytest.raises(formats.UnknownFormat, match="use one of: json, xml, csv, tsv, turtle"):
        formats.requested(("excel",), formats.SOLUTIONS)


def test_repeated_format_values_must_agree():
    assert formats.requested(("json", "json", "application/sparql-results+json"), formats.SOLUTIONS).name == "json"
    with pytest.raises(formats.UnknownFormat, match="disagree: csv, json"):
        formats.requested(("json", "csv"), formats.SOLUTIONS)


# --- the registry: one row per format, every derived table covers every row ------------------------


@pytest.mark.parametrize("chosen", formats.SOLUTIONS + formats.GRAPHS, ids=lambda f: f.name)
def test_every_format_row_is_complete(chosen):
    assert chosen.suffix and chosen.label and chosen.w3c and chosen.engine is not None
    assert formats.BY_SUFFIX[chosen.suffix] is chosen


def test_every_graph_format_is_offered_by_every_table():
    from sparql_api import description, landing, linked, pages, releases

    for chosen in formats.GRAPHS:
        assert linked.SUFFIXES[chosen.suffix] == chosen.name
        assert pages.DOC.match(f"ri/x.{chosen.suffix}")
        assert releases.MEDIA_TYPES[f".{chosen.suffix}"] == chosen.media_type
        assert landing.SYNTAX_NAMES[chosen.media_type] == chosen.label
    assert set(description.RESULT_FORMATS) == {f.w3c for f in formats.SOLUTIONS + formats.GRAPHS}


def test_every_graph_format_is_read_dumped_and_described_by_the_build():
    """The loader's tables come from the same rows: a build reads each graph format's files, writes a
    dump in each, and describes each dump with its media type (DCAT)."""
    from loader import describe, publish, read

    dumps = {d.suffix: d for d in publish.DUMPS}
    for chosen in formats.GRAPHS:
        assert read.EXTENSIONS[f".{chosen.suffix}"] is chosen.graph_syntax
        assert dumps[chosen.suffix].format is chosen.graph_syntax
        assert dumps[chosen.suffix].holds == ("graphs" if chosen in formats.QUADS else "merge")
        assert describe.MEDIA_TYPES[chosen.suffix] == chosen.media_type
    assert len(dumps) == len(publish.DUMPS) == len(formats.GRAPHS)
