"""`townhall demo` builds a ready workspace, never registers the truth, and never damages an earlier workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from townhall.cli import app
from townhall.demo import workspace_builder
from townhall.demo.workspace_builder import DEMO_USERS, build_demo_workspace
from townhall.errors import WorkspaceError
from townhall.workspace import Workspace


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "ashbury"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOWNHALL_SECRETS_DIR", str(tmp_path_factory.mktemp("demo-secrets")))
        result = CliRunner().invoke(app, ["demo", str(folder), "--residents", "500", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Demo log-ins" in result.output and "Top quality problems" in result.output
    # The main job: every risk model gets a line (trained, or why not) and the letter trial its conclusion.
    assert "Risk models" in result.output and "Direct-debit letter trial:" in result.output
    for model in ("hidden-hmos", "business-rates", "childrens-escalation"):
        assert model in result.output
    return folder


@pytest.mark.slow
def test_the_demo_links_its_records_into_people_and_shows_how_accurately(built_demo: Path) -> None:
    from townhall.identity import latest_run

    with Workspace.open(built_demo) as workspace:
        run = latest_run(workspace)
    assert run.persons > 100 and run.households > 50 and run.opted_out_records > 0


@pytest.mark.slow
def test_the_demo_registers_every_generated_source_but_not_the_truth(built_demo: Path) -> None:
    # Closed at the end, so no SQLite side files (-wal, -shm) linger into the next test's before-and-after listing.
    with Workspace.open(built_demo) as workspace:
        registered = {source.name for source in workspace.catalogue.list_sources()}
        # The sheltered-housing feed (JSON lines) is read by 'townhall sensors ingest', not registered.
        generated = {path.stem for path in (built_demo / "demo-data" / "sources").iterdir() if path.suffix != ".jsonl"}
        assert len(registered) == len(generated) >= 20
        assert not any("truth" in name for name in registered)
        assert (built_demo / "demo-data" / "truth" / "record_links.csv").exists()
        assert workspace.config.demo and workspace.config.extra["demo"]["truth_folder"] == "demo-data/truth"
        assert {user.role.value for user in workspace.users.list()} == {role.value for _, role, _, _ in DEMO_USERS}
        assert workspace.audit.verify().intact


@pytest.mark.slow
def test_a_failed_rebuild_leaves_the_earlier_demo_as_it_was(built_demo: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    before = sorted(path.relative_to(built_demo) for path in built_demo.rglob("*"))

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(workspace_builder, "generate_demo_council", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_demo_workspace(built_demo, residents=500)
    assert sorted(path.relative_to(built_demo) for path in built_demo.rglob("*")) == before
    assert not [path for path in built_demo.parent.iterdir() if path.name.startswith(".")]


def test_the_demo_refuses_to_replace_a_real_council_workspace(tmp_path: Path) -> None:
    Workspace.create(tmp_path / "real", "Realshire").close()
    with pytest.raises(WorkspaceError, match="real council workspace"):
        build_demo_workspace(tmp_path / "real", residents=500)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("keep me")
    with pytest.raises(WorkspaceError, match="not a townhall demo"):
        build_demo_workspace(tmp_path / "other", residents=500)
    assert (tmp_path / "other" / "notes.txt").read_text() == "keep me"
