import pytest

from sparql_api import guard

ALLOWED = ("https://sparql.example.org/sparql",)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        'SELECT * WHERE { ?s ?p "customer service" }',
        "SELECT * WHERE { ?s <http://example.org/service> ?o }",
        "SELECT * WHERE { SERVICE <https://sparql.example.org/sparql> { ?s ?p ?o } }",
        "# SERVICE <http://127.0.0.1/> in a comment\nSELECT * WHERE { ?s ?p ?o }",
    ],
)
def test_allowed(query: str):
    guard.check(query, ALLOWED)


@pytest.mark.parametrize(
    "query, message",
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE <http://127.0.0.1:9/> is refused"),
        ("SELECT * WHERE { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }", "is refused"),
        (
            "PREFIX x: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE x:sparql { ?s ?p ?o } }",
            "<http://127.0.0.1:9/sparql>",
        ),
        ("SELECT * WHERE { ?e <http://p> ?x SERVICE ?e { ?s ?p ?o } }", "variable endpoint"),
        ("SELECT * WHERE { SERVIC\\u0045 <http://127.0.0.1:9/> { ?s ?p ?o } }", "refused"),
        ("SELECT * WHERE { OPTIONAL { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }", "refused"),
    ],
)
def test_refused(query: str, message: str):
    with pytest.raises(guard.Refused, match=message.replace("?", r"\?")) as caught:
        guard.check(query, ALLOWED)
    assert caught.value.status == 403


def test_invalid_codepoint_escapes_do_not_crash_the_guard():
    guard.check("SELECT * WHERE { ?s ?p '\\UFFFFFFFF' }", ALLOWED)


def test_updates_are_recognised_for_the_error_message():
    assert guard.is_update("INSERT DATA { <http://a> <http://b> <http://c> }")
    assert guard.is_update("LOAD <http://example.org/data>")
    assert not guard.is_update("SELECT * WHERE { ?s ?p ?o }")
    assert not guard.is_update("SELEC")


def test_the_word_service_in_names_and_text_needs_no_parse():
    for query in (
        "PREFIX schema: <https://schema.org/> SELECT * WHERE { ?s a schema:Service }",
        "#+ title: Services that may hold data\nSELECT * WHERE { ?s ?p ?o }",
        "SELECT * WHERE { ?s <https://schema.org/Service> ?o }",
    ):
        assert not guard.SERVICE.search(query)
    for query in (
        "SELECT * { SERVICE <http://x/> {} }",
        "SELECT * { service\n# why\nsilent ?e {} }",
        "SELECT * { SERVICE ex:e {} }",
    ):
        assert guard.SERVICE.search(query)


def test_nesting_deeper_than_the_parser_takes_is_a_client_error():
    with pytest.raises(guard.Refused, match="nests brackets 300 deep") as caught:
        guard.check("SELECT * WHERE " + "{" * 300 + "}" * 300, ALLOWED)
    assert caught.value.status == 400


def test_concurrent_first_parses_all_refuse_the_same_way():
    """rdflib's grammar breaks if two threads initialise it at once; the guard serialises parses."""
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_):
        try:
            guard.check("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", ALLOWED)
        except guard.Refused as error:
            return error.status, "is refused" in error.message

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(attempt, range(64))) == {(403, True)}


def test_long_chains_of_unary_operators_are_a_client_error():
    with pytest.raises(guard.Refused, match="chains more than 256 unary operators"):
        guard.check("ASK { FILTER(" + "!" * 20000 + "true) }", ALLOWED)
    guard.check("ASK { FILTER(!!true && -(-1) = 1) }", ALLOWED)


def test_a_long_query_that_mentions_service_is_refused_without_parsing():
    query = "SELECT ?x WHERE { VALUES ?x {" + " 1" * 10_000 + " } }\n# SERVICE <http://example.org/sparql>"
    with pytest.raises(guard.Refused, match="over 16000 characters") as caught:
        guard.check(query, ALLOWED)
    assert caught.value.status == 403


def test_a_variable_named_service_is_not_the_keyword():
    assert not guard.SERVICE.search("SELECT ?service WHERE { ?service dct:type ?kind . $service ex:p ?o }")
