"""The SEND cohort projection: rates from a transitions table, simulated futures, and checks against projections
that can be worked out by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from townhall.errors import InputFileError
from townhall.forecasting import (
    fit_send_model,
    read_costs_csv,
    read_transitions_csv,
    send_inputs,
    simulate_send,
    tidy_transitions,
)
from townhall.workspace import Workspace

PopulationMaker = Callable[[dict[int, float], range], pd.DataFrame]


@pytest.fixture(scope="module")
def steady(steady_transitions: pd.DataFrame) -> pd.DataFrame:
    return tidy_transitions(steady_transitions, "steady transitions")


def test_the_simulated_mean_matches_the_projection_worked_out_by_hand(steady: pd.DataFrame,
                                                                       make_population: PopulationMaker) -> None:
    # History: 10,000 children in year 0 each year, of whom 1,000 joined (10%). From 2024 there are 20,000.
    population = make_population({2021: 10_000, 2022: 10_000, 2023: 10_000, **dict.fromkeys(range(2024, 2028), 20_000)},
                                 range(2021, 2028))
    model = fit_send_model(steady, population)
    assert model.census_year == 2023 and model.start.sum() == 1000 + 900 + 810 + 729
    projection = simulate_send(model, population, years=4, runs=400, seed=3)
    mean = projection.counts.mean(axis=0)[:, :, 0, 0]  # (year, school year): one need, one setting
    # By hand: 2,000 join each year; 10% of each year leave; year 3 all leave.
    expected = np.array([[2000, 900, 810, 729],
                         [2000, 1800, 810, 729],
                         [2000, 1800, 1620, 729],
                         [2000, 1800, 1620, 1458]])
    assert projection.years == [2024, 2025, 2026, 2027]
    np.testing.assert_allclose(mean, expected, rtol=0.02)
    summary = projection.summary()
    assert (summary["children_low"] < summary["children"]).all()
    assert (summary["children"] < summary["children_high"]).all()


def test_the_same_seed_gives_the_same_projection_and_another_seed_does_not(steady: pd.DataFrame,
                                                                            make_population: PopulationMaker) -> None:
    population = make_population(dict.fromkeys(range(2021, 2027), 10_000), range(2021, 2027))
    model = fit_send_model(steady, population)
    first = simulate_send(model, population, years=3, runs=50, seed=7)
    again = simulate_send(model, population, years=3, runs=50, seed=7)
    other = simulate_send(model, population, years=3, runs=50, seed=8)
    assert np.array_equal(first.counts, again.counts)
    assert not np.array_equal(first.counts, other.counts)


def test_no_leaving_or_moving_rate_is_exactly_zero_even_where_nobody_left_or_moved(
        steady_transitions: pd.DataFrame, make_population: PopulationMaker) -> None:
    # A second setting in which nobody ever left or moved: its rates are small but not zero.
    extra = pd.DataFrame([{"calendar-year": 2022, "setting-1": "MSSIB", "need-1": "ASD", "academic-year-1": 1,
                           "setting-2": "MSSIB", "need-2": "ASD", "academic-year-2": 2, "count": 3}])
    transitions = tidy_transitions(pd.concat([steady_transitions, extra], ignore_index=True), "test")
    model = fit_send_model(transitions, make_population(dict.fromkeys(range(2021, 2024), 10_000), range(2021, 2024)))
    assert model.settings == ["MMSIB", "MSSIB"]
    assert (model.leave_rates > 0).all() and (model.move_rates > 0).all()
    assert (model.leave_rates < 1).all()
    assert (model.joiner_shape > 0).all() and (model.destinations.sum(axis=2) > 0).all()


def test_costs_multiply_children_by_the_cost_of_their_setting(steady: pd.DataFrame,
                                                              make_population: PopulationMaker) -> None:
    population = make_population(dict.fromkeys(range(2021, 2026), 10_000), range(2021, 2026))
    model = fit_send_model(steady, population)
    projection = simulate_send(model, population, years=2, runs=20, seed=1, costs={"MMSIB": 15_000})
    np.testing.assert_allclose(projection.total_costs(), projection.totals() * 15_000)
    assert {"cost", "cost_low", "cost_high"} <= set(projection.summary().columns)


def test_bad_input_files_name_the_file_row_and_field(tmp_path: Path) -> None:
    transitions = tmp_path / "transitions.csv"
    transitions.write_text("calendar-year,setting-1,need-1,academic-year-1,setting-2,need-2,academic-year-2,count\n"
                           "2024,MMSIB,ASD,3,MMSIB,ASD,4,2\n2024,MMSIB,ASD,3,NONSEND,NONSEND,4,two\n")
    with pytest.raises(InputFileError, match=r"row 3.*count|count.*row 3"):
        read_transitions_csv(transitions)
    costs = tmp_path / "costs.csv"
    costs.write_text("setting,cost\nMMSIB,14000\nMSSIB,-5\n")
    with pytest.raises(InputFileError, match="row 3"):
        read_costs_csv(costs)
    with pytest.raises(InputFileError, match="does not exist"):
        read_costs_csv(tmp_path / "missing.csv")


def test_the_demo_projection_counts_children_from_the_person_index(linked_demo_folder: Path) -> None:
    with Workspace.open(linked_demo_folder) as demo:
        transitions, population = send_inputs(demo, years=3)
    census = transitions[(transitions["calendar_year"] == transitions["calendar_year"].max())
                         & (transitions["setting_after"] != "NONSEND")]["count"].sum()
    model = fit_send_model(transitions, population)
    assert model.start.sum() == census > 0
    assert (model.leave_rates > 0).all() and (model.move_rates > 0).all()
    assert population["population"].sum() > 0 and set(population["calendar_year"]) >= {model.census_year + 3}
    projection = simulate_send(model, population, years=3, runs=100, seed=0)
    assert projection.totals().mean() > 0
