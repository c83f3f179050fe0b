"""The browser query editor's files: YASGUI's build, installed from npm (see `sparql_api.vendor`)."""

from __future__ import annotations

from flask import Blueprint, Response, url_for

from sparql_api import vendor

bp = Blueprint("editor", __name__)

PACKAGE = vendor.NODE_MODULES / "@zazuko" / "yasgui"
BUILD = PACKAGE / "build"
FILES = frozenset({"yasgui.min.js", "yasgui.min.css"})


@bp.get("/static/yasgui/<path:filename>")
def asset(filename: str) -> Response:
    return vendor.send(BUILD, FILES, filename)


@bp.app_context_processor
def _helpers() -> dict:
    return {"yasgui_url": yasgui_url}


def yasgui_url(filename: str) -> str:
    """The URL of a YASGUI file, with the installed version in it so a long cache never goes stale."""
    return url_for("editor.asset", filename=filename, v=version())


def version() -> str:
    return vendor.version(PACKAGE)
