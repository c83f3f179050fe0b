"""Accept headers as real clients send them (sparql_api/accept.py). Through the app:
tests/test_service.py::test_media_range_parameters_do_not_make_a_406 and
tests/test_service.py::test_an_accept_header_with_too_many_media_ranges_is_refused_at_once."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import BadRequest

from sparql_api import accept


def test_parameters_are_dropped_and_q_values_kept():
    parsed = accept.parse("text/csv; charset=utf-8; q=0.5, application/sparql-results+json;charset=UTF-8")
    assert list(parsed) == [("application/sparql-results+json", 1), ("text/csv", 0.5)]
    assert parsed.best_match(["text/csv", "text/tab-separated-values"]) == "text/csv"


def test_no_header_states_no_preference_and_gets_the_first_format(sample_app):
    assert list(accept.parse("")) == []
    response = sample_app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 200 and response.mimetype == "application/sparql-results+json"


def test_at_most_max_ranges_media_ranges():
    at_limit = ", ".join(f"application/x-{n}" for n in range(accept.MAX_RANGES))
    assert len(list(accept.parse(at_limit))) == accept.MAX_RANGES
    with pytest.raises(BadRequest, match="more than 64 media ranges"):
        accept.parse(at_limit + ", text/csv")


def test_the_app_negotiates_with_these_headers(sample_app):
    response = sample_app.test_client().get(
        "/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+xml; profile=x"}
    )
    assert response.status_code == 200 and response.mimetype == "application/sparql-results+xml"
