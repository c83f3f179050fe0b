"""The store being served, as the web process sees it.

The store folder's `current` link is read again on every request (one `readlink`), so a new
build is served as soon as it is switched in, with no restart; each build is immutable, so a
request sees one whole build or the other, never a mix. The build's folder name is the dataset
version, the ETag base of every response.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from loader import store

try:
    SOFTWARE = version("nolsi")
except PackageNotFoundError:  # running from a source tree that was never installed
    SOFTWARE = "0+unknown"


@dataclass(frozen=True)
class Release:
    path: str
    version: str
    built: datetime


def check(store_dir: Path) -> Release:
    """The build to serve, opened once to prove it is whole; raises `store.StoreError`."""
    release = current(store_dir)
    store.check(Path(release.path))
    return release


def current(store_dir: Path) -> Release:
    """The build to serve now; raises `store.StoreError` if there is none or it cannot be read."""
    try:
        path = store.resolve(store_dir)
        return _release(str(path), os.stat(path).st_mtime)
    except (OSError, RuntimeError) as error:  # unreadable, or a link loop (RuntimeError from pathlib), while serving
        raise store.StoreError(f"the store at {store_dir} cannot be read: {getattr(error, 'strerror', None) or error}") from None


@lru_cache(maxsize=8)
def _release(path: str, mtime: float) -> Release:
    return Release(path, Path(path).name, datetime.fromtimestamp(int(mtime), tz=timezone.utc))
