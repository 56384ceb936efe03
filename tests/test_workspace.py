"""A workspace is a folder with townhall.toml and its stores; secrets stay outside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.errors import WorkspaceError
from townhall.workspace import Workspace


def test_create_then_open_gives_the_same_council_and_settings(tmp_path: Path) -> None:
    created = Workspace.create(tmp_path / "ashbury", "Ashbury")
    created.config.disclosure.threshold = 7
    created.save_config()
    opened = Workspace.open(tmp_path / "ashbury")
    assert opened.config.council_name == "Ashbury"
    assert opened.config.workspace_id == created.config.workspace_id
    assert opened.config.disclosure.threshold == 7 and opened.config.disclosure.rounding == 5
    for name in ("townhall.toml", "warehouse.duckdb", "app.db", "sources", "models", "outputs"):
        assert (tmp_path / "ashbury" / name).exists(), name


def test_unknown_config_sections_survive_a_save(tmp_path: Path) -> None:
    created = Workspace.create(tmp_path / "w", "Ashbury")
    created.config.extra["linkage"] = {"threshold": 0.9}
    created.save_config()
    assert Workspace.open(tmp_path / "w").config.extra["linkage"] == {"threshold": 0.9}


def test_opening_a_folder_that_is_not_a_workspace_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match=r"not a townhall workspace.*townhall init"):
        Workspace.open(tmp_path)


def test_creating_over_an_existing_workspace_is_refused(tmp_path: Path) -> None:
    Workspace.create(tmp_path / "w", "Ashbury")
    with pytest.raises(WorkspaceError, match="already a townhall workspace"):
        Workspace.create(tmp_path / "w", "Other")


def test_secrets_are_kept_outside_the_workspace_and_reused(tmp_path: Path, isolated_secrets: Path) -> None:
    workspace = Workspace.create(tmp_path / "w", "Ashbury")
    key = workspace.secret("session")
    assert key == Workspace.open(tmp_path / "w").secret("session")
    key_files = list(isolated_secrets.rglob("session.key"))
    assert len(key_files) == 1 and (key_files[0].stat().st_mode & 0o777) == 0o600
    assert not any(key.decode() in path.read_bytes().decode(errors="ignore")
                   for path in (tmp_path / "w").rglob("*") if path.is_file() and path.suffix == ".toml")


def test_a_database_url_in_the_environment_overrides_the_sqlite_file(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    Workspace.create(tmp_path / "w", "Ashbury")
    other = tmp_path / "elsewhere.db"
    monkeypatch.setenv("TOWNHALL_DATABASE_URL", f"sqlite:///{other}")
    opened = Workspace.open(tmp_path / "w")
    opened.users.add("ana", "analyst")
    assert other.exists() and opened.users.get("ana") is not None
