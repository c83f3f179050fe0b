"""The app factory (sparql_api/app.py): it refuses to start without a store it can read, and wires
every blueprint, the request class and the limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.settings import Settings
from loader.store import StoreError
from sparql_api.accept import NegotiatingRequest
from sparql_api.app import create_app


def test_no_app_without_a_readable_store(tmp_path: Path):
    with pytest.raises(StoreError, match=str(tmp_path)):
        create_app(Settings.from_env(store=tmp_path / "nothing"))


def test_every_blueprint_is_registered(sample_app):
    assert set(sample_app.blueprints) == {
        "sparql",
        "saved",
        "ops",
        "editor",
        "apidocs",
        "landing",
        "releases",
        "pages",
        "ontology",
        "search",
    }


@pytest.mark.parametrize(
    "path", ["/sparql", "/api/docs", "/-/health", "/queries", "/search", "/releases/", "/ontology"]
)
def test_the_blueprints_answer(sample_app, path):
    response = sample_app.test_client().get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:200]}"


def test_the_settings_the_app_runs_with(sample_app):
    settings = sample_app.config["NOLSI"]
    assert isinstance(settings, Settings)
    assert sample_app.request_class is NegotiatingRequest
    assert sample_app.config["MAX_CONTENT_LENGTH"] == settings.max_request_bytes + 1
    assert sample_app.extensions["nolsi.queries"]  # the saved queries, loaded once
