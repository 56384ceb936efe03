"""Sequential analysis and ratio metrics: weekly looks at simulated A/A trials keep the false-positive rate at 5% or
below where repeated one-look tests inflate it; the confidence sequence matches its published formula; a ratio of sums
has the delta-method variance worked by hand; a sequential plan is analysed look by look."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from townhall.trials import TrialPlan, always_valid, analyse_frame, ratio_estimate, sequential_analysis


def test_the_confidence_sequence_and_p_value_follow_the_normal_mixture_formula() -> None:
    difference, error, tau = np.array([0.03]), np.array([0.01]), 0.02
    lower, upper, p_value = always_valid(difference, error, tau)
    v = tau**2 / 0.01**2  # 4
    half = 0.01 * math.sqrt((1 + v) / v * math.log((1 + v) / 0.05**2))
    assert (lower[0], upper[0]) == pytest.approx((0.03 - half, 0.03 + half))
    likelihood = math.sqrt(1 / (1 + v)) * math.exp(v / (1 + v) * 3.0**2 / 2)
    assert p_value[0] == pytest.approx(1 / likelihood)
    # Always wider than the one-look interval, and the p-value never rises from one look to the next.
    assert half > 1.96 * 0.01
    _, _, running = always_valid(np.array([0.03, 0.0, 0.01]), np.array([0.01, 0.01, 0.01]), tau)
    assert running[1] == running[0] and running[2] == running[0]


def test_weekly_looks_at_a_a_trials_keep_false_alarms_at_5_percent_where_peeking_does_not() -> None:
    generator = np.random.default_rng(2026)
    trials, weeks, per_week = 200, 8, 60
    sequential_alarms = peeking_alarms = 0
    days = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(np.repeat(np.arange(weeks) * 7, per_week), "D"))
    for _ in range(trials):
        arms = pd.Series(generator.choice(["control", "letter"], weeks * per_week))
        outcome = pd.Series((generator.random(weeks * per_week) < 0.2).astype(float))
        result = sequential_analysis(outcome, arms, days, arm="letter", control_arm="control", outcome="paid",
                                     kind="proportion", mixing_sd=0.05)
        sequential_alarms += result.stopped_at is not None
        peeking_alarms += any(look.fixed_p_value < 0.05 for look in result.looks)
    assert len(result.looks) == weeks
    # 200 trials: the simulation error of a 5% rate is about 1.5 points, so 8% is a generous ceiling.
    assert sequential_alarms / trials <= 0.08
    assert peeking_alarms / trials > 0.10 and peeking_alarms > 2 * sequential_alarms


def test_the_delta_method_variance_of_a_ratio_matches_the_hand_worked_case() -> None:
    # y = 1, 3, 2 and x = 1, 2, 3: ratio 6 / 6 = 1; var(y) = 1, var(x) = 1, cov = 0.5 (n - 1 = 2 in each);
    # variance (1 - 2 x 1 x 0.5 + 1 x 1) / (3 x 2^2) = 1 / 12.
    estimate = ratio_estimate(np.array([1.0, 3.0, 2.0]), np.array([1.0, 2.0, 3.0]))
    assert estimate.ratio == pytest.approx(1.0) and estimate.variance == pytest.approx(1 / 12)


def test_a_ratio_outcome_is_analysed_per_account_over_randomised_households(letter_plan: TrialPlan) -> None:
    generator = np.random.default_rng(9)
    households = 4_000
    arm = np.where(np.arange(households) % 2 == 0, "control", "reminder")
    accounts = generator.integers(1, 4, households)
    paid = generator.gamma(2, 20, households) * accounts + 10 * accounts * (arm == "reminder")
    frame = pd.DataFrame({"household": np.arange(households).astype(str), "arm": arm, "paid": paid > 50,
                          "amount_paid": paid, "accounts": accounts})
    plan = TrialPlan.from_dict({**letter_plan.to_dict(), "unit_column": "household", "secondary_outcomes":
                                ["paid_per_account"], "ratio_outcomes": {"paid_per_account": ["amount_paid",
                                                                                              "accounts"]}})
    effect = next(effect for effect in analyse_frame(frame, plan).effects if effect.outcome == "paid_per_account")
    control, reminder = frame[frame["arm"] == "control"], frame[frame["arm"] == "reminder"]
    expected = reminder["amount_paid"].sum() / reminder["accounts"].sum() - (
        control["amount_paid"].sum() / control["accounts"].sum())
    assert effect.kind == "ratio" and effect.difference == pytest.approx(expected)
    assert effect.lower < 10 < effect.upper  # 10 more per account was planted
    error = (effect.upper - effect.lower) / (2 * stats.norm.ppf(0.975))
    assert effect.p_value == pytest.approx(2 * stats.norm.sf(abs(expected / error)))


def test_a_sequential_plan_is_analysed_look_by_look(letter_plan: TrialPlan) -> None:
    generator = np.random.default_rng(3)
    count = 3_000
    arm = np.where(np.arange(count) % 2 == 0, "control", "reminder")
    frame = pd.DataFrame({"account": np.arange(count).astype(str), "arm": arm,
                          "paid": generator.random(count) < np.where(arm == "reminder", 0.30, 0.20),
                          "amount": 1.0, "known_on": pd.Timestamp("2024-03-04")
                          + pd.to_timedelta(generator.integers(0, 42, count), "D")})
    plan = TrialPlan.from_dict({**letter_plan.to_dict(), "date_column": "known_on", "sequential": True,
                                "labels": {"reminder": "Reminder letter", "paid": "paid within a month"}})
    analysis = analyse_frame(frame, plan, outcomes=["paid"])
    (looks,) = analysis.sequential
    assert len(looks.looks) == 6 and looks.latest.units == count
    assert looks.stopped_at is not None and looks.latest.lower > 0
    sentences = analysis.conclusions()
    assert sentences[0].startswith("'Reminder letter' raised paid within a month by")
    assert sentences[1].startswith("Looking every week, 'Reminder letter' could be judged different")
