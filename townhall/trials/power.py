"""Power: how many units a trial needs to detect an effect, or the smallest effect a given size can detect.

Proportions use Cohen's h (the arcsine difference) with statsmodels' ``NormalIndPower``; means use the two-sample
t-test (``TTestIndPower``) on the effect divided by the standard deviation. With more than two arms each arm is
compared with control at a Bonferroni-adjusted significance level (alpha / number of comparisons), which is also
Holm's first step, so a plan that is powered this way stays powered under a Holm correction. Clustering (households,
areas) multiplies the sample by the design effect 1 + (m - 1) x ICC, and a pre-period covariate with correlation rho
(CUPED) multiplies it by 1 - rho squared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from townhall.errors import TownhallError

# DellaVigna & Linos (2022, Econometrica): 126 trials run by two US government nudge units averaged 1.4 percentage
# points, against 8.7 points in published academic nudge trials.
NUDGE_UNIT_AVERAGE_EFFECT = 0.014
LARGE_NUDGE_EFFECT = 0.05
NUDGE_EVIDENCE = ("Trials run by government nudge units found on average about 1.4 percentage points (DellaVigna & "
                  "Linos 2022, 126 trials), far below the effects published in academic journals. Plan for an "
                  "effect that size unless you have strong local evidence.")


@dataclass(frozen=True)
class PowerResult:
    """The answer to a power question: units per arm and in total, the effect detectable, and what it means."""

    outcome_kind: str  # "proportion" or "mean"
    per_arm: int
    total: int
    arms: int
    minimum_detectable_effect: float  # on the outcome's scale (0.03 = 3 percentage points for a proportion)
    power: float
    alpha: float
    alpha_per_comparison: float
    design_effect: float
    variance_factor: float  # 1 - rho squared from a pre-period covariate (1 when none)
    baseline: float | None = None  # control rate (proportions) or mean
    clusters_per_arm: int | None = None
    method: str = ""
    warnings: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        """The answer in one or two plain-English sentences."""
        effect = _describe_effect(self.outcome_kind, self.minimum_detectable_effect)
        base = (f" from a baseline of {self.baseline:.1%}" if self.outcome_kind == "proportion" and self.baseline
                is not None else "")
        text = (f"To detect {effect}{base} with {self.power:.0%} power at a {self.alpha:.0%} two-sided significance "
                f"level, you need {self.per_arm:,} units in each of the {self.arms} arms ({self.total:,} in all).")
        if self.clusters_per_arm is not None:
            text += f" That is {self.clusters_per_arm:,} clusters per arm."
        if self.arms > 2:
            text += (f" Each of the {self.arms - 1} arms is compared with control at {self.alpha_per_comparison:.2%} "
                     "(Bonferroni), so the trial stays powered after a Holm correction.")
        return text


def design_effect(cluster_size: float, intra_cluster_correlation: float) -> float:
    """How much clustering inflates the variance: 1 + (m - 1) x ICC for clusters of average size m."""
    if cluster_size < 1:
        raise TownhallError("The average cluster size must be at least 1 (1 means no clustering).")
    if not 0 <= intra_cluster_correlation <= 1:
        raise TownhallError("The intra-cluster correlation (ICC) must be between 0 and 1.")
    return 1 + (cluster_size - 1) * intra_cluster_correlation


def cuped_variance_factor(pre_period_correlation: float) -> float:
    """The share of variance left after adjusting for a pre-period covariate with this correlation: 1 - rho^2."""
    if not -1 < pre_period_correlation < 1:
        raise TownhallError("The correlation with the pre-period covariate must be between -1 and 1 (exclusive).")
    return 1 - pre_period_correlation**2


def power_for_proportions(baseline: float, *, effect: float | None = None, per_arm: int | None = None,
                          power: float = 0.8, alpha: float = 0.05, arms: int = 2, cluster_size: float = 1,
                          intra_cluster_correlation: float = 0.0, pre_period_correlation: float = 0.0) -> PowerResult:
    """Units per arm to detect ``effect`` (an absolute rise, 0.05 = 5 points) on a yes/no outcome, or, given
    ``per_arm``, the smallest rise detectable. Cohen's h with statsmodels NormalIndPower."""
    _check_common(power, alpha, arms, effect, per_arm)
    if not 0 < baseline < 1:
        raise TownhallError("The baseline rate must be a share between 0 and 1, such as 0.10 for 10%.")
    alpha_each = alpha / (arms - 1)
    inflation = design_effect(cluster_size, intra_cluster_correlation) * cuped_variance_factor(pre_period_correlation)
    solver = NormalIndPower()
    warnings: list[str] = []
    if effect is not None:
        if not 0 < baseline + effect < 1:
            raise TownhallError("The baseline plus the effect must stay between 0 and 1.")
        cohen_h = abs(proportion_effectsize(baseline + effect, baseline))
        independent = solver.solve_power(effect_size=cohen_h, alpha=alpha_each, power=power, ratio=1.0)
        units = _round_to_clusters(float(independent) * inflation, cluster_size)
        detectable = abs(effect)
    else:
        effective = per_arm / inflation  # type: ignore[operator]
        cohen_h = float(solver.solve_power(nobs1=effective, alpha=alpha_each, power=power, ratio=1.0))
        detectable = _rise_for_cohen_h(baseline, cohen_h)
        units = int(per_arm)  # type: ignore[arg-type]
        if math.isnan(detectable):
            raise TownhallError("That many units cannot detect any rise from this baseline with this power.")
    if detectable > LARGE_NUDGE_EFFECT:
        warnings.append(f"{_describe_effect('proportion', detectable).capitalize()} is large for a letter or other "
                        f"nudge. {NUDGE_EVIDENCE}")
    return PowerResult("proportion", units, units * arms, arms, detectable, power, alpha, alpha_each,
                       design_effect(cluster_size, intra_cluster_correlation),
                       cuped_variance_factor(pre_period_correlation), baseline,
                       _clusters(units, cluster_size), "Cohen's h, normal approximation (statsmodels NormalIndPower)",
                       warnings)


