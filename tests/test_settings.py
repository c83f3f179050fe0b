from pathlib import Path

import pytest

from loader.settings import Settings


def test_environment_overrides_defaults_and_options_override_environment():
    env = {"NOLSI_PORT": "9000", "NOLSI_WORKERS": "3", "NOLSI_SHAPES": "false"}
    settings = Settings.from_env(env, workers=5)
    assert (settings.port, settings.workers, settings.shapes) == (9000, 5, False)


def test_settings_survive_the_trip_through_the_environment():
    settings = Settings.from_env({}, store=Path("/tmp/x"), service_allowlist=("https://a/sparql",))
    assert Settings.from_env(settings.to_env()) == settings


def test_a_bad_boolean_is_refused_with_the_variable_name():
    with pytest.raises(ValueError, match="NOLSI_SHAPES must be true or false"):
        Settings.from_env({"NOLSI_SHAPES": "maybe"})


def test_the_iri_base_and_the_base_url_are_apart_and_the_old_public_base_sets_both():
    apart = Settings.from_env({"NOLSI_IRI_BASE": "https://w3id.org/x/", "NOLSI_BASE_URL": "http://127.0.0.1:8000/"})
    assert (apart.iri_base, apart.base_url) == ("https://w3id.org/x/", "http://127.0.0.1:8000/")
    old = Settings.from_env({"NOLSI_PUBLIC_BASE": "http://x/"})
    assert (old.iri_base, old.base_url) == ("http://x/", "http://x/")
    newer_wins = Settings.from_env({"NOLSI_PUBLIC_BASE": "http://x/", "NOLSI_BASE_URL": "http://y/"})
    assert (newer_wins.iri_base, newer_wins.base_url) == ("http://x/", "http://y/")
