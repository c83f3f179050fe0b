"""Serving files of npm packages installed by `make install` (never committed, never from a CDN).

Only the files a page needs are served, each with a year-long cache: the URL carries the
installed version, so an upgrade changes the URL. Anything else, a path that climbs out of
the package folder, or a package that was never installed, is a plain 404.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Response, abort, send_from_directory

from loader import settings

NODE_MODULES = settings.ROOT / "node_modules"
ONE_YEAR = 365 * 24 * 3600


def send(folder: Path, allowed: frozenset[str], filename: str) -> Response:
    if filename not in allowed:
        abort(404)
    # send_from_directory refuses any path outside `folder`, and answers 404 when the file is absent.
    response = send_from_directory(folder, filename, max_age=ONE_YEAR)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@lru_cache(maxsize=8)
def version(package: Path) -> str:
    """The installed version of the npm package in `package`, or "missing" before `make install`."""
    try:
        return json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "missing"


def installed(package: Path) -> bool:
    """Whether `make install` has put `package` here: without it a page offers what works without it."""
    return version(package) != "missing"
