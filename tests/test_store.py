import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest

from loader import read, store
from tests.conftest import FIXTURES, ROOT

SAMPLE = FIXTURES / "valid" / "formats" / "sample.ttl"


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` with its content, and every symlink with its target."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[key] = os.readlink(path).encode()
        elif path.is_file() and path.name != ".build.lock":
            found[key] = path.read_bytes()
    return found


def count(path: Path) -> int:
    """Triples in the build's default graph, the merge of its named graphs."""
    opened = pyoxigraph.Store.read_only(str(store.resolve(path)))
    return sum(1 for _ in opened.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))


def test_write_switches_current_to_the_new_build(store_dir: Path):
    first = store.write(read.read(read.file_sources([SAMPLE])), store_dir, "v1")
    assert store.resolve(store_dir) == first
    second = store.write(read.read([]), store_dir, "v2")
    assert store.resolve(store_dir) == second
    assert count(store_dir) == 0
    assert count(first) == 2, "the previous build stays intact"


def test_the_default_graph_is_the_merge_of_the_named_graphs(tmp_path: Path, store_dir: Path):
    (tmp_path / "again.ttl").write_bytes(SAMPLE.read_bytes())
    dataset = read.read(read.file_sources([SAMPLE, tmp_path / "again.ttl"]))
    assert len(dataset) == 4
    store.write(dataset, store_dir, "v1")
    assert count(store_dir) == 2, "a triple in two graphs is in the default graph once"


def test_resolve_accepts_a_build_folder_itself(store_dir: Path):
    build = store.write(read.read(read.file_sources([SAMPLE])), store_dir, "v1")
    assert store.resolve(build) == build


def test_resolve_refuses_a_folder_without_store(tmp_path: Path):
    with pytest.raises(store.StoreError, match="run `nolsi build` first"):
        store.resolve(tmp_path)


def test_a_dangling_current_is_a_clear_error(store_dir: Path):
    store_dir.mkdir()
    (store_dir / "current").symlink_to("builds/gone")
    with pytest.raises(store.StoreError, match="not an Oxigraph store"):
        store.resolve(store_dir)


def test_same_data_gives_the_same_nquads_whatever_the_blank_node_labels(tmp_path: Path):
    text = '<http://example.org/a> <http://example.org/p> [ <http://example.org/q> "x" ] .\n'
    (tmp_path / "a.ttl").write_text(text)
    (tmp_path / "b.ttl").write_text(text.replace("[", "_:other .\n_:other").replace(" ] .", " ."))
    hashes = {
        store.sorted_nquads(read.read([read.Source(tmp_path / n, "http://example.org/g")])) for n in ("a.ttl", "b.ttl")
    }
    assert len(hashes) == 1


def test_different_data_gives_different_nquads(tmp_path: Path):
    (tmp_path / "c.ttl").write_text('<http://example.org/a> <http://example.org/p> "y" .\n')
    one = store.sorted_nquads(read.read(read.file_sources([SAMPLE])))
    two = store.sorted_nquads(read.read(read.file_sources([tmp_path / "c.ttl"])))
    assert one != two


def big_ntriples(path: Path, triples: int) -> Path:
    with open(path, "w") as out:
        for i in range(triples):
            out.write(f'<http://example.org/s{i % 9973}> <http://example.org/p{i % 7}> "value {i}" .\n')
    return path


def test_a_build_killed_at_any_moment_leaves_the_previous_store_servable(tmp_path: Path, store_dir: Path):
    """SIGKILL a real `nolsi build` at random moments; `current` must stay the old, whole store."""
    store.write(read.read(read.file_sources([SAMPLE])), store_dir, "previous")
    before = tree_bytes(store_dir / "builds" / "previous")
    big = big_ntriples(tmp_path / "big.nt", 150_000)
    command = [sys.executable, "-m", "loader.cli", "build", "--no-shapes", "--store", str(store_dir), str(big)]

    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    full = time.monotonic() - started
    newest = store.resolve(store_dir)
    (store_dir / "current").unlink()
    (store_dir / "current").symlink_to("builds/previous")
    subprocess.run(["rm", "-rf", str(newest)], check=True)

    rng = random.Random(20231113)
    for delay in sorted(rng.uniform(0.05, full) for _ in range(6)):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        current = store.resolve(store_dir)
        if current.name != "previous":  # the build won the race: it must then be complete
            assert count(store_dir) == 150_000
            (store_dir / "current").unlink()
            (store_dir / "current").symlink_to("builds/previous")
            subprocess.run(["rm", "-rf", str(current)], check=True)
        assert count(store_dir) == 2
        assert tree_bytes(store_dir / "builds" / "previous") == before

    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    assert count(store_dir) == 150_000
    assert not list((store_dir / "builds").glob(".tmp-*")), "leftovers of killed builds are cleaned"


def test_two_builds_at_once_are_refused(store_dir: Path):
    import fcntl

    store_dir.mkdir()
    with open(store_dir / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(store.StoreError, match="another build is running"):
            store.write(read.read([]), store_dir, "v1")
