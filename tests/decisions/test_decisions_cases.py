"""Training, scoring and auditing a model that ranks each case at its own date, on a generated register of food
inspections: the leak check runs (and stops training on a leak), test periods with nothing to measure are left out
with a warning, the list has no ties from calibration, the scheduling measure is reported, and data that cannot
support a model gets a message that says what is wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from townhall.decisions import metrics
from townhall.decisions.definition import parse_definition
from townhall.decisions.features import CasePeriod, LeakError, build_dataset
from townhall.decisions.scoring import score_model
from townhall.decisions.training import TrainingResult, train_model
from townhall.errors import TownhallError
from townhall.workspace import Workspace

from .conftest import FOOD_INSPECTIONS_DEFINITION, register_csv

DEFINITION = FOOD_INSPECTIONS_DEFINITION


def generated_inspections(rows: int = 900, seed: int = 3) -> str:
    """Inspections of 150 licences over two years, five or so a working day: the 'red' inspector and licences with
    earlier criticals find more; every 40th inspection is not done yet (no result)."""
    generator = np.random.default_rng(seed)
    days = pd.bdate_range("2022-01-03", "2023-12-29")
    dates = np.sort(generator.choice(days, size=rows))
    licences = generator.integers(1, 151, size=rows)
    inspectors = generator.choice(["red", "blue", "green"], size=rows)
    proneness = generator.normal(0, 1, size=151)
    log_odds = -1.8 + 1.3 * (inspectors == "red") + 0.9 * proneness[licences]
    found = generator.random(rows) < 1 / (1 + np.exp(-log_odds))
    criticals = np.where(found, generator.integers(1, 4, size=rows), 0).astype(object)
    criticals[::40] = ""
    kinds = np.where(licences % 3 == 0, "Grocery", "Restaurant")
    lines = ["Inspection ID,Licence,Inspected,Inspector,Criticals,Facility,Closed"]
    for number in range(rows):
        closed = (pd.Timestamp(dates[number]) + pd.Timedelta(days=200)).date().isoformat()
        lines.append(f"N{number:05d},L{licences[number]:03d},{pd.Timestamp(dates[number]).date()},"
                     f"{inspectors[number]},{criticals[number]},{kinds[number]},{closed}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def inspections_folder(tmp_path_factory: pytest.TempPathFactory,
                       building_secrets: Callable[[Path], AbstractContextManager[None]]) -> Path:
    with building_secrets(tmp_path_factory.mktemp("inspections-secrets")):
        folder = tmp_path_factory.mktemp("inspections") / "council"
        with Workspace.create(folder, "Testshire") as created:
            register_csv(created, "food_inspections", generated_inspections())
    return folder


@pytest.fixture
def inspections(inspections_folder: Path, tmp_path: Path,
                copy_and_open: Callable[[Path, Path], AbstractContextManager[Workspace]]) -> Iterator[Workspace]:
    with copy_and_open(inspections_folder, tmp_path / "council") as opened:
        yield opened


@pytest.fixture(scope="module")
def trained(inspections_folder: Path, tmp_path_factory: pytest.TempPathFactory,
            copy_and_open: Callable[[Path, Path], AbstractContextManager[Workspace]]) -> Iterator[
                tuple[Workspace, TrainingResult]]:
    with copy_and_open(inspections_folder, tmp_path_factory.mktemp("trained") / "council") as opened:
        yield opened, train_model(opened, parse_definition(DEFINITION, file="generated.yaml"))


def test_training_runs_the_leak_check_and_reports_the_scheduling_measure(
        trained: tuple[Workspace, TrainingResult]) -> None:
    _, result = trained
    assert result.training["leak_check"]["as_of"] == "2023-07-01"
    assert result.training["not_leak_checked"] == {"inspector": "The inspector assigned"}
    figures = result.evaluation.splits[0].figures[result.evaluation.chosen_kind]
    assert figures["days_earlier"] > 0 and figures["roc_auc"] > 0.6
    assert figures["found_first_half_in_score_order"] > figures["found_first_half_as_worked"]
    scheduling = result.training["scheduling"]
    assert scheduling["periods"] == 1 and scheduling["outcomes"] == figures["test_positives"]
    auc = result.evaluation.chosen["roc_auc"].describe(digits=3)
    assert auc.endswith(f"(1 test period of {int(figures['test_rows']):,} cases: no interval across periods)")


def test_the_list_has_no_more_ties_than_the_model_itself(trained: tuple[Workspace, TrainingResult]) -> None:
    workspace, result = trained
    scored = score_model(workspace, "food-inspections")
    assert scored.as_of == pd.Timestamp("2023-07-01").date()  # the test window, by default
    listed = scored.predictions.sort_values("rank")
    period = CasePeriod(date(2023, 7, 1), date(2023, 12, 31))
    frame = build_dataset(workspace, result.definition, cases=period).frame.set_index("unit_id")
    raw = result.fitted.raw_scores(frame.loc[listed["unit_id"]])
    k = 20
    assert metrics.ties_in_top_k(-listed["rank"].to_numpy(dtype=float), k) <= metrics.ties_in_top_k(raw, k)
    if result.fitted.calibration == "isotonic":  # steps: the calibrated probabilities alone would tie
        assert metrics.ties_in_top_k(listed["probability"].to_numpy(), k) >= metrics.ties_in_top_k(raw, k)


def test_a_leak_stops_training_with_the_feature_named(inspections: Workspace) -> None:
    leaky = DEFINITION.replace("protected:", """  - name: last_closed
    description: When the latest earlier inspection's case was closed (known only later)
    latest: {source: food_inspections, date: Inspected, field: Closed}
