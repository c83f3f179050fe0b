"""`linked`: what every page takes from the served release follows the store link."""

from __future__ import annotations

import time
from pathlib import Path

from loader.settings import Settings
from sparql_api import engine
from sparql_api.app import create_app
from tests.conftest import FIXTURES, nolsi


def build(store: Path, source: Path) -> str:
    done = nolsi("build", "--no-shapes", "--store", store, source)
    assert done.returncode == 0, done.stderr[-3000:]
    return engine.current(store).version


def test_pages_follow_a_new_build_switched_in_while_serving(tmp_path: Path):
    """A build switched in while the app runs: the landing page names it and its ETag changes,
    in the same process, without a restart."""
    store = tmp_path / "store"
    first = build(store, FIXTURES / "valid" / "formats" / "sample.ttl")
    app = create_app(Settings.from_env(store=store, evaluators=1))
    try:
        client = app.test_client()
        before = client.get("/")
        assert before.status_code == 200 and first in before.text
        second = build(store, FIXTURES / "valid" / "minimal.ttl")
        assert second != first
        time.sleep(engine.RECHECK * 4)  # the app looks at the store link again after RECHECK seconds
        after = client.get("/")
        assert after.status_code == 200 and second in after.text
        assert after.headers["ETag"] != before.headers["ETag"]
    finally:
        app.extensions["nolsi.service"].close()
