"""`townhall trial …`: register from a plan file, amend, size, randomise with mailing lists, analyse, show."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from typer.testing import CliRunner

from townhall.cli import app
from townhall.trials import get_trial
from townhall.workspace import Workspace

runner = CliRunner()


def _flat(output: str) -> str:
    """The output with table borders and line wrapping removed, so sentences can be searched for."""
    return re.sub(r"\s+", " ", re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇╈┼┬┴╋┣┫├┤]", " ", output))


def _run(workspace: Workspace, *arguments: str) -> str:
    result = runner.invoke(app, ["trial", *arguments, "--workspace", str(workspace.path)])
    assert result.exit_code == 0, result.output
    return _flat(result.output)


def test_a_trial_goes_from_plan_to_results_on_the_command_line(workspace: Workspace, tmp_path: Path) -> None:
    generator = np.random.default_rng(4)
    units = pd.DataFrame({"account": [f"CT{number:05d}" for number in range(1_200)],
                          "ward": generator.choice(["Bank Top", "Marland", "Newbold"], 1_200)})
    units_file = tmp_path / "accounts.csv"
    units.to_csv(units_file, index=False)
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump({
        "name": "reminder-text", "title": "Reminder text", "question": "Does a text message raise payment?",
        "arms": ["control", "text"], "primary_outcome": "paid", "population": "Accounts in arrears",
        "unit_of_randomisation": "account", "analysis_plan": "ITT with HC2 errors.",
        "minimum_effect_of_interest": 0.02, "source": "reminder_results", "unit_column": "account"}))
    assert "Registered trial reminder-text" in _run(workspace, "register", str(plan_file))

    changes = tmp_path / "changes.yaml"
    changes.write_text("secondary_outcomes: [amount]\n")
    text = _run(workspace, "amend", "reminder-text", str(changes), "--reason", "Amount added before launch.")
    assert "changed secondary_outcomes" in text

    text = _run(workspace, "randomise", "reminder-text", str(units_file), "--seed", "99", "--method", "stratified",
                "--stratify-by", "ward", "--balance-on", "ward", "--out", str(tmp_path / "lists"))
    counts = re.search(r"Randomised 1,200 units \(stratified, seed 99\): control (\d+), text (\d+)\.", text)
    assert counts and abs(int(counts.group(1)) - 600) <= 3 and int(counts.group(1)) + int(counts.group(2)) == 1_200
    assert "Balance between arms" in text
    control = pd.read_csv(tmp_path / "lists" / "reminder-text-control.csv")
    assert len(control) == int(counts.group(1)) and set(control.columns) == {"account", "ward", "arm"}

    # The outcomes come back as a source: half the text arm paid, a fifth of control.
    assigned = pd.concat([pd.read_csv(path) for path in sorted((tmp_path / "lists").glob("*.csv"))])
    assigned["paid"] = np.where(assigned["arm"] == "text", np.arange(len(assigned)) % 2 == 0,
                                np.arange(len(assigned)) % 5 == 0)
    assigned["amount"] = assigned["paid"] * 120.0
    results_file = tmp_path / "reminder_results.csv"
    assigned.to_csv(results_file, index=False)
    workspace.catalogue.add_source(results_file, "reminder_results", owner="Revenues")
    text = _run(workspace, "analyse", "reminder-text", "--chart", str(tmp_path / "effect.svg"))
    assert re.search(r"'text' raised paid by (29|30)\.\d percentage points compared with 'control'", text)
    assert "match the planned split" in text and (tmp_path / "effect.svg").read_text().startswith("<svg")

    text = _run(workspace, "show", "reminder-text")
    assert "1 amendment(s) since registration" in text and "Amount added before launch." in text
    assert '"seed": 99' in text
    assert get_trial(workspace, "reminder-text").randomisation["per_arm"] == {
        "control": int(counts.group(1)), "text": int(counts.group(2))}
    assert "reminder-text" in _run(workspace, "show")


def test_power_prints_the_answer_and_the_nudge_unit_evidence() -> None:
    result = runner.invoke(app, ["trial", "power", "--baseline", "0.10", "--effect", "0.05"])
    assert result.exit_code == 0, result.output
    assert "you need 681 units in each of the 2 arms" in _flat(result.output)
    large = runner.invoke(app, ["trial", "power", "--baseline", "0.10", "--effect", "0.08"])
    assert "about 1.4 percentage points" in _flat(large.output)
    wrong = runner.invoke(app, ["trial", "power", "--effect", "0.05"])
    assert wrong.exit_code != 0 and "--baseline" in _flat(wrong.output)


def test_did_judges_a_pilot_from_a_panel_file(workspace: Workspace, tmp_path: Path) -> None:
    generator = np.random.default_rng(3)
    rows = [{"area": f"W{area}", "month": f"2024-{month:02d}",
             "calls": 100 + 5 * area + generator.normal(0, 2) - (15 if area == 0 and month >= 7 else 0)}
            for area in range(6) for month in range(1, 13)]
    panel = tmp_path / "panel.csv"
    pd.DataFrame(rows).to_csv(panel, index=False)
    text = _run(workspace, "did", "--pilot", "W0", "--start", "2024-07", "--panel", str(panel), "--period-column",
                "month", "--outcome-column", "calls", "--chart", str(tmp_path / "event.png"))
    assert "calls changed by -1" in text and "more than in the 5 comparator areas" in text
    assert (tmp_path / "event.png").stat().st_size > 1_000
