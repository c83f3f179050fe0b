"""Read, validate, store, publish (loader/pipeline.py), called as `nolsi build` and `nolsi validate`
call it. The command itself: tests/test_cli.py; a build killed midway: tests/test_store.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loader import layout, pipeline, store
from loader.settings import Settings
from tests.conftest import FIXTURES, SAMPLE_NQ, SAMPLE_TTL

MINIMAL = FIXTURES / "valid" / "minimal.ttl"
UNTITLED = FIXTURES / "invalid" / "Agreement-title.ttl"  # minimal.ttl without an agreement's title: a warning
NAMELESS = FIXTURES / "invalid" / "cli" / "nameless-infrastructure.ttl"  # an infrastructure without a name: a violation


def test_check_of_valid_data_reports_and_writes_nothing(tmp_path: Path):
    settings = Settings.from_env(store=tmp_path / "store")
    dataset, report, summary = pipeline.check(settings, [MINIMAL])
    assert report is not None and report.conforms
    assert (summary.files, summary.graphs, summary.violations) == (1, 1, 0) and summary.triples > 0
    assert len(dataset) == 2 * summary.triples  # the one named graph, and its merge in the default graph
    assert not settings.store.exists()


def test_a_violation_raises_with_the_report(tmp_path: Path):
    with pytest.raises(pipeline.ValidationFailed) as failed:
        pipeline.check(Settings.from_env(store=tmp_path / "store"), [NAMELESS])
    violations = failed.value.report.violations
    assert violations and {r.focus for r in violations} == {"https://w3id.org/nolsi/id/ri/nameless"}
    assert str(failed.value) == f"{len(violations)} SHACL violation(s)"


def test_a_warning_does_not_stop_a_build(tmp_path: Path):
    _, report, summary = pipeline.check(Settings.from_env(store=tmp_path / "store"), [UNTITLED])
    assert report is not None and report.conforms and (summary.violations, summary.warnings) == (0, 1)
    assert report.warnings[0].source_shape.endswith("#Agreement-title")


def test_without_shapes_nothing_is_validated(tmp_path: Path):
    _, report, _ = pipeline.check(Settings.from_env(store=tmp_path / "store", shapes=False), [UNTITLED])
    assert report is None


def test_a_build_stores_and_publishes_one_version(tmp_path: Path):
    settings = Settings.from_env(store=tmp_path / "store", shapes=False)
    summary = pipeline.build(settings, [SAMPLE_NQ, SAMPLE_TTL])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-[0-9a-f]{12}", summary.version)
    assert (summary.files, summary.graphs, summary.triples) == (2, 3, 4)
    assert summary.path == layout.build(settings.store, summary.version)
    assert summary.release == layout.release(settings.store, summary.version)
    assert store.resolve(settings.store) == summary.path


def test_the_same_data_keeps_its_version_and_other_data_gets_another(tmp_path: Path):
    settings = Settings.from_env(store=tmp_path / "store", shapes=False)
    first = pipeline.build(settings, [SAMPLE_NQ, SAMPLE_TTL]).version
    assert pipeline.build(settings, [SAMPLE_TTL, SAMPLE_NQ]).version == first
    other = pipeline.build(settings, [MINIMAL]).version
    assert other != first and other.rsplit("-", 1)[1] != first.rsplit("-", 1)[1]
    assert store.resolve(settings.store).name == other


def test_a_version_is_the_date_of_the_first_build_of_its_content(tmp_path: Path):
    (tmp_path / layout.BUILDS / "2020-01-01-0123456789ab").mkdir(parents=True)
    assert pipeline.version(tmp_path, "0123456789ab" + "f" * 52) == "2020-01-01-0123456789ab"
    assert pipeline.version(tmp_path, "ba9876543210" + "f" * 52).endswith("-ba9876543210")
