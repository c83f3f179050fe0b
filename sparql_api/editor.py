"""The browser query editor's files: YASGUI's build, installed by `make install` into node_modules.

YASGUI is never committed and never loaded from a CDN: it comes from npm at set-up (pinned in
package-lock.json) and is served from here. Only the two files the page needs are served; anything
else under `/static/yasgui/`, a path that climbs out of the folder, or a file that was never
installed, is a plain 404.
"""

from __future__ import annotations

import json
from functools import lru_cache

from flask import Blueprint, Response, abort, send_from_directory, url_for

from loader import settings

bp = Blueprint("editor", __name__)

PACKAGE = settings.ROOT / "node_modules" / "@zazuko" / "yasgui"
BUILD = PACKAGE / "build"
FILES = frozenset({"yasgui.min.js", "yasgui.min.css"})
ONE_YEAR = 365 * 24 * 3600


@bp.get("/static/yasgui/<path:filename>")
def asset(filename: str) -> Response:
    if filename not in FILES:
        abort(404)
    # send_from_directory refuses any path outside BUILD, and answers 404 when the file is absent.
    response = send_from_directory(BUILD, filename, max_age=ONE_YEAR)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.app_context_processor
def _helpers() -> dict:
    return {"yasgui_url": yasgui_url}


def yasgui_url(filename: str) -> str:
    """The URL of a YASGUI file, with the installed version in it so a long cache never goes stale."""
    return url_for("editor.asset", filename=filename, v=version())


@lru_cache(maxsize=1)
def version() -> str:
    """The installed YASGUI version, or "missing" when `make install` has not installed it."""
    try:
        return json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "missing"
