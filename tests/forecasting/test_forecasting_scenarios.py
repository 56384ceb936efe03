"""Named SEND scenarios: read from a small declarative format with plain-English errors, and run beside the
baseline with the same random numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from townhall.errors import InputFileError, TownhallError
from townhall.forecasting import (
    BASELINE,
    compare_scenarios,
    fit_send_model,
    load_scenarios,
    parse_scenarios,
    tidy_transitions,
)

PopulationMaker = Callable[[dict[int, float], range], pd.DataFrame]
SETTINGS = ["MMSIB", "MSSIB"]


@pytest.fixture(scope="module")
def population(make_population: PopulationMaker) -> pd.DataFrame:
    return make_population(dict.fromkeys(range(2021, 2028), 10_000), range(2021, 2028))


def test_scaling_joiners_changes_the_projection_by_about_that_much(steady_transitions: pd.DataFrame,
                                                                   population: pd.DataFrame) -> None:
    scenarios = parse_scenarios([{"name": "Half the joiners", "changes": [
        {"scale joiners": 0.5, "settings": ["MMSIB"], "from": 2025}]}], settings=["MMSIB"])
    comparison = compare_scenarios(tidy_transitions(steady_transitions, "test"), population, scenarios, years=3,
                                   runs=300, seed=2)
    baseline = comparison.baseline.counts.mean(axis=0)[:, :, 0, 0]
    halved = comparison.projections["Half the joiners"].counts.mean(axis=0)[:, :, 0, 0]
    # 2024 is before the change: the same random numbers give the same year.
    np.testing.assert_array_equal(baseline[0], halved[0])
    # From 2025 year 0 gets half the joiners; in 2026 they have moved up to year 1.
    assert halved[1, 0] / baseline[1, 0] == pytest.approx(0.5, abs=0.03)
    assert halved[2, 1] / baseline[2, 1] == pytest.approx(0.5, abs=0.03)
    summary = comparison.summary()
    assert summary.loc[summary["scenario"] == "Half the joiners", "children_difference"].iloc[-1] < -500


def test_a_closed_setting_takes_nobody_and_its_children_move_elsewhere(steady_transitions: pd.DataFrame,
                                                                        population: pd.DataFrame) -> None:
    # Some children are in a special school and have moved between the two settings before.
    moves = pd.DataFrame([
        {"calendar-year": year, "setting-1": before, "need-1": "ASD", "academic-year-1": school_year,
         "setting-2": after, "need-2": "ASD", "academic-year-2": school_year + 1, "count": 20}
        for year in (2021, 2022, 2023) for school_year in (0, 1, 2)
        for before, after in (("MMSIB", "MSSIB"), ("MSSIB", "MSSIB"), ("MSSIB", "MMSIB"))])
    transitions = tidy_transitions(pd.concat([steady_transitions, moves], ignore_index=True), "test")
    scenarios = parse_scenarios([{"name": "Special school closes", "changes": [
        {"close setting": "MSSIB", "from": 2025}]}], settings=SETTINGS)
    comparison = compare_scenarios(transitions, population, scenarios, years=3, runs=100, seed=4)
    closed = comparison.projections["Special school closes"].by_setting()  # runs x years x settings
    assert closed[:, 0, 1].sum() > 0  # 2024: still open
    assert closed[:, 1:, 1].sum() == 0  # from 2025 nobody is there
    baseline_total = comparison.baseline.totals().mean(axis=0)
    assert comparison.projections["Special school closes"].totals().mean(axis=0)[1] == pytest.approx(
        baseline_total[1], rel=0.03)  # the children moved rather than left


def test_new_housing_and_ignoring_old_history_are_applied(steady_transitions: pd.DataFrame,
                                                          population: pd.DataFrame) -> None:
    scenarios = parse_scenarios([
        {"name": "New housing", "changes": [{"add children": 500, "ages": [3, 4], "from": 2024}]},
        {"name": "Recent history", "changes": [{"ignore history before": 2023}]},
    ], settings=["MMSIB"])
    comparison = compare_scenarios(tidy_transitions(steady_transitions, "test"), population, scenarios, years=2,
                                   runs=200, seed=5)
    # 250 more children at age 4 (school year 0), 10% of whom join: about 25 more in year 0.
    extra = comparison.projections["New housing"].counts.mean(axis=0)[0, 0, 0, 0] - \
        comparison.baseline.counts.mean(axis=0)[0, 0, 0, 0]
    assert extra == pytest.approx(25, abs=8)
    assert comparison.projections["Recent history"].model.history_years == [2023]
    assert BASELINE in comparison.summary()["scenario"].tolist()


@pytest.mark.parametrize(("scenarios", "message"), [
    ([{"changes": []}], "Scenario 1 needs a name"),
    ([{"name": "A", "changes": [{"scale joiners": "lots", "from": 2027}]}], "factor between 0 and 10"),
    ([{"name": "A", "changes": [{"close setting": "XYZ", "from": 2027}]}], "no setting called 'XYZ'.*MMSIB, MSSIB"),
    ([{"name": "A", "changes": [{"scale joiners": 0.9}]}], "'from' must be a year such as 2027"),
    ([{"name": "A", "changes": [{"grow": 2}]}], "each change must be exactly one of"),
    ([{"name": "A", "changes": [{"add children": 500, "ages": [4, 0], "from": 2027}]}], "youngest and oldest age"),
    ([{"name": "A"}, {"name": "A"}], "Two scenarios are called 'A'"),
    ({"nothing": []}, "needs a list called 'scenarios'"),
])
def test_scenario_mistakes_are_explained_in_plain_english(scenarios: object, message: str) -> None:
    with pytest.raises(TownhallError, match=message):
        parse_scenarios(scenarios, settings=SETTINGS)


def test_scenarios_are_read_from_a_yaml_file(tmp_path: Path) -> None:
    good = tmp_path / "scenarios.yaml"
    good.write_text("scenarios:\n  - name: Fewer special school places\n    changes:\n"
                    "      - scale joiners: 0.9\n        settings: [MSSIB]\n        from: 2027\n")
    (scenario,) = load_scenarios(good, settings=SETTINGS)
    assert scenario.describe() == "Children joining MSSIB x 0.9 from 2027."
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios:\n  - name: [unclosed\n")
    with pytest.raises(InputFileError, match="not valid YAML"):
        load_scenarios(bad, settings=SETTINGS)


def test_the_model_keeps_the_census_when_old_history_is_ignored(steady_transitions: pd.DataFrame,
                                                                 population: pd.DataFrame) -> None:
    model = fit_send_model(tidy_transitions(steady_transitions, "test"), population, from_year=2023)
    assert model.census_year == 2023 and model.history_years == [2023] and model.start.sum() == 3439
