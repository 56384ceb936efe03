"""Training on synthetic properties with a known signal: out-of-time figures, the choice of model, honesty warnings,
explanations and charts."""

from __future__ import annotations

import re

import numpy as np
import pytest

from townhall.decisions import metrics
from townhall.decisions.charts import training_charts
from townhall.decisions.dataset import UnitDataset
from townhall.decisions.explain import feature_contributions, reason_sentence, top_reasons
from townhall.decisions.training import (
    LIGHTGBM,
    LOGISTIC,
    Evaluation,
    FittedModel,
    TrainingSettings,
    assign_bands,
    calibration_method,
    choose_model,
    evaluate_models,
    fit_model,
    ranked_list,
    training_record,
)
from townhall.reports import render_svg

SETTINGS = TrainingSettings(model="synthetic-hmos", unit_noun="properties", window_months=12, capacity=25,
                            baseline_feature="referrals", baseline_description="most referrals first",
                            maximum_splits=2)


@pytest.fixture(scope="module")
def evaluation(synthetic_units: UnitDataset) -> Evaluation:
    """Both candidates evaluated over the synthetic data's rolling splits, against the rule "most referrals first"."""
    return evaluate_models(synthetic_units, SETTINGS)


@pytest.fixture(scope="module")
def fitted_models(synthetic_units: UnitDataset) -> dict[str, FittedModel]:
    """Each candidate fitted on all the labelled synthetic rows."""
    return {kind: fit_model(kind, synthetic_units.labelled()) for kind in (LOGISTIC, LIGHTGBM)}


def test_the_model_finds_the_planted_signal_out_of_time(evaluation: Evaluation) -> None:
    chosen = evaluation.chosen
    assert [result.split.test_as_of.year for result in evaluation.splits] == [2022, 2023]  # the latest two of three
    assert chosen["roc_auc"].mean > 0.72
    assert chosen["precision_at_k"].mean > 2.5 * evaluation.base_rate
    assert all(lift > 2 for lift in chosen["lift_over_random"].values)  # in every test period
    assert 0 < chosen["brier"].mean < evaluation.base_rate * (1 - evaluation.base_rate)  # beats always-the-base-rate
    assert set(evaluation.summary) == {LOGISTIC, LIGHTGBM}
    assert re.match(r"about 1 in [1-3] of the properties on the list had the outcome, against 1 in [5-9] at random",
                    evaluation.headline())
    assert not any("does not clearly beat picking" in warning for warning in evaluation.warnings)


def test_the_learning_curve_trains_on_growing_shares_of_the_last_split(evaluation: Evaluation) -> None:
    curve = evaluation.learning_curve
    assert curve["fraction"].tolist() == [0.1, 0.25, 0.5, 1.0]
    assert curve["training_rows"].is_monotonic_increasing
    assert curve["training_rows"].iloc[-1] == evaluation.splits[-1].training_rows
    assert curve["roc_auc"].notna().all() and (curve["roc_auc"] > 0.6).all()


def test_calibrated_probabilities_track_what_happened(evaluation: Evaluation) -> None:
    bins = evaluation.calibration
    assert bins["cases"].sum() == sum(len(result.test.frame) for result in evaluation.splits)
    assert np.abs(bins["mean_predicted"] - bins["observed_rate"]).max() < 0.12
    assert bins["observed_rate"].iloc[-1] > 3 * bins["observed_rate"].iloc[0]


def test_the_simpler_model_wins_unless_the_boosted_one_is_better_by_more_than_the_tolerance() -> None:
    def summary(logistic_auc: float, boosted_auc: float) -> dict[str, dict[str, metrics.Estimate]]:
        return {LOGISTIC: {"roc_auc": metrics.mean_with_interval([logistic_auc])},
                LIGHTGBM: {"roc_auc": metrics.mean_with_interval([boosted_auc])}}

    assert choose_model(summary(0.80, 0.805), 0.01)[0] == LOGISTIC
    assert choose_model(summary(0.80, 0.81), 0.01)[0] == LOGISTIC  # exactly the tolerance is not "more than"
    kind, reason = choose_model(summary(0.80, 0.83), 0.01)
    assert kind == LIGHTGBM and "more than the tolerance of 0.010" in reason


def test_isotonic_calibration_is_used_only_with_enough_data() -> None:
    assert calibration_method(5_000, 400) == "isotonic"
    assert calibration_method(5_000, 60) == "sigmoid"
    assert calibration_method(800, 200) == "sigmoid"


def test_lightgbm_gives_the_same_probabilities_every_time(synthetic_units: UnitDataset,
                                                         fitted_models: dict[str, FittedModel]) -> None:
    labelled = synthetic_units.labelled()
    again = fit_model(LIGHTGBM, labelled).probabilities(labelled.frame.head(50))
    assert np.array_equal(fitted_models[LIGHTGBM].probabilities(labelled.frame.head(50)), again)


def test_too_little_data_or_no_signal_earns_plain_english_warnings(make_synthetic_units) -> None:  # type: ignore[no-untyped-def]
    noise_only = make_synthetic_units(units=150, seed=5, signal=0.0)
    settings = TrainingSettings(model="noise", unit_noun="properties", capacity=10, window_months=12,
                                maximum_splits=1)
    evaluation = evaluate_models(noise_only, settings, kinds=(LOGISTIC,))
    assert evaluation.positives < 50
    assert any(warning.startswith(f"Only {evaluation.positives} properties") for warning in evaluation.warnings)
    assert any("does not clearly beat picking properties at random" in warning
               or "might be no better than picking at random" in warning for warning in evaluation.warnings)