protected:""")
    with pytest.raises(LeakError, match="last_closed changed when later data was removed"):
        train_model(inspections, parse_definition(leaky, file="leaky.yaml"))
    assert not (inspections.path / "models" / "food-inspections").exists()


def test_test_periods_with_nothing_to_measure_are_left_out_with_a_warning_never_averaged_in(
        inspections: Workspace) -> None:
    # Half-year periods; the first has no earlier cases to learn from (never a test period), and the last (the first
    # half of 2024) holds no inspections at all.
    rolling = DEFINITION.replace("""  train: {from: 2022-01-01, to: 2023-06-30}
  test: {from: 2023-07-01, to: 2023-12-31}""", """  first_as_of: 2022-01-01
  last_as_of: 2024-06-30
  step_months: 6
  test_periods: all""")
    result = train_model(inspections, parse_definition(rolling, file="rolling.yaml"))
    evaluation = result.evaluation
    assert evaluation.skipped == 1 and len(evaluation.splits) == 3
    assert any("Test period" in warning and "was left out: it had no inspections with a known outcome" in warning
               for warning in evaluation.warnings)
    used = len(evaluation.splits)
    assert evaluation.chosen["precision_at_k"].periods == used
    assert evaluation.chosen["precision_at_k"].cases == sum(len(split.test.frame) for split in evaluation.splits)


@pytest.mark.parametrize(("criticals", "message"), [
    ("0", "The outcome happens in 0 of 877 rows with a known outcome"),
])
def test_an_outcome_that_never_happens_is_refused_with_the_count(workspace: Workspace, criticals: str,
                                                                 message: str) -> None:
    lines = generated_inspections().splitlines()
    columns = [line.split(",") for line in lines[1:]]
    rows = [",".join(parts[:4] + ([criticals] if parts[4] else [""]) + parts[5:]) for parts in columns]
    register_csv(workspace, "food_inspections", "\n".join([lines[0], *rows]) + "\n")
    with pytest.raises(TownhallError, match=message):
        train_model(workspace, parse_definition(DEFINITION, file="generated.yaml"))


def test_too_few_rows_for_a_test_on_later_periods_is_refused_with_the_number_needed(workspace: Workspace) -> None:
    register_csv(workspace, "food_inspections", generated_inspections(rows=50))
    with pytest.raises(TownhallError, match=r"Only \d+ rows have a known outcome: at least 100 are needed to learn "
                                            "from earlier periods and test on later ones"):
        train_model(workspace, parse_definition(DEFINITION, file="generated.yaml"))
