"""`/-/health` and `/-/version` (sparql_api/ops.py), from `nolsi serve` of the sample."""

from __future__ import annotations

import importlib.metadata
from datetime import datetime

import requests

from tests.conftest import Server
from tests.test_clients import media_type


def test_health(sample_endpoint: Server):
    response = requests.get(sample_endpoint.base + "/-/health", timeout=15)
    assert response.status_code == 200 and media_type(response) == "application/json"
    assert response.json() == {"status": "ok", "version": sample_endpoint.version}


def test_version(sample_endpoint: Server):
    response = requests.get(sample_endpoint.base + "/-/version", timeout=15)
    assert response.status_code == 200 and media_type(response) == "application/json"
    body = response.json()
    assert body["software"] == importlib.metadata.version("nolsi")
    assert body["dataset"] == sample_endpoint.version
    assert datetime.fromisoformat(body["built"]).tzinfo is not None
