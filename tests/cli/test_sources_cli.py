"""`townhall sources`: the commands, their exit codes and what they print."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from townhall.cli import sources
from townhall.workspace import Workspace

PEOPLE = """ref,forename,postcode,nhs_number,notes
R1,Ann,M1 1AE,9434765919,ok
R2,Bob,XX,9434765918,
R3,Cy,SW1A 1AA,4010232137,late
"""

root = typer.Typer()
root.add_typer(sources.app, name="sources")


@pytest.fixture
def run(workspace: Workspace, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `townhall sources ...` against the test workspace; returns the result."""
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def invoke(*arguments: str):  # type: ignore[no-untyped-def]
        result = runner.invoke(root, ["sources", *arguments, "--workspace", str(workspace.path)])
        # Rich wraps long lines at the terminal width; compare text with the line breaks taken out.
        result.text = " ".join(result.output.split())
        return result

    return invoke


@pytest.fixture
def people_file(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    return path


def test_add_registers_and_prints_a_summary(run, people_file: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("add", str(people_file), "--name", "people", "--owner", "Housing")
    assert result.exit_code == 0, result.output
    assert "Registered people (version 1): 3 rows and 5 fields from people.csv (CSV, UTF-8, comma-separated)" \
        in result.text
    assert "Personal fields: 3" in result.text
    assert "postcode: 1 row (33.3%) is not a valid UK postcode" in result.text
    assert "townhall sources tag people --confirm" in result.text


def test_list_and_show(run, people_file: Path) -> None:  # type: ignore[no-untyped-def]
    run("add", str(people_file), "--name", "people")
    listed = run("list")
    assert listed.exit_code == 0 and "people" in listed.text and "people.csv" in listed.text
    shown = run("show", "people")
    assert shown.exit_code == 0, shown.output
    assert "name (suggested)" in shown.text and "postcode (suggested)" in shown.text
    assert "UK postcode" in shown.text and "NHS number check digit" in shown.text
    assert "M1 ***" in shown.text and "Ann" not in shown.text and "9434765919" not in shown.text
    assert "Problems, worst first" in shown.text
    assert "townhall sources tag people --confirm" in shown.text


def test_list_says_when_there_is_nothing(run) -> None:  # type: ignore[no-untyped-def]
    result = run("list")
    assert result.exit_code == 0 and "No sources are registered yet" in result.text


def test_tag_a_field_then_confirm_all(run, people_file: Path) -> None:  # type: ignore[no-untyped-def]
    run("add", str(people_file), "--name", "people")
    tagged = run("tag", "people", "notes", "--tags", "health")
    assert tagged.exit_code == 0, tagged.output
    assert "now tagged: health (confirmed)" in tagged.text
    confirmed = run("tag", "people", "--confirm")
    assert confirmed.exit_code == 0 and "Confirmed the tags of every field of people" in confirmed.text
    shown = run("show", "people")
    assert "(suggested)" not in shown.text and "not confirmed yet" not in shown.text


def test_tag_refuses_unknown_tags_and_half_commands(run, people_file: Path) -> None:  # type: ignore[no-untyped-def]
    run("add", str(people_file), "--name", "people")
    unknown = run("tag", "people", "notes", "--tags", "secret")
    assert unknown.exit_code == 1 and "'secret' is not a tag townhall knows" in unknown.text
    half = run("tag", "people", "notes")
    assert half.exit_code == 1 and "Either give a field and its tags" in half.text


def test_problems_lists_failing_rows_masked(run, people_file: Path) -> None:  # type: ignore[no-untyped-def]
    run("add", str(people_file), "--name", "people")
    result = run("problems", "people", "nhs_number")
    assert result.exit_code == 0, result.output
    assert "9999999999 (shape only)" in result.text and "the check digit does not match" in result.text
    assert "9434765918" not in result.text
    assert "Showing 1 of 1 failing rows" in result.text and "header is row 1" in result.text
    clean = run("problems", "people", "forename")
    assert clean.exit_code == 0 and "No failing rows" in clean.text


def test_bad_input_exits_non_zero_with_the_reason(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3\n", encoding="utf-8")
    result = run("add", str(ragged), "--name", "ragged")
    assert result.exit_code == 2
    assert "Could not read file" in result.text and "ragged.csv" in result.text and "line 3" in result.text
    assert "Traceback" not in result.text
    assert run("show", "ragged").exit_code == 1


def test_existing_names_and_bad_names_are_refused(run, people_file: Path) -> None:  # type: ignore[no-untyped-def]
    run("add", str(people_file), "--name", "people")
    again = run("add", str(people_file), "--name", "people")
    assert again.exit_code == 1 and "--replace" in again.text
    replaced = run("add", str(people_file), "--name", "people", "--replace")
    assert replaced.exit_code == 0 and "(version 2)" in replaced.text
    bad = run("add", str(people_file), "--name", "People List")
    assert bad.exit_code == 1 and "for example 'people_list'" in bad.text


def test_unknown_source_lists_the_known_ones(run, people_file: Path) -> None:  # type: ignore[no-untyped-def]
    run("add", str(people_file), "--name", "people")
    result = run("show", "peple")
    assert result.exit_code == 1 and "Known sources: people" in result.text
