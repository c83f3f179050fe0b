"""Every error a client sees is a short plain-text message with the right status (sparql_api/errors.py)."""

from __future__ import annotations

from loader.store import StoreError
from sparql_api import errors
from sparql_api.service import Unanswered


def test_an_unknown_path_is_a_plain_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and response.mimetype == "text/plain"
    assert response.text.startswith("Not Found: ") and response.text.count("\n") == 1


def test_a_method_not_allowed_keeps_its_allow_header(client):
    response = client.delete("/sparql")
    assert response.status_code == 405 and response.mimetype == "text/plain"
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_a_store_that_cannot_be_read_is_a_503_without_detail(sample_app):
    with sample_app.test_request_context():
        response = errors.response_for(StoreError("/secret/path is gone"))
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "The dataset is not available right now.\n"


def test_no_answer_is_a_503_with_retry_after(sample_app):
    with sample_app.test_request_context():
        response = errors.response_for(Unanswered("All evaluators are busy; retry.", retry_after=2))
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.get_data(as_text=True) == "All evaluators are busy; retry.\n"


def test_a_bug_is_a_500_that_says_nothing_of_it(sample_app, caplog):
    with sample_app.test_request_context():
        try:
            raise KeyError("internal detail")
        except KeyError as error:
            response = errors.response_for(error)
    assert response.status_code == 500
    assert "internal detail" not in response.get_data(as_text=True)
    assert "internal detail" in caplog.text  # the traceback is in the log


def test_plain_ends_with_one_newline():
    assert errors.plain(400, "bad\n").get_data(as_text=True) == "bad\n"
    assert errors.plain(400, "bad").content_type == "text/plain; charset=utf-8"
