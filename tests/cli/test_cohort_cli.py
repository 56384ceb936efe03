"""`townhall cohort run`: protected counts on screen, the household list written safely, and the run audit-logged."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from townhall.cli import app
from townhall.identity.cohorts import SHIPPED_RULES_FOLDER, run_cohort
from townhall.workspace import Workspace

runner = CliRunner()
TROUBLED_FAMILIES = SHIPPED_RULES_FOLDER / "troubled-families.yaml"


def _flat(output: str) -> str:
    """The output with table borders and line wrapping removed, so sentences can be searched for."""
    return re.sub(r"\s+", " ", re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇╈┼┬┴╋┣┫├┤]", " ", output))


def test_a_cohort_run_prints_protected_counts_and_writes_the_household_list(linked_demo: Workspace,
                                                                          tmp_path: Path) -> None:
    out = tmp_path / "outputs" / "troubled-families.csv"
    result = runner.invoke(app, ["cohort", "run", str(TROUBLED_FAMILIES), "--workspace", str(linked_demo.path),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert "Troubled Families" in text and "at least 2 of 4 criteria" in text
    assert "Counts under 10 are hidden and other counts are rounded to the nearest 5." in text
    assert "[c] means hidden to protect privacy." in text
    expected = run_cohort(linked_demo, TROUBLED_FAMILIES)
    published = expected.published_household_count
    assert f"Households in the cohort: {'[c]' if published is None else f'{published:,}'}" in text
    for ward_code in expected.ward_table.frame["ward_code"].iloc[:-2]:
        assert ward_code in text
    # Every ward figure printed is hidden, or at least 10 and a multiple of 5.
    ward_lines = [line for line in result.output.splitlines()
                  if re.search(r"E05\d{6}|Not placed in a ward|│ Total", line)]
    assert len(ward_lines) == len(expected.ward_table.frame)
    for line in ward_lines:
        figure = re.search(r"│\s*(\[c\]|[\d,]+)\s*│", line)
        assert figure, line
        if figure.group(1) != "[c]":
            assert int(figure.group(1).replace(",", "")) >= 10 and int(figure.group(1).replace(",", "")) % 5 == 0

    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    frame = expected.household_frame().astype(str)
    assert written["household_id"].tolist() == frame["household_id"].tolist()
    assert written["criteria_met"].tolist() == frame["criteria_met"].tolist()
    assert f"Wrote the list of {expected.household_count:,} households" in text
    assert not list(out.parent.glob(".*.partial")), "the CSV is written atomically, leaving no temporary file"

    entry = linked_demo.audit.entries(action="cohort.run")[0]
    assert entry.actor == "test-runner" and entry.subject == "troubled-families.yaml"
    assert entry.details == {"rule_file": "troubled-families.yaml", "households": expected.household_count,
                             "as_of": expected.as_of.isoformat(), "household_list_written": True}


def test_a_rule_file_can_be_named_and_an_as_of_date_given_in_uk_form(linked_demo: Workspace) -> None:
    result = runner.invoke(app, ["cohort", "run", "troubled-families", "--as-of", "31/03/2024",
                                 "--workspace", str(linked_demo.path)])
    assert result.exit_code == 0, result.output
    assert "up to 31 March 2024" in _flat(result.output)
    assert linked_demo.audit.entries(action="cohort.run")[0].details["as_of"] == "2024-03-31"


def test_mistakes_give_plain_errors_not_tracebacks(linked_demo: Workspace, tmp_path: Path) -> None:
    bad_date = runner.invoke(app, ["cohort", "run", "troubled-families", "--as-of", "next Tuesday",
                                   "--workspace", str(linked_demo.path)])
    assert bad_date.exit_code == 1 and "not a date townhall can read" in _flat(bad_date.output)
    broken = tmp_path / "broken.yaml"
    broken.write_text(TROUBLED_FAMILIES.read_text(encoding="utf-8").replace("equals: Subject", "equal: Subject"),
                      encoding="utf-8")
    result = runner.invoke(app, ["cohort", "run", str(broken), "--workspace", str(linked_demo.path)])
    text = _flat(result.output)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "broken.yaml" in text and "criteria[1].where[1].equal" in text
    unknown = runner.invoke(app, ["cohort", "run", "no-such-cohort", "--workspace", str(linked_demo.path)])
    assert unknown.exit_code == 1 and "troubled-families" in _flat(unknown.output)


def test_before_linking_the_command_says_to_run_townhall_link(workspace: Workspace) -> None:
    result = runner.invoke(app, ["cohort", "run", "troubled-families", "--workspace", str(workspace.path)])
    assert result.exit_code == 1
    assert "townhall link" in _flat(result.output)
    assert not workspace.audit.entries(action="cohort.run")
