"""Hardening: security headers, rate limiting, request size limits."""

from pathlib import Path

import pytest
import requests

from tests.conftest import FIXTURES, nolsi, serving

SAMPLE = FIXTURES / "valid" / "formats" / "sample.ttl"


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("security") / "store"
    assert nolsi("build", "--no-shapes", "--store", store, SAMPLE).returncode == 0
    return store


def test_html_gets_a_content_security_policy_and_every_response_nosniff(sample_store: Path):
    with serving("--store", sample_store) as base:
        page = requests.get(base + "/sparql", headers={"Accept": "text/html"}, timeout=30)
        assert page.headers["Content-Type"].startswith("text/html")
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        results = requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=30)
        assert results.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" not in results.headers


def test_a_client_over_the_rate_limit_gets_429_with_retry_after(sample_store: Path):
    with serving("--store", sample_store, "--workers", "1", "--rate-limit", "5/minute") as base:
        statuses = [requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=30) for _ in range(7)]
        assert [r.status_code for r in statuses[:5]] == [200] * 5
        refused = statuses[5]
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert "Traceback" not in refused.text
        assert requests.get(base + "/-/health", timeout=30).status_code == 200, "health checks are not limited"


def test_no_rate_limit_by_default(sample_store: Path):
    with serving("--store", sample_store, "--workers", "1") as base:
        statuses = {
            requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code for _ in range(30)
        }
        assert statuses == {200}
