"""Drift checks: the population stability index by hand, unshifted and shifted synthetic data, and the stored
report."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from townhall.decisions.dataset import AS_OF, UnitDataset
from townhall.decisions.drift import (
    categorical_stability_index,
    check_drift,
    latest_drift,
    numeric_stability_index,
    population_stability_index,
)
from townhall.decisions.store import ensure_tables, model_folder
from townhall.errors import TownhallError
from townhall.workspace import Workspace

MODEL = "synthetic-hmos"


def save_training_data(workspace: Workspace, training: UnitDataset, scores: np.ndarray) -> None:
    """What training leaves behind for drift checks: training data, training.json and evaluation scores."""
    folder = model_folder(workspace, MODEL)
    folder.mkdir(parents=True)
    frame = training.frame.copy()
    frame["property_type"] = frame["property_type"].astype("string")
    frame.to_parquet(folder / "training_data.parquet", index=False)
    (folder / "training.json").write_text(json.dumps({
        "feature_columns": training.feature_columns, "categorical_columns": training.categorical_columns,
        "descriptions": training.descriptions}), encoding="utf-8")
    evaluation = pd.DataFrame({"model": MODEL, "run_id": "train-1", "kind": "evaluation", "split": 1,
                               "as_of": pd.Timestamp("2023-01-01"), "unit_id": [f"U-{n}" for n in range(len(scores))],
                               "probability": scores, "outcome": False, "rank": 1, "in_top_k": False, "band": "low",
                               "model_kind": "logistic"})
    with workspace.analytics.transaction() as connection:
        ensure_tables(connection)
        connection.register("incoming", evaluation)
        connection.execute("insert into decisions.predictions by name select * from incoming")
        connection.unregister("incoming")


@pytest.fixture
def split_in_time(synthetic_units: UnitDataset) -> tuple[UnitDataset, UnitDataset]:
    """The synthetic properties' first four as-of dates (training) and a later one drawn the same way."""
    dates = sorted(synthetic_units.frame[AS_OF].unique())
    training = synthetic_units.with_rows(synthetic_units.frame[synthetic_units.frame[AS_OF].isin(dates[:4])])
    later = synthetic_units.at(dates[5])
    return training, later


def test_the_population_stability_index_matches_the_formula_worked_by_hand() -> None:
    by_hand = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
    assert population_stability_index(np.array([0.5, 0.5]), np.array([0.25, 0.75])) == pytest.approx(by_hand)
    before = pd.Series(["Flat"] * 50 + ["House"] * 50)
    after = pd.Series(["Flat"] * 25 + ["House"] * 75)
    assert categorical_stability_index(before, after) == pytest.approx(by_hand)
    values = pd.Series(np.arange(1000, dtype=float))
    assert numeric_stability_index(values, values.sample(frac=1, random_state=1)) == 0.0
    assert numeric_stability_index(values, values + 500) > 1  # half the new values lie above every training value


def test_data_drawn_the_same_way_raises_no_warning(workspace: Workspace,
                                                    split_in_time: tuple[UnitDataset, UnitDataset]) -> None:
    training, later = split_in_time
    generator = np.random.default_rng(5)
    save_training_data(workspace, training, generator.beta(2, 8, size=2000))
    report = check_drift(workspace, MODEL, later, generator.beta(2, 8, size=len(later.frame)))
    assert {item.feature for item in report.features} == {"referrals", "noise_complaint", "floor_area",
                                                          "property_type", "score"}
    assert all(item.level == "none" for item in report.features), [(i.feature, i.stability_index)
                                                                   for i in report.features]
    # No model file was saved, so the scores are compared with the evaluation scores, and the report says so.
    assert report.warnings == ["The scores were compared with the model's out-of-time evaluation scores, not its "
                               "training scores, because the model file model.joblib is missing."]


def test_a_model_that_cannot_be_loaded_is_named_with_the_reason_and_the_fallback_stated(
        workspace: Workspace, split_in_time: tuple[UnitDataset, UnitDataset]) -> None:
    training, later = split_in_time
    generator = np.random.default_rng(5)
    save_training_data(workspace, training, generator.beta(2, 8, size=2000))
    (model_folder(workspace, MODEL) / "model.joblib").write_bytes(b"not a model")
    report = check_drift(workspace, MODEL, later, generator.beta(5, 5, size=len(later.frame)))
    assert report.score is not None and report.score.level == "large"
    assert "could not be loaded" in report.score.basis
    note = next(warning for warning in report.warnings if warning.startswith("The scores were compared"))
    assert "evaluation scores, not its training scores, because the model file model.joblib could not be loaded" \
        in note
    stored = latest_drift(workspace, MODEL)
    assert stored is not None and "could not be loaded" in next(
        warning for warning in stored.warnings if warning.startswith("The scores have changed"))


def test_shifted_features_and_scores_are_warned_about_in_plain_english_and_stored(
        workspace: Workspace, split_in_time: tuple[UnitDataset, UnitDataset]) -> None:
    training, later = split_in_time
    generator = np.random.default_rng(5)
    save_training_data(workspace, training, generator.beta(2, 8, size=2000))
    shifted = later.frame.copy()
    shifted["referrals"] = shifted["referrals"] * 3 + 2
    shifted["property_type"] = pd.Categorical(["Flat"] * len(shifted))
    report = check_drift(workspace, MODEL, later.with_rows(shifted), generator.beta(5, 5, size=len(shifted)))
    assert report.feature("referrals").level == "large" and report.feature("property_type").level == "large"
    assert report.feature("floor_area").level == "none"
    assert report.score.level == "large"
    assert report.warnings[0].endswith("Check the data before using the list, and retrain if the change is real.")
    assert any(warning.startswith("'Referrals in the 12 months before' has changed a lot since the model was "
                                  "trained (population stability index") for warning in report.warnings)
    assert any(warning.startswith("The scores have changed a lot") for warning in report.warnings)
    stored = latest_drift(workspace, MODEL)
    assert stored is not None and stored.feature("referrals").stability_index == pytest.approx(
        report.feature("referrals").stability_index)
    assert sorted(stored.warnings) == sorted(warning for warning in report.warnings if warning not in report.notes)


def test_a_model_without_training_data_cannot_be_checked(workspace: Workspace, synthetic_units: UnitDataset) -> None:
    with pytest.raises(TownhallError, match="no trained model called 'missing-model'"):
        check_drift(workspace, "missing-model", synthetic_units, np.zeros(len(synthetic_units.frame)))
    assert latest_drift(workspace, "missing-model") is None
