"""`/api/docs` (sparql_api/apidocs.py): Swagger UI over the OpenAPI document, its two files served from
the installed npm package under a URL that names the package's version."""

from __future__ import annotations

import json

import pytest

from sparql_api import apidocs
from tests.conftest import Page

VERSION = json.loads((apidocs.PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]


def test_the_page_links_swagger_ui_at_its_installed_version_and_the_openapi_document(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    for name in sorted(apidocs.FILES):
        assert f"/static/swagger-ui/{name}?v={VERSION}" in response.text, name
    assert "swagger" in Page.of(response.text).ids
    assert client.get("/api/openapi.json").status_code == 200


@pytest.mark.parametrize("name", sorted(apidocs.FILES))
def test_the_files_are_served_for_a_year(client, name):
    response = client.get(f"/static/swagger-ui/{name}", query_string={"v": VERSION})
    assert response.status_code == 200
    assert response.data == (apidocs.PACKAGE / name).read_bytes()
    assert response.cache_control.immutable and response.cache_control.max_age == 365 * 24 * 3600


@pytest.mark.parametrize("name", ["package.json", "index.html", "../swagger-ui-dist/swagger-ui.css", "%2e%2e/x"])
def test_no_other_file_of_the_package_is_served(client, name):
    assert client.get(f"/static/swagger-ui/{name}").status_code == 404