def test_a_rule_baseline_is_compared_where_the_definition_names_one(evaluation: Evaluation) -> None:
    kind = evaluation.chosen_kind
    rule = evaluation.chosen["rule_precision_at_k"].mean
    assert evaluation.base_rate < rule < evaluation.chosen["precision_at_k"].mean + 0.1
    assert evaluation.chosen["lift_over_rule"].mean == pytest.approx(
        np.mean([result.figures[kind]["precision_at_k"] / result.figures[kind]["rule_precision_at_k"]
                 for result in evaluation.splits]))


def test_bands_are_multiples_of_the_base_rate_and_ranks_follow_the_probability(
        synthetic_units: UnitDataset) -> None:
    thresholds = {"high": 0.3, "medium": 0.15}
    assert assign_bands(np.array([0.31, 0.3, 0.2, 0.15, 0.1]), thresholds).tolist() == [
        "high", "high", "medium", "medium", "low"]
    frame = synthetic_units.frame.head(4)
    listed = ranked_list(frame, np.array([0.1, 0.4, 0.1, 0.2]), 2, thresholds)
    assert listed["rank"].tolist() == [3, 1, 4, 2]
    assert listed["in_top_k"].tolist() == [False, True, False, True]
    assert listed["band"].tolist() == ["low", "high", "low", "medium"]


@pytest.mark.parametrize("kind", [LOGISTIC, LIGHTGBM])
def test_reasons_name_the_features_that_drove_a_score(synthetic_units: UnitDataset,
                                                      fitted_models: dict[str, FittedModel], kind: str) -> None:
    labelled = synthetic_units.labelled()
    fitted = fitted_models[kind]
    frame = labelled.frame
    busy = frame[(frame["referrals"] >= 6) & frame["noise_complaint"]].head(3)
    contributions = feature_contributions(fitted, busy)
    assert list(contributions.columns) == synthetic_units.feature_columns
    assert (contributions["referrals"] > 0).all()
    reasons = top_reasons(fitted, busy, synthetic_units.descriptions, {"referrals": "count"})
    assert reasons.groupby("unit_id")["position"].max().le(3).all()
    referral_reasons = reasons[reasons["feature"] == "referrals"]
    assert len(referral_reasons) == len(busy)
    assert referral_reasons["sentence"].str.match(r"^\d+ referrals in the 12 months before \(raises the score\)$").all()
    if kind == LOGISTIC:  # coefficient × standardised value, exactly
        classifier = fitted.pipeline.named_steps["classifier"]
        scaler = fitted.pipeline.named_steps["prepare"].named_transformers_["numeric"].named_steps["standardise"]
        position = fitted.numeric_columns.index("referrals")
        standardised = (busy["referrals"] - scaler.mean_[position]) / scaler.scale_[position]
        expected = classifier.coef_[0][position] * standardised
        assert contributions["referrals"].to_numpy() == pytest.approx(expected.to_numpy())


def test_reason_sentences_read_as_plain_english() -> None:
    assert reason_sentence("Referrals in the 12 months before", "count", 1, 0.4) == (
        "1 referral in the 12 months before (raises the score)")
    assert reason_sentence("Council tax band of the latest account", "latest", "D", -0.2) == (
        "Council tax band of the latest account: D (lowers the score)")
    assert reason_sentence("Floor area (m2)", "max", None, 0.1) == "Floor area (m2): not recorded (raises the score)"
    assert reason_sentence("Different people at the address", "distinct_people_at_address", 4, 1.2) == (
        "4 different people at the address (raises the score)")
    assert reason_sentence("Different people at the address", "distinct_people_at_address", 1, -1.2) == (
        "Different people at the address: 1 (lowers the score)")
    assert reason_sentence("Has a single-person discount", "yes_no", 0.0, 0.3) == (
        "Has a single-person discount: no (raises the score)")


def test_the_three_training_charts_draw(evaluation: Evaluation, synthetic_units: UnitDataset,
                                        fitted_models: dict[str, FittedModel]) -> None:
    fitted = fitted_models[evaluation.chosen_kind]
    record = training_record(evaluation, fitted, {"high": 0.5, "medium": 0.25}, "train-test", synthetic_units)
    charts = training_charts(record)
    assert set(charts) == {"calibration", "learning_curve", "precision_at_k"}
    diagonal = charts["calibration"]["layer"][0]["data"]["values"]
    assert diagonal[0] == {"x": 0, "y": 0} and diagonal[1]["x"] == diagonal[1]["y"]
    bars = charts["precision_at_k"]["data"]["values"]
    assert {bar["list"] for bar in bars} == {"The model", "At random (base rate)", "The current rule"}
    assert len(bars) == 3 * len(evaluation.splits)
    curve = charts["learning_curve"]["data"]["values"]
    assert len(curve) == 2 * len(evaluation.learning_curve)  # AUC and precision at each training size
    assert render_svg(charts["learning_curve"], description="Learning curve").startswith("<svg")
