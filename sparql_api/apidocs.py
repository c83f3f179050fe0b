"""`/api/docs`: interactive documentation of the saved-query API (Swagger UI over /api/openapi.json)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for

from sparql_api import vendor

bp = Blueprint("apidocs", __name__)

PACKAGE = vendor.NODE_MODULES / "swagger-ui-dist"
FILES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css"})


@bp.get("/api/docs")
def page() -> str:
    return render_template("apidocs.html")


@bp.get("/static/swagger-ui/<path:filename>")
def asset(filename: str) -> Response:
    return vendor.send(PACKAGE, FILES, filename)


@bp.app_context_processor
def _helpers() -> dict:
    return {
        "swagger_url": lambda filename: url_for("apidocs.asset", filename=filename, v=vendor.version(PACKAGE)),
        "swagger_installed": vendor.installed(PACKAGE),
    }
