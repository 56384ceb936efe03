"""Analysis: intention-to-treat effects match statsmodels, nulls are reported honestly, unregistered outcomes are
refused, corrections are applied, and a broken split is caught by the sample-ratio check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from townhall.errors import TownhallError
from townhall.trials import TrialPlan, analyse_frame, sample_ratio_check


def _trial_frame(seed: int, per_arm: int, rates: dict[str, float]) -> pd.DataFrame:
    generator = np.random.default_rng(seed)
    arms = np.repeat(list(rates), per_arm)
    paid = generator.random(arms.size) < np.array([rates[arm] for arm in arms])
    return pd.DataFrame({"account": np.arange(arms.size).astype(str), "arm": arms, "paid": paid,
                         "amount": generator.gamma(2, 50, arms.size) + 20 * paid,
                         "age": generator.integers(18, 90, arms.size), "complaints": generator.poisson(0.1, arms.size)})


def test_the_difference_and_p_value_match_a_two_proportion_test(letter_plan: TrialPlan) -> None:
    frame = _trial_frame(1, 3_000, {"control": 0.10, "reminder": 0.14})
    analysis = analyse_frame(frame, letter_plan, outcomes=["paid"])
    effect = analysis.primary()[0]
    control = frame.loc[frame["arm"] == "control", "paid"]
    reminder = frame.loc[frame["arm"] == "reminder", "paid"]
    assert effect.difference == pytest.approx(reminder.mean() - control.mean())
    assert effect.kind == "proportion" and effect.units == 3_000
    # HC2 errors for a difference in means are the unpooled standard error (Welch / unpooled z-test).
    unpooled = np.sqrt(reminder.var() / 3_000 + control.var() / 3_000)
    assert (effect.upper - effect.lower) / 2 == pytest.approx(1.959964 * unpooled, rel=1e-6)
    _, z_p = proportions_ztest([reminder.sum(), control.sum()], [3_000, 3_000], prop_var=False)
    assert effect.p_value == pytest.approx(z_p, rel=0.05)
    assert effect.significant
    assert effect.conclusion().startswith("'reminder' raised paid by ")
    assert "percentage points" in effect.conclusion()


def test_a_null_result_says_which_effects_are_ruled_out(letter_plan: TrialPlan) -> None:
    frame = _trial_frame(2, 4_000, {"control": 0.20, "reminder": 0.20})
    effect = analyse_frame(frame, letter_plan, outcomes=["paid"]).primary()[0]
    if effect.significant:  # the seed is fixed, so this cannot happen by chance on a re-run
        pytest.fail("the fixed seed should give a null result")
    sentence = effect.conclusion(letter_plan.minimum_effect_of_interest)
    assert sentence.startswith("No detectable effect")
    assert f"Rises larger than {effect.upper * 100:.1f} percentage points" in sentence
    assert f"falls larger than {-effect.lower * 100:.1f} percentage points are ruled out (95% confidence)" in sentence
    assert effect.upper < 0.02 and "too small" not in sentence
    small = analyse_frame(_trial_frame(3, 200, {"control": 0.2, "reminder": 0.2}), letter_plan, outcomes=["paid"])
    assert "too small to settle the question" in small.primary()[0].conclusion(0.02)


def test_outcomes_not_in_the_plan_are_refused_unless_marked_exploratory(letter_plan: TrialPlan) -> None:
    frame = _trial_frame(4, 500, {"control": 0.1, "reminder": 0.1})
    with pytest.raises(TownhallError, match="not an outcome in the trial's registered plan"):
        analyse_frame(frame, letter_plan, outcomes=["complaints"])
    analysis = analyse_frame(frame, letter_plan, exploratory=["complaints"])
    roles = {effect.outcome: effect.role for effect in analysis.effects}
    assert roles == {"paid": "primary", "amount": "secondary", "complaints": "exploratory"}
    assert {effect.kind for effect in analysis.effects if effect.outcome == "amount"} == {"mean"}


def test_holm_corrects_the_primary_outcome_across_arms(letter_plan: TrialPlan) -> None:
    plan = TrialPlan.from_dict({**letter_plan.to_dict(), "arms": ["control", "reminder", "text", "call"]})
    frame = _trial_frame(5, 800, {"control": 0.10, "reminder": 0.13, "text": 0.11, "call": 0.15})
    analysis = analyse_frame(frame, plan, outcomes=["paid"])
    raw = [effect.p_value for effect in analysis.primary()]
    expected = multipletests(raw, method="holm")[1]
    assert [effect.adjusted_p_value for effect in analysis.primary()] == pytest.approx(list(expected))
    assert [effect.arm for effect in analysis.primary()] == ["reminder", "text", "call"]
    assert "after correcting for 3 comparisons" in analysis.primary()[0].conclusion()
    bh = analyse_frame(frame, TrialPlan.from_dict({**plan.to_dict(), "correction": "fdr_bh"}), outcomes=["paid"])
    assert [effect.adjusted_p_value for effect in bh.primary()] == pytest.approx(
        list(multipletests(raw, method="fdr_bh")[1]))


def test_covariate_adjustment_narrows_the_interval_when_the_covariate_predicts_the_outcome(
        letter_plan: TrialPlan) -> None:
    generator = np.random.default_rng(6)
    count = 4_000
    arm = np.where(np.arange(count) % 2 == 0, "control", "reminder")
    last_year = generator.normal(100, 30, count)
    amount = last_year + 5 * (arm == "reminder") + generator.normal(0, 10, count)
    frame = pd.DataFrame({"arm": arm, "amount": amount, "paid": amount > 100, "last_year": last_year})
    plan = TrialPlan.from_dict({**letter_plan.to_dict(), "covariates": ["last_year"]})
    adjusted = next(effect for effect in analyse_frame(frame, plan).effects if effect.outcome == "amount")
    unadjusted = next(effect for effect in analyse_frame(frame, plan, adjust=False).effects
                      if effect.outcome == "amount")
    assert adjusted.upper - adjusted.lower < 0.5 * (unadjusted.upper - unadjusted.lower)
    assert adjusted.lower < 5 < adjusted.upper and adjusted.adjusted_for == ("last_year",)


def test_a_broken_split_raises_the_sample_ratio_alert() -> None:
    fine = sample_ratio_check({"control": 5_030, "letter": 4_970}, {"control": 0.5, "letter": 0.5})
    assert not fine.mismatch and fine.p_value == pytest.approx(stats.chisquare([5_030, 4_970]).pvalue)
    broken = sample_ratio_check({"control": 5_200, "letter": 4_800}, {"control": 0.5, "letter": 0.5})
    assert broken.mismatch and broken.sentence().startswith("Warning")
    unequal = sample_ratio_check({"control": 6_700, "letter": 3_300}, {"control": 2 / 3, "letter": 1 / 3})
    assert not unequal.mismatch


def test_cluster_randomised_trials_get_wider_cluster_robust_intervals(letter_plan: TrialPlan) -> None:
    generator = np.random.default_rng(8)
    households = 600
    size = 4
    household_arm = np.where(generator.random(households) < 0.5, "control", "reminder")
    household_effect = generator.normal(0, 0.25, households)
    arm = np.repeat(household_arm, size)
    chance = np.clip(0.3 + np.repeat(household_effect, size) + 0.05 * (arm == "reminder"), 0, 1)
    frame = pd.DataFrame({"arm": arm, "paid": generator.random(arm.size) < chance,
                          "household": np.repeat(np.arange(households), size), "amount": 1.0})
    clustered = TrialPlan.from_dict({**letter_plan.to_dict(), "cluster_column": "household"})
    wide = analyse_frame(frame, clustered, outcomes=["paid"]).primary()[0]
    narrow = analyse_frame(frame, letter_plan, outcomes=["paid"]).primary()[0]
    assert wide.difference == pytest.approx(narrow.difference)
    assert (wide.upper - wide.lower) > 1.3 * (narrow.upper - narrow.lower)
