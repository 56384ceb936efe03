"""`townhall places incident | duplicates | segments`: thin commands over the place analyses."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from townhall.cli import app
from townhall.governance.users import Role
from townhall.places.incidents import vulnerable_people
from townhall.workspace import Workspace

runner = CliRunner()


def _flat(output: str) -> str:
    return re.sub(r"\s+", " ", output)


def test_an_incident_list_is_printed_and_written_for_a_planner_and_refused_to_others(
        linked_demo: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Cheap password hashes for the two test accounts (the real settings take a noticeable time by design).
    monkeypatch.setattr("townhall.governance.users._hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), raising=False)
    linked_demo.users.add("eve.planner", Role.PRACTITIONER, team="Emergency Planning", password="a long password 1")
    linked_demo.users.add("ann.analyst", Role.ANALYST, password="a long password 2")
    people = vulnerable_people(linked_demo)
    postcode = str(people.loc[people["placed_by"] == "UPRN", "household_postcode"].value_counts().index[0])
    arguments = ["places", "incident", "--name", "Mill fire", "--purpose", "Welfare checks", "--postcode", postcode,
                 "--radius", "250", "--workspace", str(linked_demo.path)]
    out = tmp_path / "mill-fire.csv"
    result = runner.invoke(app, [*arguments, "--user", "eve.planner", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert f"Mill fire: {len(written):,} vulnerable" in _flat(result.output) and len(written) >= 1
    assert linked_demo.audit.entries(action="places.incident_list.export")[0].details["people"] == len(written)
    refused = runner.invoke(app, [*arguments, "--user", "ann.analyst"])
    assert refused.exit_code == 3 and "Emergency Planning team" in _flat(refused.output)
    nobody = runner.invoke(app, arguments, env={"TOWNHALL_USER": ""})
    assert nobody.exit_code != 0 and "--user" in _flat(nobody.output)


def test_duplicate_street_reports_are_grouped_and_written(linked_demo: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "problems.csv"
    result = runner.invoke(app, ["places", "duplicates", "street_reports", "--distance", "50", "--days", "7",
                                 "--out", str(out), "--workspace", str(linked_demo.path)])
    assert result.exit_code == 0, result.output
    problems = pd.read_csv(out)
    reports = pd.read_csv(linked_demo.path / "demo-data" / "sources" / "street_reports.csv")
    assert f"{len(reports):,} reports are {len(problems):,} problems" in _flat(result.output)
    assert problems["reports"].sum() == len(reports) and len(problems) < len(reports)
    entry = linked_demo.audit.entries(action="places.duplicates")[0]
    assert entry.details["problems"] == len(problems)
