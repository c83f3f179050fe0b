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
