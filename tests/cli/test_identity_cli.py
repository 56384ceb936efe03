"""`townhall identity`: exporting the index and recording a change of address, with plain messages and exit codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from townhall.cli import identity
from townhall.identity.index import SCHEMA, read_index
from townhall.identity.tell_us_once import recorded_moves
from townhall.workspace import Workspace

root = typer.Typer()
root.add_typer(identity.app, name="identity")


def _runner(monkeypatch: pytest.MonkeyPatch, workspace: Workspace):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def invoke(*arguments: str):  # type: ignore[no-untyped-def]
        result = runner.invoke(root, ["identity", *arguments, "--workspace", str(workspace.path)])
        # Rich wraps long lines at the terminal width; compare text with the line breaks taken out.
        result.text = " ".join(result.output.split())
        return result

    return invoke


@pytest.fixture
def run(linked_demo: Workspace, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `townhall identity ...` against a copy of the linked demo council."""
    return _runner(monkeypatch, linked_demo)


def _person(workspace: Workspace) -> str:
    return read_index(workspace, f"select person_id from {SCHEMA}.persons where not address_withheld and "
                                 "len(sources) >= 2 order by person_id limit 1")["person_id"][0]


def test_export_writes_the_csv_and_says_what_is_in_it(run, linked_demo: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "index.csv"
    result = run("export", "--out", str(target))
    assert result.exit_code == 0, result.output
    records = read_index(linked_demo, f"select count(*) as n from {SCHEMA}.records")["n"][0]
    assert f"Wrote {records:,} records" in result.text
    assert "People who opted out of data sharing are not in the index" in result.text
    assert len(pd.read_csv(target)) == records
    assert linked_demo.audit.entries(action="identity.exported")[0].actor == "test-runner"


def test_export_before_linking_says_to_run_townhall_link(workspace: Workspace, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    result = _runner(monkeypatch, workspace)("export", "--out", str(tmp_path / "index.csv"))
    assert result.exit_code == 1
    assert "Run 'townhall link'" in result.text
    assert "Traceback" not in result.output


def test_move_records_the_change_and_lists_the_notices(run, linked_demo: Workspace) -> None:  # type: ignore[no-untyped-def]
    person_id = _person(linked_demo)
    result = run("move", person_id, "--to", "27 Quarry Lane, Ashbury AY9 8ZX", "--date", "01/03/2026",
                 "--uprn", "100023336956")
    assert result.exit_code == 0, result.output
    assert f"Recorded change of address TUO-1 for {person_id}: 27 Quarry Lane, Ashbury AY9 8ZX, moving on " \
           "01/03/2026" in result.text
    assert "Notices in" in result.text and "tell-us-once" in result.text
    (move,) = recorded_moves(linked_demo)
    assert (move.person_id, move.uprn, move.effective_date.isoformat()) == (person_id, "100023336956", "2026-03-01")
    folder = next((linked_demo.path / "outputs" / "tell-us-once").iterdir())
    for notice in folder.glob("*.csv"):
        assert notice.name in result.text


def test_move_without_a_postcode_is_refused_plainly(run, linked_demo: Workspace) -> None:  # type: ignore[no-untyped-def]
    result = run("move", _person(linked_demo), "--to", "27 Quarry Lane, Ashbury")
    assert result.exit_code == 1
    assert "The new address has no valid postcode" in result.text
    assert recorded_moves(linked_demo) == []


def test_move_of_someone_not_in_the_index_explains_opt_outs(run) -> None:  # type: ignore[no-untyped-def]
    result = run("move", "P-0000000000", "--to", "27 Quarry Lane, Ashbury AY9 8ZX")
    assert result.exit_code == 1
    assert "People who opted out of data sharing are not in the index" in result.text


def test_move_with_a_date_that_is_not_a_date_is_refused(run, linked_demo: Workspace) -> None:  # type: ignore[no-untyped-def]
    result = run("move", _person(linked_demo), "--to", "27 Quarry Lane, Ashbury AY9 8ZX", "--date", "next week")
    assert result.exit_code == 1
    assert "'next week' is not a date" in result.text


def test_move_of_a_withheld_address_person_warns_and_never_prints_the_address(run, linked_demo: Workspace) -> None:  # type: ignore[no-untyped-def]
    person_id = _person(linked_demo)
    with linked_demo.analytics.transaction() as connection:
        connection.execute(f"update {SCHEMA}.persons set address_withheld = true where person_id = ?", [person_id])
    result = run("move", person_id, "--to", "27 Quarry Lane, Ashbury AY9 8ZX")
    assert result.exit_code == 0, result.output
    assert "This person's address is withheld" in result.text
    assert "The notices do NOT contain the old or the new address" in result.text
    assert "Quarry" not in result.text and "AY9 8ZX" not in result.text
