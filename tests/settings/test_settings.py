"""Settings from townhall.toml: typed, defaults in one place, and a misspelt key named with its file."""

from __future__ import annotations

import pytest

from townhall.settings import SettingsError, WorkspaceSettings
from townhall.settings.gazetteer import DEFAULT_GAZETTEER_SOURCE


def test_an_empty_file_gives_the_demos_defaults() -> None:
    settings = WorkspaceSettings({}, "townhall.toml")
    assert settings.gazetteer.source == DEFAULT_GAZETTEER_SOURCE
    assert settings.gazetteer.columns.uprn == "UPRN"
    assert settings.identity.threshold == 0.9
    assert settings.places.emergency_planning_team == "Emergency Planning"


def test_a_misspelt_key_is_named_with_its_table_and_file() -> None:
    settings = WorkspaceSettings({"identity": {"treshold": 0.8}}, "/council/townhall.toml")
    with pytest.raises(SettingsError, match=r"/council/townhall.toml.*'identity.treshold' is not a setting"):
        _ = settings.identity


def test_a_value_out_of_range_is_refused_with_its_key() -> None:
    with pytest.raises(SettingsError, match=r"'identity\.threshold'"):
        _ = WorkspaceSettings({"identity": {"threshold": 1.5}}, "townhall.toml").identity
    with pytest.raises(SettingsError, match="review_band"):
        _ = WorkspaceSettings({"identity": {"review_band": [0.9, 0.2]}}, "townhall.toml").identity


def test_a_nested_column_mapping_error_names_the_full_key() -> None:
    settings = WorkspaceSettings({"gazetteer": {"columns": {"uprm": "Ref"}}}, "townhall.toml")
    with pytest.raises(SettingsError, match=r"'gazetteer\.columns\.uprm'"):
        _ = settings.gazetteer


def test_older_workspaces_that_named_the_gazetteer_under_places_still_find_it() -> None:
    settings = WorkspaceSettings({"places": {"gazetteer_source": "llpg"}}, "townhall.toml")
    assert settings.gazetteer.source == "llpg"


def test_check_all_reports_a_mistake_in_any_table() -> None:
    with pytest.raises(SettingsError, match=r"places\.colour"):
        WorkspaceSettings({"places": {"colour": "red"}}, "townhall.toml").check_all()
