"""The build being served, as the web process sees it.

The store folder's `current` link is looked at again every few hundredths of a second, so a new
build is served as soon as it is switched in, with no restart; each build is immutable, so a
request sees one whole build or the other, never a mix. The build's folder name is the dataset
version (that of the release published from it, too), the ETag base of every response.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from loader import layout, store

try:
    SOFTWARE = version("nolsi")
except PackageNotFoundError:  # running from a source tree that was never installed
    SOFTWARE = "0+unknown"


@dataclass(frozen=True)
class Build:
    """A build (`<store>/builds/<version>`, `loader.layout`): its folder, version and build time."""

    path: str
    version: str
    built: datetime


def etag(build: Build, *parts) -> str:
    """The one ETag recipe: software version, dataset version, and what identifies the representation."""
    return hashlib.sha256(repr((SOFTWARE, build.version, *parts)).encode()).hexdigest()[:32]


def check(store_dir: Path) -> Build:
    """The build to serve, opened once to prove it is whole; raises `store.StoreError`."""
    build = current(store_dir)
    store.check(Path(build.path))
    return build


def current(store_dir: Path) -> Build:
    """The build to serve now; raises `store.StoreError` if there is none or it cannot be read.

    Looked at again at most every `RECHECK` seconds (two `stat` calls of the link and what it
    points at; a switched build is served from then on); only when either changed is the store
    resolved and checked again (a dozen system calls)."""
    now = time.monotonic()
    seen = _seen.get(store_dir)
    if seen is not None and now - seen[0] < RECHECK:
        return seen[1]
    build = _look(store_dir)
    _seen[store_dir] = (now, build)
    return build


RECHECK = 0.05
_seen: dict[Path, tuple[float, Build]] = {}


def _look(store_dir: Path) -> Build:
    current_link = os.path.join(store_dir, layout.CURRENT)  # not pathlib: this runs often
    try:
        link, target = os.lstat(current_link), os.stat(current_link)
        return _resolved(str(store_dir), link.st_ino, link.st_mtime_ns, target.st_ino, target.st_mtime)
    except FileNotFoundError:  # no `current` link: the folder may be a store itself, or nothing
        pass
    except (OSError, RuntimeError) as error:  # unreadable, or a link loop, while serving
        raise store.StoreError(
            f"the store at {store_dir} cannot be read: {getattr(error, 'strerror', None) or error}"
        ) from None
    path = store.resolve(store_dir)
    return _build(str(path), os.stat(path).st_mtime)


@lru_cache(maxsize=8)
def _resolved(store_dir: str, *identity) -> Build:
    path = store.resolve(Path(store_dir))
    return _build(str(path), os.stat(path).st_mtime)


@lru_cache(maxsize=8)
def _build(path: str, mtime: float) -> Build:
    return Build(path, Path(path).name, datetime.fromtimestamp(int(mtime), tz=UTC))
