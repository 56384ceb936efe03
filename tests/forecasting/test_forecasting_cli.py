"""`townhall forecast`: the series found, a forecast with its backtest table, and the SEND scenarios side by side."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from townhall.cli import app
from townhall.workspace import Workspace

runner = CliRunner()


def _flat(output: str) -> str:
    """The output with table borders and line wrapping removed, so sentences can be searched for."""
    return re.sub(r"\s+", " ", re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇╈┼┬┴╋┣┫├┤]", " ", output))


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory, steady_transitions: pd.DataFrame) -> Iterator[Workspace]:
    """A workspace with 20 months of requests in two wards and the hand-made SEND transitions."""
    folder = tmp_path_factory.mktemp("forecast-cli")
    rng = np.random.default_rng(2)
    months = pd.date_range("2023-01", periods=20, freq="MS").strftime("%Y-%m")
    demand = pd.concat([pd.DataFrame({"month": months, "ward_code": code, "ward_name": name,
                                      "service": "Housing repairs", "requests": rng.poisson(level, 20)})
                        for code, name, level in (("E05000001", "Walshaw", 60), ("E05000002", "Tannery", 4))])
    demand.to_csv(folder / "service_demand.csv", index=False)
    steady_transitions.to_csv(folder / "send_transitions.csv", index=False)
    with Workspace.create(folder / "council", "Testshire") as created:
        for name in ("service_demand", "send_transitions"):
            created.catalogue.add_source(folder / f"{name}.csv", name, owner="Performance", description="Tests.")
        yield created


def test_the_series_command_lists_each_series_and_flags_small_counts(council: Workspace) -> None:
    result = runner.invoke(app, ["forecast", "series", "--workspace", str(council.path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert "housing-repairs--tannery" in text and "housing-repairs--walshaw" in text
    assert re.search(r"Housing repairs, Tannery housing-repairs--tannery monthly January 2023 August 2024 20 yes", text)
    assert re.search(r"Housing repairs, Walshaw housing-repairs--walshaw monthly January 2023 August 2024 20 no", text)
    assert "Periods read as months such as 2011-07: a monthly series" in text
    assert "Counts under 10 are hidden" in text


def test_the_run_command_forecasts_a_series_and_says_which_method_and_why(council: Workspace) -> None:
    result = runner.invoke(app, ["forecast", "run", "housing-repairs--tannery", "--horizon", "3",
                                 "--workspace", str(council.path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    # 20 months: too short for seasonality, and only one 6-month backtest window fits after 10 months of training.
    assert "Only 1 of the 3 backtest windows fitted in the history" in text
    assert "Theta (a smoothed level with a drift)" in text and "Complex exponential smoothing (CES)" in text
    assert "rounded to the nearest 5" in text
    rows = re.findall(r"(September 2024|October 2024|November 2024) (\d+) (\d+) to (\d+) (\d+) to (\d+)", text)
    assert [row[0] for row in rows] == ["September 2024", "October 2024", "November 2024"]
    assert all(int(value) % 5 == 0 for row in rows for value in row[1:])
    assert council.audit.entries(action="forecast.run")


def test_the_send_command_shows_scenarios_with_counts_and_costs(council: Workspace, tmp_path: Path) -> None:
    population = tmp_path / "population.csv"
    population.write_text("calendar-year,academic-year,population\n" + "".join(
        f"{year},{school_year},{10_000 if school_year == 0 else 0}\n"
        for year in range(2021, 2027) for school_year in range(4)))
    scenarios = tmp_path / "scenarios.yaml"
    scenarios.write_text("scenarios:\n  - name: Half the joiners\n    changes:\n"
                         "      - scale joiners: 0.5\n        from: 2024\n")
    costs = tmp_path / "costs.csv"
    costs.write_text("setting,cost\nMMSIB,10000\n")
    result = runner.invoke(app, ["forecast", "send", "--population", str(population), "--scenarios", str(scenarios),
                                 "--costs", str(costs), "--years", "2", "--runs", "100",
                                 "--workspace", str(council.path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    baseline = re.search(r"Baseline 2024 (\d[\d,]*) ", text)
    halved = re.search(r"Half the joiners 2024 (\d[\d,]*) ", text)
    assert baseline and halved
    # 1,000 of 10,000 children join year 0 each year in the history; half as many under the scenario.
    assert int(halved.group(1).replace(",", "")) == pytest.approx(int(baseline.group(1).replace(",", "")) - 500,
                                                                  abs=15)
    assert "£" in text and "illustrative" not in text
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios:\n  - name: Oops\n    changes:\n      - close setting: XYZ\n        from: 2024\n")
    failed = runner.invoke(app, ["forecast", "send", "--population", str(population), "--scenarios", str(bad),
                                 "--workspace", str(council.path)])
    assert failed.exit_code != 0 and "no setting called 'XYZ'" in _flat(failed.output)


def test_costs_that_leave_out_a_setting_are_refused_with_the_codes_and_nothing_is_recorded(
        council: Workspace, tmp_path: Path) -> None:
    costs = tmp_path / "costs.csv"
    costs.write_text("setting,cost\nMSSIB,26000\n")
    population = tmp_path / "population.csv"
    population.write_text("calendar-year,academic-year,population\n" + "".join(
        f"{year},{school_year},1000\n" for year in range(2021, 2027) for school_year in range(4)))
    before = len(council.audit.entries(action="forecast.send"))
    failed = runner.invoke(app, ["forecast", "send", "--costs", str(costs), "--population", str(population),
                                 "--years", "2", "--runs", "10", "--workspace", str(council.path)])
    assert failed.exit_code != 0
    assert "has no cost for 1 setting in the transitions: MMSIB" in _flat(failed.output)
    assert len(council.audit.entries(action="forecast.send")) == before


def test_a_series_with_a_gap_is_refused_with_the_choices_and_nothing_is_recorded(
        council: Workspace, tmp_path: Path) -> None:
    rows = pd.DataFrame({"when": ["2024-01-05", "2024-01-20", "2024-03-02", "2024-03-31", "2024-04-30"]})
    rows.to_csv(tmp_path / "visits.csv", index=False)
    council.catalogue.add_source(tmp_path / "visits.csv", "visits", owner="Libraries", description="Visits.")
    before = len(council.audit.entries(action="forecast.run"))
    failed = runner.invoke(app, ["forecast", "run", "--source", "visits", "--date-field", "when",
                                 "--workspace", str(council.path)])
    text = _flat(failed.output)
    assert failed.exit_code != 0 and "no figure for 1 month inside its range (February 2024)" in text
    assert "'zero' (only if nothing recorded means none happened)" in text
    assert len(council.audit.entries(action="forecast.run")) == before
    listed = runner.invoke(app, ["forecast", "series", "--source", "visits", "--date-field", "when", "--fill",
                                 "zero", "--workspace", str(council.path)])
    assert listed.exit_code == 0 and "filled with 0" in _flat(listed.output)
