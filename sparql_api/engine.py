"""The query engine: the built store, opened read-only, queried over the union of its graphs."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph

from loader import store


def open_store(path: Path) -> pyoxigraph.Store:
    return pyoxigraph.Store.read_only(str(store.resolve(path)))
