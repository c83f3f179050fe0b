"""The build being served, as the web process sees it (sparql_api/engine.py). A build switched in while
the app runs: tests/test_linked.py; while a server runs: tests/test_reliability.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from loader import layout
from loader.store import StoreError
from sparql_api import engine


def test_the_served_build_is_the_one_current_names(sample_build: tuple[str, str]):
    store, version = Path(sample_build[0]), sample_build[1]
    served = engine.check(store)
    assert served.version == version and Path(served.path) == layout.build(store, version).resolve()
    assert served.built.tzinfo is not None


def test_a_missing_store_is_a_store_error(tmp_path: Path):
    with pytest.raises(StoreError):
        engine.current(tmp_path / "nothing")


def test_the_etag_names_the_software_the_dataset_and_the_representation():
    one = engine.Build("/s/builds/v1", "v1", datetime.now(UTC))
    two = engine.Build("/s/builds/v2", "v2", one.built)
    assert engine.etag(one, "csv", "ASK {}") == engine.etag(one, "csv", "ASK {}")
    assert (
        len({engine.etag(one, "csv", "ASK {}"), engine.etag(two, "csv", "ASK {}"), engine.etag(one, "json", "ASK {}")})
        == 3
    )
