"""Hardening: security headers and rate limiting, on the app in process (the headers of the direct
query path are compared with these in tests/test_direct.py)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from loader.settings import Settings
from sparql_api.app import create_app
from tests.conftest import FIXTURES, in_process, nolsi

SAMPLE = FIXTURES / "valid" / "formats" / "sample.ttl"
BASE = "http://localhost"


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("security") / "store"
    assert nolsi("build", "--no-shapes", "--store", store, SAMPLE).returncode == 0
    return store


@contextmanager
def app_session(store: Path, **settings) -> Iterator[requests.Session]:
    """`requests` to the app `nolsi serve` would run with `settings`, in this process."""
    app = create_app(Settings.from_env(store=store, evaluators=1, **settings))
    try:
        with in_process(app, BASE) as session:
            yield session
    finally:
        app.extensions["nolsi.service"].close()


def test_html_gets_a_content_security_policy_and_every_response_nosniff(sample_store: Path):
    with app_session(sample_store) as web:
        page = web.get(BASE + "/sparql", headers={"Accept": "text/html"})
        assert page.headers["Content-Type"].startswith("text/html")
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        results = web.get(BASE + "/sparql", params={"query": "ASK {}"})
        assert results.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" not in results.headers


def test_a_client_over_the_rate_limit_gets_429_with_retry_after(sample_store: Path):
    with app_session(sample_store, rate_limit="5/minute") as web:
        statuses = [web.get(BASE + "/sparql", params={"query": "ASK {}"}) for _ in range(7)]
        assert [r.status_code for r in statuses[:5]] == [200] * 5
        refused = statuses[5]
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert "Traceback" not in refused.text
        assert web.get(BASE + "/-/health").status_code == 200, "health checks are not limited"


def test_no_rate_limit_by_default(sample_store: Path):
    with app_session(sample_store) as web:
        statuses = {web.get(BASE + "/sparql", params={"query": "ASK {}"}).status_code for _ in range(30)}
        assert statuses == {200}