def power_for_means(standard_deviation: float, *, effect: float | None = None, per_arm: int | None = None,
                    power: float = 0.8, alpha: float = 0.05, arms: int = 2, cluster_size: float = 1,
                    intra_cluster_correlation: float = 0.0, pre_period_correlation: float = 0.0,
                    baseline: float | None = None) -> PowerResult:
    """Units per arm to detect a difference in means of ``effect`` (same units as the outcome), or the smallest
    difference ``per_arm`` units can detect. Two-sample t-test (statsmodels TTestIndPower)."""
    _check_common(power, alpha, arms, effect, per_arm)
    if standard_deviation <= 0:
        raise TownhallError("The outcome's standard deviation must be above zero.")
    alpha_each = alpha / (arms - 1)
    inflation = design_effect(cluster_size, intra_cluster_correlation) * cuped_variance_factor(pre_period_correlation)
    solver = TTestIndPower()
    if effect is not None:
        independent = solver.solve_power(effect_size=abs(effect) / standard_deviation, alpha=alpha_each, power=power,
                                         ratio=1.0)
        units = _round_to_clusters(float(independent) * inflation, cluster_size)
        detectable = abs(effect)
    else:
        standardised = solver.solve_power(nobs1=per_arm / inflation, alpha=alpha_each, power=power,  # type: ignore[operator]
                                          ratio=1.0)
        detectable = float(standardised) * standard_deviation
        units = int(per_arm)  # type: ignore[arg-type]
    return PowerResult("mean", units, units * arms, arms, detectable, power, alpha, alpha_each,
                       design_effect(cluster_size, intra_cluster_correlation),
                       cuped_variance_factor(pre_period_correlation), baseline, _clusters(units, cluster_size),
                       "two-sample t-test (statsmodels TTestIndPower)", [])


def _check_common(power: float, alpha: float, arms: int, effect: float | None, per_arm: int | None) -> None:
    if (effect is None) == (per_arm is None):
        raise TownhallError("Give either the effect to detect (for a sample size) or the units per arm (for the "
                            "smallest detectable effect), not both or neither.")
    if not 0 < power < 1 or not 0 < alpha < 1:
        raise TownhallError("Power and significance level are shares between 0 and 1, such as 0.8 and 0.05.")
    if arms < 2:
        raise TownhallError("A trial needs at least two arms: control and one change.")
    if effect is not None and effect == 0:
        raise TownhallError("The effect to detect must not be zero.")
    if per_arm is not None and per_arm < 3:
        raise TownhallError("Give at least three units per arm.")


def _round_to_clusters(units: float, cluster_size: float) -> int:
    """Whole units, rounded up to whole clusters when units come in clusters."""
    if cluster_size > 1:
        return math.ceil(math.ceil(units / cluster_size) * cluster_size)
    return math.ceil(units - 1e-9)


def _clusters(units: int, cluster_size: float) -> int | None:
    return math.ceil(units / cluster_size) if cluster_size > 1 else None


def _rise_for_cohen_h(baseline: float, cohen_h: float) -> float:
    """The rise from ``baseline`` whose Cohen's h is ``cohen_h`` (inverting h = 2 asin sqrt p2 - 2 asin sqrt p1)."""
    angle = 2 * math.asin(math.sqrt(baseline)) + cohen_h
    if angle > math.pi:
        return float("nan")
    return math.sin(angle / 2) ** 2 - baseline


def _describe_effect(kind: str, effect: float) -> str:
    if kind == "proportion":
        return f"a rise of {effect * 100:.1f} percentage points"
    return f"a difference of {effect:,.3g}"
