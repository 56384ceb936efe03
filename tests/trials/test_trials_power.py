"""Power and sample size: the answers match statsmodels and textbook values, and say plainly what they mean."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from townhall.errors import TownhallError
from townhall.trials import cuped_variance_factor, design_effect, power_for_means, power_for_proportions


def test_ten_versus_fifteen_percent_needs_about_680_per_arm_as_in_textbooks() -> None:
    result = power_for_proportions(0.10, effect=0.05, power=0.8, alpha=0.05)
    # Cohen's h by hand: 2 asin(sqrt(.15)) - 2 asin(sqrt(.10)) = 0.1519; n = 2 ((1.960 + 0.8416) / h)^2 = 680.4.
    cohen_h = 2 * math.asin(math.sqrt(0.15)) - 2 * math.asin(math.sqrt(0.10))
    by_hand = 2 * ((1.959964 + 0.841621) / cohen_h) ** 2
    assert result.per_arm == math.ceil(by_hand) == 681
    expected = NormalIndPower().solve_power(effect_size=proportion_effectsize(0.15, 0.10), alpha=0.05, power=0.8)
    assert result.per_arm == math.ceil(expected)
    # The pooled two-proportion z formula (Fleiss, no continuity correction) gives 686: within 1%.
    assert abs(result.per_arm - 686) / 686 < 0.01
    assert result.total == 2 * 681
    assert "681 units in each of the 2 arms" in result.sentence()


def test_a_large_planned_effect_brings_the_nudge_unit_evidence() -> None:
    large = power_for_proportions(0.10, effect=0.08)
    assert any("1.4 percentage points" in warning and "DellaVigna & Linos 2022" in warning
               for warning in large.warnings)
    assert power_for_proportions(0.10, effect=0.014).warnings == []


def test_the_smallest_detectable_effect_inverts_the_sample_size() -> None:
    result = power_for_proportions(0.10, per_arm=681)
    assert result.minimum_detectable_effect == pytest.approx(0.05, abs=0.0005)
    means = power_for_means(12.0, per_arm=394)
    assert means.minimum_detectable_effect == pytest.approx(2.4, rel=0.01)


def test_means_match_statsmodels_two_sample_t_test() -> None:
    result = power_for_means(10.0, effect=2.0)
    expected = TTestIndPower().solve_power(effect_size=0.2, alpha=0.05, power=0.8)
    assert result.per_arm == math.ceil(expected) == 394


def test_three_arms_use_a_bonferroni_level_for_each_comparison_with_control() -> None:
    two = power_for_proportions(0.10, effect=0.03)
    three = power_for_proportions(0.10, effect=0.03, arms=3)
    assert three.alpha_per_comparison == pytest.approx(0.025)
    expected = NormalIndPower().solve_power(effect_size=proportion_effectsize(0.13, 0.10), alpha=0.025, power=0.8)
    assert three.per_arm == math.ceil(expected) > two.per_arm
    assert three.total == 3 * three.per_arm
    assert "Bonferroni" in three.sentence()


def test_clustering_inflates_and_a_pre_period_covariate_shrinks_the_sample() -> None:
    assert design_effect(2.5, 0.2) == pytest.approx(1.3)
    assert cuped_variance_factor(0.6) == pytest.approx(0.64)
    plain = power_for_proportions(0.10, effect=0.03)
    clustered = power_for_proportions(0.10, effect=0.03, cluster_size=2.5, intra_cluster_correlation=0.2)
    independent = NormalIndPower().solve_power(effect_size=proportion_effectsize(0.13, 0.10), alpha=0.05, power=0.8)
    assert clustered.per_arm >= independent * 1.3 and clustered.per_arm - independent * 1.3 < 2.5
    assert clustered.clusters_per_arm == math.ceil(clustered.per_arm / 2.5)
    adjusted = power_for_proportions(0.10, effect=0.03, pre_period_correlation=0.6)
    assert adjusted.per_arm == math.ceil(independent * 0.64)
    assert adjusted.per_arm < plain.per_arm < clustered.per_arm


def test_impossible_questions_are_refused_in_plain_english() -> None:
    with pytest.raises(TownhallError, match="either the effect"):
        power_for_proportions(0.1, effect=0.02, per_arm=100)
    with pytest.raises(TownhallError, match="baseline rate"):
        power_for_proportions(1.5, effect=0.02)
    with pytest.raises(TownhallError, match="intra-cluster"):
        design_effect(3, 1.5)
