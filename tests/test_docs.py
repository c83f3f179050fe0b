"""Documentation that cannot drift from the code, in the manner of Datasette's tests/test_docs.py:
every setting is in README's table with its help text, and every guarantee in RELIABILITY.md names
tests that exist."""

from __future__ import annotations

import dataclasses
import re

import pytest

from loader.settings import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
RELIABILITY = (ROOT / "RELIABILITY.md").read_text(encoding="utf-8")
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[[^\]]*\])?`")


@pytest.mark.parametrize("field", dataclasses.fields(Settings), ids=lambda f: f.name)
def test_every_setting_is_in_the_readme_table(field):
    row = next((line for line in README.splitlines() if line.startswith(f"| `NOLSI_{field.name.upper()}` |")), None)
    assert row is not None, f"README's configuration table has no row for NOLSI_{field.name.upper()}"
    assert field.metadata["help"] in row, f"README's row for NOLSI_{field.name.upper()} does not give its help text"


def test_the_readme_table_names_no_setting_that_does_not_exist():
    named = set(re.findall(r"^\| `NOLSI_(\w+)` \|", README, flags=re.M))
    assert named == {f.name.upper() for f in dataclasses.fields(Settings)}


def test_reliability_names_tests():
    assert len(TEST_REFERENCE.findall(RELIABILITY)) > 50


@pytest.mark.parametrize("path, name", sorted(set(TEST_REFERENCE.findall(RELIABILITY))), ids=str)
def test_every_test_reliability_names_exists(path, name):
    source = (ROOT / path).read_text(encoding="utf-8")
    assert re.search(rf"^def {name}\(", source, flags=re.M), (
        f"RELIABILITY.md names {path}::{name}, which does not exist"
    )


# README: "tests/: one test module per code module".
CODE_MODULES = sorted(
    path.stem
    for package in ("loader", "sparql_api")
    for path in (ROOT / package).glob("*.py")
    if path.stem != "__init__"
)


def test_the_code_is_found():
    assert {"cli", "pipeline", "sparql", "evaluator"} <= set(CODE_MODULES)


@pytest.mark.parametrize("module", CODE_MODULES)
def test_every_code_module_has_its_test_module(module):
    assert (ROOT / "tests" / f"test_{module}.py").is_file(), f"README promises tests/test_{module}.py"
