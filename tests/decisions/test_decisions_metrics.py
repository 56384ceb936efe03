"""Metrics against values worked out by hand on tiny lists."""

from __future__ import annotations

import math

import numpy as np
import pytest

from townhall.decisions import metrics

# Ten cases, scored; three had the outcome (positions 0, 2 and 7).
OUTCOMES = [True, False, True, False, False, False, False, True, False, False]
SCORES = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]


def test_precision_and_recall_at_k_count_the_top_of_the_list() -> None:
    assert metrics.precision_at_k(OUTCOMES, SCORES, 3) == pytest.approx(2 / 3)
    assert metrics.recall_at_k(OUTCOMES, SCORES, 3) == pytest.approx(2 / 3)
    assert metrics.precision_at_k(OUTCOMES, SCORES, 8) == pytest.approx(3 / 8)
    assert metrics.recall_at_k(OUTCOMES, SCORES, 8) == 1.0
    assert metrics.precision_at_k(OUTCOMES, SCORES, 50) == pytest.approx(3 / 10)  # k beyond the list: all of it


def test_ties_at_the_cut_off_count_the_expected_hits_of_a_random_tie_break() -> None:
    # 0.9 is in; one of the two tied at 0.5 (one of which had the outcome) is in: expected hits 1.5 of 2.
    assert metrics.precision_at_k([True, True, False, False], [0.9, 0.5, 0.5, 0.1], 2) == pytest.approx(0.75)
    assert metrics.hits_at_k([False, True, False], [1, 1, 1], 1) == pytest.approx(1 / 3)


def test_ranks_start_at_one_for_the_highest_score_and_break_ties_by_order() -> None:
    assert metrics.ranks([0.2, 0.9, 0.2, 0.5]).tolist() == [3, 1, 4, 2]
    assert metrics.k_for_fraction(1_000) == 50
    assert metrics.k_for_fraction(30) == 2  # 5% of 30 is 1.5, rounded up
    assert metrics.k_for_fraction(0) == 0


def test_lift_and_one_in_n_compare_the_list_with_random() -> None:
    assert metrics.base_rate(OUTCOMES) == pytest.approx(0.3)
    assert metrics.lift(2 / 3, 0.3) == pytest.approx(2.2222, rel=1e-4)
    assert metrics.one_in_n(0.25) == 4
    assert math.isinf(metrics.one_in_n(0.0))
    sentence = metrics.one_in_n_sentence(0.26, 1 / 90, units="properties", outcome="were HMOs")
    assert sentence == "about 1 in 4 of the properties on the list were HMOs, against 1 in 90 at random"
    assert metrics.one_in_n_sentence(0.0, 0.1).startswith("none of the cases on the list")


def test_roc_auc_is_the_share_of_positive_negative_pairs_ranked_the_right_way() -> None:
    # Positives score 0.9, 0.7 and 0.2 against seven negatives: 7 + 6 + 2 = 15 of 21 pairs in the right order.
    assert metrics.roc_auc(OUTCOMES, SCORES) == pytest.approx(15 / 21)
    assert math.isnan(metrics.roc_auc([True, True], [0.1, 0.2]))


def test_brier_score_is_the_mean_squared_gap() -> None:
    assert metrics.brier_score([True, False], [0.8, 0.4]) == pytest.approx((0.04 + 0.16) / 2)


def test_calibration_bins_hold_equal_numbers_of_cases() -> None:
    bins = metrics.calibration_bins(OUTCOMES, SCORES, bins=2)
    assert bins["cases"].tolist() == [5, 5]
    assert bins["mean_predicted"].tolist() == pytest.approx([(0.05 + 0.1 + 0.2 + 0.3 + 0.4) / 5, 0.7])
    assert bins["observed_rate"].tolist() == pytest.approx([1 / 5, 2 / 5])


def test_the_interval_across_splits_is_a_student_t_interval() -> None:
    estimate = metrics.mean_with_interval([0.2, 0.3, 0.4])
    half_width = 4.302652729911275 * 0.1 / math.sqrt(3)  # t(0.975, 2) × sd / √n
    assert estimate.mean == pytest.approx(0.3)
    assert (estimate.low, estimate.high) == pytest.approx((0.3 - half_width, 0.3 + half_width))
    assert estimate.describe() == "0.30 (95% interval 0.05 to 0.55; 3 test periods)"
    assert metrics.mean_with_interval([0.5, float("nan")]).describe() == (
        "0.50 (1 test period: no interval across periods)")
    with_cases = metrics.mean_with_interval([0.2, float("nan"), 0.4], cases=[100, 50, 300])
    assert with_cases.cases == 400  # the period whose figure could not be measured is not counted
    assert with_cases.describe() == "0.30 (95% interval -0.97 to 1.57; 2 test periods, 400 cases)"
    assert estimate.to_dict()["values"] == [0.2, 0.3, 0.4]
    assert np.isnan(metrics.mean_with_interval([]).mean)
    assert metrics.mean_with_interval([0.0, 0.02], bounds=(0, 1)).low == 0  # a share cannot be negative


def test_days_earlier_and_the_first_half_follow_the_citys_method_worked_by_hand() -> None:
    # Four days with 2, 1, 2 and 1 cases; cases with the outcome on days 3 and 4. Worked in score order, the two
    # highest scores take day 1's two places, the next day 2's, and so on.
    dates = ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-03", "2024-01-04"]
    outcomes = [False, False, False, True, False, True]
    scores = [0.1, 0.2, 0.3, 0.9, 0.4, 0.8]
    gain = metrics.scheduling_gain(dates, scores, outcomes)
    # The 0.9 case moves from 3 Jan to 1 Jan (2 days), the 0.8 case from 4 Jan to 1 Jan (3 days).
    assert gain.days_earlier == pytest.approx(2.5) and gain.days_earlier_sd == pytest.approx(math.sqrt(0.5))
    # Half of 6 cases is 3: only day 1 (running total 2) is strictly under it, so the first half is day 1.
    assert (gain.found_first_half_as_worked, gain.found_first_half_in_score_order) == (0, 2)
    assert (gain.cases, gain.outcomes) == (6, 2)


def test_the_list_order_breaks_calibration_ties_by_the_raw_score() -> None:
    probabilities = np.array([0.2, 0.2, 0.2, 0.1, 0.5])  # isotonic calibration gives steps
    raw = np.array([0.31, 0.35, 0.33, 0.05, 0.9])
    ordering = metrics.ordering_scores(probabilities, raw)
    assert list(metrics.top_k_order(ordering)) == [4, 1, 2, 0, 3]
    assert metrics.ties_in_top_k(probabilities, 4) == 3 and metrics.ties_in_top_k(ordering, 4) == 0
