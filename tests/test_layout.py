"""The store folder's layout (loader/layout.py): the paths it names are the ones a real build writes."""

from __future__ import annotations

import os
from pathlib import Path

from loader import layout
from sparql_api import engine


def test_a_build_writes_the_layout_the_module_names(sample_build: tuple[str, str]):
    store, version = Path(sample_build[0]), sample_build[1]
    assert os.readlink(layout.current_link(store)) == os.path.join(layout.BUILDS, version)
    assert layout.current_link(store).resolve() == layout.build(store, version).resolve()
    assert layout.build(store, version) in layout.builds(store).iterdir()
    release = layout.release(store, version)
    assert release in layout.releases(store).iterdir()
    for name in (layout.CHECKSUMS, layout.VOID, layout.DCAT, layout.dump_name(version, "nq", compressed=True)):
        assert (release / name).is_file(), name
    assert engine.current(store).version == version  # what the web process serves


def test_no_unfinished_folder_is_left_after_a_build(sample_build: tuple[str, str]):
    store = Path(sample_build[0])
    names = [p.name for folder in (layout.builds(store), layout.releases(store)) for p in folder.iterdir()]
    assert names and not [n for n in names if n.startswith(layout.TEMP_PREFIX)]


def test_a_build_folder_and_its_release_share_the_version():
    store = Path("/srv/nolsi")
    build = layout.build(store, "2026-01-02-abc")
    assert build == store / "builds" / "2026-01-02-abc"
    assert layout.release_of(build) == layout.release(store, "2026-01-02-abc") == store / "releases" / "2026-01-02-abc"


def test_dump_names():
    assert layout.dump_name("2026-01-02-abc", "ttl", compressed=False) == "nolsi-2026-01-02-abc.ttl"
    assert layout.dump_name("2026-01-02-abc", "nq", compressed=True) == "nolsi-2026-01-02-abc.nq.gz"
