"""Flawed trial data is refused before any analysis, each problem named, and nothing is recorded: duplicate units,
units not randomised (and randomised units missing), an arm with no units, missing clusters, outcomes that are not
numbers or yes/no, and constant or repeated covariates (left out and named); a randomisation that fails a check
leaves the trial free to be randomised, with no lists and no audit entry."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from townhall.cli import app
from townhall.errors import TownhallError
from townhall.trials import TrialPlan, analyse_frame, analyse_trial, get_trial, randomise, register_trial
from townhall.workspace import Workspace

runner = CliRunner()


def _frame(per_arm: int = 50, seed: int = 1) -> pd.DataFrame:
    generator = np.random.default_rng(seed)
    arms = np.repeat(["control", "reminder"], per_arm)
    return pd.DataFrame({"account": [f"A{number:04d}" for number in range(arms.size)], "arm": arms,
                         "paid": generator.random(arms.size) < 0.3, "amount": generator.gamma(2, 50, arms.size)})


def _flat(output: str) -> str:
    return re.sub(r"\s+", " ", output)


def test_duplicate_unit_ids_are_refused_and_listed(letter_plan: TrialPlan) -> None:
    frame = _frame()
    frame.loc[[3, 7], "account"] = ["A0001", "A0002"]
    with pytest.raises(TownhallError, match=r"2 unit ids appear more than once in 'account' \('A0001', 'A0002'\)"):
        analyse_frame(frame, letter_plan)
    with pytest.raises(TownhallError, match="unit ids appear more than once"):
        randomise(frame, ["control", "reminder"], seed=1, unit_column="account")


def test_an_arm_with_no_units_is_refused_naming_the_values_found(letter_plan: TrialPlan) -> None:
    frame = _frame()
    frame["arm"] = frame["arm"].replace({"reminder": "Reminder letter"})
    with pytest.raises(TownhallError, match=r"No units are in the arm 'reminder'.*'control', 'Reminder letter'"):
        analyse_frame(frame, letter_plan)


def test_missing_cluster_ids_are_refused_with_their_rows(letter_plan: TrialPlan) -> None:
    frame = _frame().assign(household=lambda data: (np.arange(len(data)) // 2).astype(str))
    frame.loc[[4, 9], "household"] = ["", None]
    clustered = TrialPlan.from_dict({**letter_plan.to_dict(), "cluster_column": "household"})
    with pytest.raises(TownhallError, match=r"2 units have no cluster id in 'household' \(rows 6, 11\)"):
        analyse_frame(frame, clustered)


def test_outcomes_that_are_not_numbers_or_yes_no_are_counted_and_named(letter_plan: TrialPlan) -> None:
    frame = _frame().astype({"paid": object})
    frame.loc[[0, 1, 2], "paid"] = ["maybe", "maybe", "n/a"]
    with pytest.raises(TownhallError, match=r"'paid' has 3 values that are neither numbers nor yes/no: "
                                            r"'maybe' \(2\), 'n/a' \(1\)"):
        analyse_frame(frame, letter_plan, outcomes=["paid"])
    frame["paid"] = ["yes", "no"] * 50
    frame.loc[0, "paid"] = "12"
    with pytest.raises(TownhallError, match="mixes numbers"):
        analyse_frame(frame, letter_plan, outcomes=["paid"])


def test_constant_and_repeated_covariates_are_left_out_and_named(letter_plan: TrialPlan) -> None:
    frame = _frame(200).assign(region="North", age=lambda data: np.arange(len(data)) % 70 + 18)
    frame["age_in_months"] = frame["age"] * 12
    plan = TrialPlan.from_dict({**letter_plan.to_dict(), "covariates": ["region", "age", "age_in_months"]})
    analysis = analyse_frame(frame, plan, outcomes=["paid"])
    assert analysis.primary()[0].adjusted_for == ("age",)
    assert any("'region' has the same value for every unit" in note for note in analysis.notes)
    assert any("'age_in_months' repeats the arms or other covariates" in note for note in analysis.notes)


def _register(workspace: Workspace, tmp_path: Path, name: str = "reminder-text") -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({
        "name": name, "title": "Reminder text", "question": "Does a text message raise payment?",
        "arms": ["control", "text"], "primary_outcome": "paid", "population": "Accounts in arrears",
        "unit_of_randomisation": "account", "analysis_plan": "ITT with HC2 errors.",
        "minimum_effect_of_interest": 0.02, "source": "reminder_results", "unit_column": "account"}))
    assert runner.invoke(app, ["trial", "register", str(plan), "--workspace", str(workspace.path)]).exit_code == 0


def test_a_units_file_missing_a_column_records_nothing_and_can_be_randomised_after(workspace: Workspace,
                                                                                    tmp_path: Path) -> None:
    _register(workspace, tmp_path)
    units = tmp_path / "units.csv"
    pd.DataFrame({"ref": [f"CT{number}" for number in range(40)], "ward": ["A", "B"] * 20}).to_csv(units, index=False)
    lists = tmp_path / "lists"
    failed = runner.invoke(app, ["trial", "randomise", "reminder-text", str(units), "--seed", "1", "--out",
                                 str(lists), "--workspace", str(workspace.path)])
    assert failed.exit_code != 0 and "Traceback" not in failed.output
    assert "The units have no column 'account'" in _flat(failed.output)
    assert "Nothing was recorded" in _flat(failed.output)
    assert get_trial(workspace, "reminder-text").randomisation is None
    assert not workspace.audit.entries(action="trial.randomise")
    assert not lists.exists() or not list(lists.iterdir())
    duplicated = tmp_path / "duplicated.csv"
    pd.DataFrame({"account": ["CT1", "CT2", "CT1"]}).to_csv(duplicated, index=False)
    failed = runner.invoke(app, ["trial", "randomise", "reminder-text", str(duplicated), "--seed", "1", "--out",
                                 str(lists), "--workspace", str(workspace.path)])
    assert failed.exit_code != 0 and "1 unit ids appear more than once in 'account' ('CT1')" in _flat(failed.output)
    assert get_trial(workspace, "reminder-text").randomisation is None
    pd.read_csv(units).rename(columns={"ref": "account"}).to_csv(units, index=False)
    done = runner.invoke(app, ["trial", "randomise", "reminder-text", str(units), "--seed", "1", "--out", str(lists),
                               "--workspace", str(workspace.path)])
    assert done.exit_code == 0, done.output
    assert sorted(path.name for path in lists.iterdir()) == ["reminder-text-control.csv", "reminder-text-text.csv"]
    assert get_trial(workspace, "reminder-text").randomisation["units"] == 40
    assert len(workspace.audit.entries(action="trial.randomise")) == 1


def test_the_data_must_hold_exactly_the_units_randomised_in_their_arms(workspace: Workspace, tmp_path: Path) -> None:
    _register(workspace, tmp_path)
    units = pd.DataFrame({"account": [f"CT{number:03d}" for number in range(60)]})
    units.to_csv(tmp_path / "units.csv", index=False)
    assert runner.invoke(app, ["trial", "randomise", "reminder-text", str(tmp_path / "units.csv"), "--seed", "5",
                               "--out", str(tmp_path / "lists"), "--workspace", str(workspace.path)]).exit_code == 0
    assigned = pd.concat([pd.read_csv(path) for path in sorted((tmp_path / "lists").glob("*.csv"))])
    assigned["paid"] = np.arange(len(assigned)) % 3 == 0

    def analyse_with(frame: pd.DataFrame, version: int) -> None:
        path = tmp_path / f"reminder_results_{version}.csv"
        frame.to_csv(path, index=False)
        workspace.catalogue.add_source(path, "reminder_results", owner="Revenues", replace=version > 1)
        analyse_trial(workspace, "reminder-text", actor="test")

    extra = pd.concat([assigned, pd.DataFrame({"account": ["CT999"], "arm": ["text"], "paid": [True]})])
    with pytest.raises(TownhallError, match=r"holds 1 units that were not randomised \(CT999\)"):
        analyse_with(extra, 1)
    with pytest.raises(TownhallError, match=r"2 randomised units are missing from"):
        analyse_with(assigned.iloc[2:], 2)
    moved = assigned.copy()
    moved.iloc[0, moved.columns.get_loc("arm")] = "text" if moved.iloc[0]["arm"] == "control" else "control"
    with pytest.raises(TownhallError, match=r"1 units are in a different arm .* from the one they were randomised to"):
        analyse_with(moved, 3)
    assert not workspace.audit.entries(action="trial.analyse")
    analyse_with(assigned, 4)
    assert len(workspace.audit.entries(action="trial.analyse")) == 1


def test_duplicates_in_the_trial_source_are_refused_by_the_command_with_nothing_recorded(
        workspace: Workspace, tmp_path: Path) -> None:
    _register(workspace, tmp_path)
    frame = _frame()
    frame["arm"] = frame["arm"].replace({"reminder": "text"})
    frame.loc[5, "account"] = "A0000"
    frame.to_csv(tmp_path / "reminder_results.csv", index=False)
    workspace.catalogue.add_source(tmp_path / "reminder_results.csv", "reminder_results", owner="Revenues")
    failed = runner.invoke(app, ["trial", "analyse", "reminder-text", "--workspace", str(workspace.path)])
    assert failed.exit_code != 0 and "1 unit ids appear more than once in 'account' ('A0000')" in _flat(failed.output)
    assert not workspace.audit.entries(action="trial.analyse")


def test_older_plans_keep_their_fingerprint_now_that_plans_have_more_fields(workspace: Workspace,
                                                                           letter_plan: TrialPlan) -> None:
    from townhall.trials import plan_hash

    registered = register_trial(workspace, letter_plan, registered_by="test")
    old_style = {key: value for key, value in letter_plan.to_dict().items()
                 if key not in ("labels", "ratio_outcomes", "date_column", "sequential")}
    assert plan_hash(old_style) == registered.original_hash and registered.intact()
    labelled = TrialPlan.from_dict({**letter_plan.to_dict(), "labels": {"reminder": "Reminder letter"}})
    assert plan_hash(labelled.to_dict()) != registered.original_hash
