"""Starting, probing, measuring and stopping the servers under test, all on 127.0.0.1."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import psutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Target:
    """One server: how to start it, and what was measured about it."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    path: str = "/sparql"  # where the SPARQL endpoint is (rdflib-endpoint serves it at /)
    saved_routes: bool = False  # nolsi: saved queries through /queries/<name>
    log: Path | None = None
    process: subprocess.Popen | None = None
    cold_start_s: float | None = None
    start_error: str | None = None
    peak_rss: int = 0
    peak_pss: int = 0
    idle_rss: int = 0
    idle_pss: int = 0
    max_processes: int = 0
    excluded: dict = field(default_factory=dict)  # query name -> why it is left out of this target's load mix

    def start(self, probe_body: str, timeout: float) -> None:
        """Start the server and time it until the first successful query (the cold start)."""
        started = time.perf_counter()
        # The server keeps its own copy of the log's file descriptor; ours is closed once it started.
        with open(self.log, "wb") if self.log else contextlib.nullcontext(subprocess.DEVNULL) as out:
            self.process = subprocess.Popen(
                self.argv,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                self.start_error = f"exited with status {self.process.returncode} before answering (see {self.log})"
                return
            try:
                status, _ = post(self.port, self.path, probe_body, "application/sparql-results+json", timeout=timeout)
                if status == 200:
                    self.cold_start_s = time.perf_counter() - started
                    self.idle_rss, self.idle_pss, _ = tree_memory(self.process.pid)
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.02)
        self.start_error = f"no answer within {timeout:g} s"

    def stop(self) -> None:
        """SIGTERM to the server's own process group (it was started in a new session), then SIGKILL."""
        if not self.process or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self.cold_start_s is not None


def post(port: int, path: str, query: str, accept: str, timeout: float = 120) -> tuple[int, bytes]:
    """One SPARQL query by POST (form-encoded), on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        body = urllib.parse.urlencode({"query": query})
        conn.request(
            "POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def get(port: int, path: str, accept: str, timeout: float = 120) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def tree_memory(pid: int, pss: bool = True) -> tuple[int, int, int]:
    """RSS and (if asked, it costs more to read) PSS summed over a process and its descendants, and how many."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0, 0
    rss_sum = pss_sum = 0
    for proc in procs:
        try:
            if pss:
                info = proc.memory_full_info()
                pss_sum += getattr(info, "pss", info.rss)
            else:
                info = proc.memory_info()
            rss_sum += info.rss
        except psutil.Error:
            pass
    return rss_sum, pss_sum, len(procs)


class MemoryMonitor(threading.Thread):
    """Samples the process tree of every running target and keeps the peaks."""

    def __init__(self, targets: list[Target], interval: float = 0.5):
        super().__init__(daemon=True)
        self.targets, self.interval = targets, interval
        self._halt = threading.Event()

    def run(self) -> None:
        tick = 0
        while not self._halt.is_set():
            with_pss = tick % 5 == 0  # reading smaps is not free: PSS every fifth sample
            for target in self.targets:
                if target.alive and target.process is not None:
                    rss, pss, count = tree_memory(target.process.pid, with_pss)
                    target.peak_rss = max(target.peak_rss, rss)
                    target.peak_pss = max(target.peak_pss, pss)
                    target.max_processes = max(target.max_processes, count)
            tick += 1
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def run_with_rusage(argv: list[str], timeout: float, env: dict | None = None) -> tuple[int | None, str, float, int]:
    """Run a command; return (status or None on timeout, output, wall seconds, peak RSS in bytes of that child)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    chunks: list[bytes] = []
    output = proc.stdout
    assert output is not None  # stdout=PIPE
    reader = threading.Thread(target=lambda: chunks.append(output.read()), daemon=True)
    reader.start()
    try:
        return _wait(proc, started, started + timeout, reader, chunks)
    except BaseException:  # interrupted: leave no build running behind us
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        raise


def _wait(proc, started, deadline, reader, chunks) -> tuple[int | None, str, float, int]:
    status = None
    while True:
        pid, raw, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            status = os.waitstatus_to_exitcode(raw)
            proc.returncode = status
            break
        if time.perf_counter() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pid, raw, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            break
        time.sleep(0.05)
    wall = time.perf_counter() - started
    reader.join(timeout=5)
    return status, b"".join(chunks).decode("utf-8", "replace"), wall, usage.ru_maxrss * 1024
