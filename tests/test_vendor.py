"""Files of installed npm packages (sparql_api/vendor.py): only those a page needs, cached for a year
under a versioned URL; anything else a plain 404. The install itself: tests/test_npm.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.exceptions import NotFound

from sparql_api import vendor

PACKAGE = vendor.NODE_MODULES / "swagger-ui-dist"
ALLOWED = frozenset({"swagger-ui.css"})


def test_the_version_is_the_installed_packages():
    assert vendor.version(PACKAGE) == json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]


def test_a_package_never_installed_has_the_version_missing(tmp_path: Path):
    assert vendor.version(tmp_path / "not-installed") == "missing"


def test_an_allowed_file_is_sent_immutable(sample_app):
    with sample_app.test_request_context():
        response = vendor.send(PACKAGE, ALLOWED, "swagger-ui.css")
        response.direct_passthrough = False
        assert response.get_data() == (PACKAGE / "swagger-ui.css").read_bytes()
    assert response.cache_control.public and response.cache_control.immutable
    assert response.cache_control.max_age == vendor.ONE_YEAR


@pytest.mark.parametrize("name", ["package.json", "../swagger-ui-dist/swagger-ui.css", "LICENSE"])
def test_a_file_not_allowed_is_not_found_though_it_exists(sample_app, name):
    with sample_app.test_request_context(), pytest.raises(NotFound):
        vendor.send(PACKAGE, ALLOWED, name)


def test_an_allowed_file_of_a_package_never_installed_is_not_found(sample_app, tmp_path: Path):
    with sample_app.test_request_context(), pytest.raises(NotFound):
        vendor.send(tmp_path / "not-installed", ALLOWED, "swagger-ui.css")
