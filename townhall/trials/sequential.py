"""Sequential (always-valid) analysis: a service may look at a trial's results every week without raising its chance
of a false alarm, and ratio metrics (per-account means) with the delta method.

**Why.** A 95% interval is built for one look at the end. Looking every week and stopping the first time it excludes
zero finds "effects" that are not there far more often than 5% of the time (with ten looks, about one trial in five).
An always-valid **confidence sequence** is a run of intervals that all hold at once, however often and whenever one
looks: with 95% confidence the true effect lies inside every one of them. Its **always-valid p-value** may be read at
any look; when it falls under 5% the trial may stop.

**How.** The normal-mixture sequential probability ratio test (mSPRT) of Johari, Koomen, Pekelis & Walsh (2022,
"Always valid inference: continuous monitoring of A/B tests", Operations Research 70(3):1806-1821) and the matching
normal-mixture confidence sequence (Robbins 1970; Howard, Ramdas, McAuliffe & Sekhon 2021, Annals of Statistics 49(2),
eq. 3.7), used with an estimated standard error as an asymptotic confidence sequence (Waudby-Smith, Arbour, Sinha,
Kennedy & Ramdas 2024, "Time-uniform central limit theory and asymptotic confidence sequences", Annals of Statistics
52(6)). At a look where the difference between arms is d with standard error s, and tau is the mixing standard
deviation (the size of effect the test is tuned to find; townhall uses the plan's minimum effect of interest), with
v = tau^2 / s^2:

    likelihood ratio  L = sqrt(1 / (1 + v)) * exp(v / (1 + v) * (d / s)^2 / 2)
    always-valid p    p = min(1, 1 / L), and never larger than at an earlier look
    interval          d +/- s * sqrt((1 + v) / v * log((1 + v) / alpha^2)), kept inside the earlier intervals

**Ratio metrics** (say, payments per account when whole households were randomised): the ratio of two sums over the
units of each arm, R = sum(y) / sum(x). Its variance by the delta method is
(var(y) - 2 R cov(y, x) + R^2 var(x)) / (n mean(x)^2), with sample variances over the n units (Deng, Knoblich & Lu
2018, "Applying the delta method in metric analytics", KDD); the arms are independent, so the variance of a
difference adds the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from townhall.errors import TownhallError

ALPHA = 0.05


def always_valid(difference: np.ndarray, standard_error: np.ndarray, mixing_sd: float,
                 alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The confidence sequence's bounds and the always-valid p-value at each look, in look order (running
    intersection of the intervals, running minimum of the p-values)."""
    difference = np.asarray(difference, dtype=float)
    error = np.asarray(standard_error, dtype=float)
    if mixing_sd <= 0:
        raise TownhallError("The sequential analysis needs a positive effect size to tune to (the plan's minimum "
                            "effect of interest).")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = mixing_sd**2 / error**2
        half = error * np.sqrt((1 + ratio) / ratio * np.log((1 + ratio) / alpha**2))
        log_likelihood = -0.5 * np.log1p(ratio) + ratio / (1 + ratio) * (difference / error) ** 2 / 2
    usable = np.isfinite(half) & (error > 0)
    lower = np.where(usable, difference - half, -np.inf)
    upper = np.where(usable, difference + half, np.inf)
    p_value = np.where(usable, np.minimum(1.0, np.exp(-log_likelihood)), 1.0)
    return np.maximum.accumulate(lower), np.minimum.accumulate(upper), np.minimum.accumulate(p_value)


@dataclass(frozen=True)
class SequentialLook:
    """The trial as it stood at one look: units so far, the difference and its always-valid interval and p-value,
    and the fixed-horizon p-value a one-look test would give (not valid under repeated looks)."""

    date: pd.Timestamp
    units: int
    difference: float
    standard_error: float
    lower: float
    upper: float
    p_value: float
    fixed_p_value: float


