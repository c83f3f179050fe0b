"""Shared fixtures: running the real `nolsi` command and a real server on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOLSI = [sys.executable, "-m", "loader.cli"]


def nolsi(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the `nolsi` command as a user would, in a subprocess."""
    return subprocess.run(
        [*NOLSI, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=600,
        **kwargs,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(*args: str, env: dict | None = None, ready_path: str = "/sparql?query=ASK%7B%7D"):
    """Start `nolsi serve` on a free port, wait until it answers, yield its base URL, stop it."""
    port = free_port()
    process = subprocess.Popen(
        [*NOLSI, "serve", "--port", str(port), *map(str, args)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise AssertionError(f"server exited early:\n{process.stdout.read()}")
            try:
                requests.get(base + ready_path, timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline:
                    raise AssertionError("server did not start within 120 s") from None
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture(scope="session")
def curated_store(tmp_path_factory) -> Path:
    """The curated graph, built and validated once per test session, as `nolsi build` does it."""
    store = tmp_path_factory.mktemp("curated") / "store"
    done = nolsi("build", "--store", store)
    assert done.returncode == 0, done.stderr[-5000:]
    return store


@pytest.fixture(scope="session")
def curated_server(curated_store: Path):
    """A live server on the curated graph for the whole session."""
    with serving("--store", curated_store) as base:
        yield base