@dataclass(frozen=True)
class SequentialAnalysis:
    """One arm against control on one outcome, look by look."""

    outcome: str
    arm: str
    control_arm: str
    kind: str
    mixing_sd: float
    looks: list[SequentialLook]
    alpha: float = ALPHA

    @property
    def latest(self) -> SequentialLook:
        """The most recent look."""
        return self.looks[-1]

    @property
    def stopped_at(self) -> SequentialLook | None:
        """The first look at which the always-valid p-value fell under the significance level, if any."""
        return next((look for look in self.looks if look.p_value < self.alpha), None)

    def sentence(self, labels: dict[str, str] | None = None) -> str:
        """What the looks show, in plain English."""
        names = labels or {}
        arm, control = names.get(self.arm, self.arm), names.get(self.control_arm, self.control_arm)
        outcome = names.get(self.outcome, self.outcome)
        latest = self.latest
        scale, unit = (100, " percentage points") if self.kind == "proportion" else (1, "")
        interval = f"{latest.lower * scale:+.1f} to {latest.upper * scale:+.1f}{unit}"
        stop = self.stopped_at
        if stop is not None:
            return (f"Looking every week, '{arm}' could be judged different from '{control}' on {outcome} from the "
                    f"look of {stop.date:%d %B %Y} (always-valid p = {stop.p_value:.3f}). At the latest look the 95% "
                    f"confidence sequence is {interval}.")
        return (f"After {len(self.looks)} weekly looks there is no detectable effect of '{arm}' on {outcome} that "
                f"holds up to repeated looking: the 95% confidence sequence is {interval} and the always-valid "
                f"p-value {latest.p_value:.3f}. Carrying on looking does not raise the chance of a false alarm.")

    def table(self) -> pd.DataFrame:
        """Every look as a row."""
        return pd.DataFrame([look.__dict__ for look in self.looks])


def _difference_and_error(values: np.ndarray, in_arm: np.ndarray, in_control: np.ndarray) -> tuple[float, float]:
    """Difference in means and its unpooled standard error (what HC2 errors give for a difference between two
    groups)."""
    arm, control = values[in_arm], values[in_control]
    if arm.size < 2 or control.size < 2:
        return float("nan"), float("nan")
    error = np.sqrt(arm.var(ddof=1) / arm.size + control.var(ddof=1) / control.size)
    return float(arm.mean() - control.mean()), float(error)


def sequential_analysis(values: pd.Series, arms: pd.Series, dates: pd.Series, *, arm: str, control_arm: str,
                        outcome: str, kind: str, mixing_sd: float, every: str = "W-SUN",
                        alpha: float = ALPHA) -> SequentialAnalysis:
    """Look at the trial at the end of every week (``every``: a pandas period code) from the first date to the last,
    each time using the units whose outcome was known by then."""
    stamps = pd.to_datetime(dates, errors="coerce", dayfirst=True, format="mixed")
    known = stamps.notna().to_numpy() & values.notna().to_numpy()
    if not known.any():
        raise TownhallError("No unit has both a date and an outcome, so there is nothing to look at week by week.")
    numbers = values.to_numpy(dtype=float)
    arm_values = arms.astype(str).to_numpy()
    look_ends = pd.period_range(stamps[known].min(), stamps[known].max(), freq=every).end_time.normalize()
    rows: list[tuple[Any, ...]] = []
    for end in look_ends:
        upto = known & (stamps <= end).to_numpy()
        difference, error = _difference_and_error(numbers, upto & (arm_values == arm),
                                                  upto & (arm_values == control_arm))
        rows.append((end, int(upto.sum()), difference, error))
    frame = pd.DataFrame(rows, columns=["date", "units", "difference", "error"])
    frame = frame[frame["error"] > 0].reset_index(drop=True)
    if frame.empty:
        raise TownhallError("No weekly look had at least two units with an outcome in each arm yet.")
    lower, upper, p_value = always_valid(frame["difference"].to_numpy(), frame["error"].to_numpy(), mixing_sd, alpha)
    fixed = 2 * stats.norm.sf(np.abs(frame["difference"] / frame["error"]))
    looks = [SequentialLook(row.date, int(row.units), float(row.difference), float(row.error), float(low),
                            float(high), float(p), float(fixed_p))
             for row, low, high, p, fixed_p in zip(frame.itertuples(), lower, upper, p_value, fixed, strict=True)]
    return SequentialAnalysis(outcome, arm, control_arm, kind, mixing_sd, looks, alpha)


@dataclass(frozen=True)
class RatioEstimate:
    """A ratio of sums in one arm, with its delta-method variance."""

    ratio: float
    variance: float
    units: int


def ratio_estimate(numerator: np.ndarray, denominator: np.ndarray) -> RatioEstimate:
    """sum(numerator) / sum(denominator) over the units, with the delta-method variance."""
    count = len(numerator)
    if count < 2:
        raise TownhallError("A ratio needs at least two units in each arm.")
    mean_x, mean_y = float(denominator.mean()), float(numerator.mean())
    if mean_x == 0:
        raise TownhallError("The ratio's denominator adds up to zero in an arm, so the ratio has no value.")
    ratio = mean_y / mean_x
    covariance = np.cov(numerator, denominator, ddof=1)
    variance = (covariance[0, 0] - 2 * ratio * covariance[0, 1] + ratio**2 * covariance[1, 1]) / (count * mean_x**2)
    return RatioEstimate(ratio, float(max(variance, 0.0)), count)
