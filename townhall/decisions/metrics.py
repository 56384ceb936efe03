"""How good a risk list is, in terms an inspector understands: of the k cases a team can work, how many were right.

Each function is small and pure (arrays in, numbers out) so it can be checked by hand. "Top k" ranks cases by
score, highest first; ties keep their original order, so a list is always the same for the same input, and
where tied cases straddle the cut-off the hit count is the expected one under a random tie-break. Figures
across the test periods are summarised as a mean with a 95% t-interval (Student's t on the periods' values: with
only a handful of periods, a bootstrap would understate the uncertainty), and say how many periods and cases they
rest on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import brier_score_loss, roc_auc_score

TOP_FRACTION = 0.05  # "the top 5%" of units


def _arrays(outcomes: Sequence[bool] | np.ndarray | pd.Series,
            scores: Sequence[float] | np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    truth = np.asarray(outcomes, dtype=bool)
    values = np.asarray(scores, dtype=float)
    if truth.shape != values.shape:
        raise ValueError(f"{len(truth)} outcomes but {len(values)} scores.")
    return truth, values


def top_k_order(scores: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Positions of the cases from highest score to lowest (ties keep their original order)."""
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")


def ranks(scores: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Each case's rank, 1 for the highest score (ties broken by original order)."""
    order = top_k_order(scores)
    result = np.empty(len(order), dtype=int)
    result[order] = np.arange(1, len(order) + 1)
    return result


def k_for_fraction(units: int, fraction: float = TOP_FRACTION) -> int:
    """How many cases make the top ``fraction`` of ``units`` (at least one when there are any)."""
    return min(units, max(1, math.ceil(units * fraction))) if units else 0


def hits_at_k(outcomes: Sequence[bool] | np.ndarray, scores: Sequence[float] | np.ndarray, k: int) -> float:
    """How many of the top ``k`` cases had the outcome; where cases tied on score straddle the cut-off, the
    expected number if the tie were broken at random (so a rule or a stepwise score is not flattered by row order)."""
    truth, values = _arrays(outcomes, scores)
    k = min(max(k, 0), len(values))
    if not k:
        return 0.0
    cut_off = values[top_k_order(values)[k - 1]]
    above = values > cut_off
    tied = values == cut_off
    slots = k - int(above.sum())
    return float(truth[above].sum() + slots * truth[tied].sum() / tied.sum())


def precision_at_k(outcomes: Sequence[bool] | np.ndarray, scores: Sequence[float] | np.ndarray, k: int) -> float:
    """The share of the top ``k`` cases that had the outcome (k larger than the list counts the whole list)."""
    truth, _ = _arrays(outcomes, scores)
    taken = min(k, len(truth))
    return hits_at_k(outcomes, scores, taken) / taken if taken else math.nan


def recall_at_k(outcomes: Sequence[bool] | np.ndarray, scores: Sequence[float] | np.ndarray, k: int) -> float:
    """The share of all cases with the outcome that the top ``k`` found."""
    truth, _ = _arrays(outcomes, scores)
    positives = int(truth.sum())
    return hits_at_k(outcomes, scores, k) / positives if positives else math.nan


def base_rate(outcomes: Sequence[bool] | np.ndarray | pd.Series) -> float:
    """The share of cases with the outcome: what a list picked at random would find."""
    truth = np.asarray(outcomes, dtype=bool)
    return float(truth.mean()) if len(truth) else math.nan


def lift(precision: float, baseline_precision: float) -> float:
    """How many times better the list is than the baseline (random: the base rate; or a rule's precision)."""
    if baseline_precision is None or math.isnan(baseline_precision) or math.isnan(precision):
        return math.nan
    if baseline_precision == 0:
        return math.inf if precision > 0 else math.nan
    return precision / baseline_precision


def one_in_n(precision: float) -> float:
    """The "1 in N" hit rate: N = 1 / precision (infinite when the list found nothing)."""
    if math.isnan(precision):
        return math.nan
    return math.inf if precision <= 0 else 1 / precision


def _rounded_n(precision: float) -> str:
    n = one_in_n(precision)
    if math.isnan(n):
        return "an unknown number"
    if math.isinf(n):
        return "none"
    return f"{max(1, round(n)):,}"


def one_in_n_sentence(precision: float, random_precision: float, *, units: str = "cases",
                      outcome: str = "had the outcome") -> str:
    """E.g. "about 1 in 4 of the properties on the list were HMOs, against 1 in 90 at random"."""
    listed = _rounded_n(precision)
    at_random = _rounded_n(random_precision)
    listed_text = f"none of the {units} on the list {outcome}" if listed == "none" else (
        f"about 1 in {listed} of the {units} on the list {outcome}")
    random_text = "none at random" if at_random == "none" else f"1 in {at_random} at random"
    return f"{listed_text}, against {random_text}"


def roc_auc(outcomes: Sequence[bool] | np.ndarray, probabilities: Sequence[float] | np.ndarray) -> float:
    """The chance a random case with the outcome scores above a random case without it (NaN if only one kind)."""
    truth, values = _arrays(outcomes, probabilities)
    if truth.all() or not truth.any():
        return math.nan
    return float(roc_auc_score(truth, values))


def brier_score(outcomes: Sequence[bool] | np.ndarray, probabilities: Sequence[float] | np.ndarray) -> float:
    """The mean squared gap between the probability and what happened (0 is perfect; lower is better)."""
    truth, values = _arrays(outcomes, probabilities)
    return float(brier_score_loss(truth, values)) if len(truth) else math.nan


def calibration_bins(outcomes: Sequence[bool] | np.ndarray, probabilities: Sequence[float] | np.ndarray,
                     bins: int = 10) -> pd.DataFrame:
    """Predicted against observed in equal-count bins of probability: bin, cases, mean predicted, observed rate."""
    truth, values = _arrays(outcomes, probabilities)
    columns = ["bin", "cases", "mean_predicted", "observed_rate"]
    if not len(truth):
        return pd.DataFrame(columns=columns)
    order = np.argsort(values, kind="stable")
    groups = np.array_split(order, min(bins, len(order)))
    rows = [(number, len(group), float(values[group].mean()), float(truth[group].mean()))
            for number, group in enumerate(groups, start=1) if len(group)]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class Estimate:
    """A mean across test periods with its 95% t-interval; ``values`` are the periods' own figures and ``cases``
    the test cases behind the periods whose figure could be measured."""

    mean: float
    low: float
    high: float
    values: tuple[float, ...]
    cases: int = 0

    @property
    def periods(self) -> int:
        """How many test periods the figure rests on (those where it could be measured)."""
        return len([value for value in self.values if not (math.isnan(value) or math.isinf(value))])

    def basis(self) -> str:
        """What the figure rests on, e.g. "4 test periods, 1,240 cases" or "1 test period of 1,637 cases"."""
        cases = f"{self.cases:,} {'case' if self.cases == 1 else 'cases'}" if self.cases else ""
        if self.periods == 1:
            return f"1 test period of {cases}" if cases else "1 test period"
        periods = f"{self.periods} test periods"
        return f"{periods}, {cases}" if cases else periods

    def describe(self, percent: bool = False, digits: int = 2) -> str:
        """E.g. "0.31 (95% interval 0.22 to 0.40; 4 test periods, 1,240 cases)", or "31% (…)" with ``percent``."""
        def shown(value: float) -> str:
            if math.isnan(value):
                return "n/a"
            if math.isinf(value):
                return "unbounded"
            return f"{value:.{max(digits - 2, 0)}%}" if percent else f"{value:.{digits}f}"

        if self.periods == 0:
            return "n/a (no test period could measure it)"
        if self.periods < 2:
            return f"{shown(self.mean)} ({self.basis()}: no interval across periods)"
        return f"{shown(self.mean)} (95% interval {shown(self.low)} to {shown(self.high)}; {self.basis()})"

    def to_dict(self) -> dict[str, float | int | list[float | None] | None]:
        """For training.json (NaN and infinity written as null)."""
        def clean(value: float) -> float | None:
            return None if value is None or math.isnan(value) or math.isinf(value) else float(value)

        return {"mean": clean(self.mean), "low": clean(self.low), "high": clean(self.high),
                "values": [clean(value) for value in self.values], "cases": self.cases}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Estimate:
        """Read back what ``to_dict`` wrote (missing numbers as NaN)."""
        def number(value: Any) -> float:
            return math.nan if value is None else float(value)

        return cls(number(values.get("mean")), number(values.get("low")), number(values.get("high")),
                   tuple(number(value) for value in values.get("values", [])), int(values.get("cases") or 0))


def mean_with_interval(values: Sequence[float], confidence: float = 0.95,
                       bounds: tuple[float, float] = (-math.inf, math.inf),
                       cases: Sequence[int] | None = None) -> Estimate:
    """The mean of the test periods' figures with a Student's t confidence interval (missing figures are left out),
    the interval clipped to ``bounds`` (e.g. 0 to 1 for a share, which cannot be negative). ``cases`` gives each
    period's test cases, summed over the periods whose figure is kept."""
    measured = [not (math.isnan(value) or math.isinf(value)) for value in values]
    kept = np.array([value for value, keep in zip(values, measured, strict=True) if keep], dtype=float)
    total = sum(count for count, keep in zip(cases, measured, strict=True) if keep) if cases is not None else 0
    everything = tuple(float(value) for value in values)
    if not len(kept):
        return Estimate(math.nan, math.nan, math.nan, everything, total)
    mean = float(kept.mean())
    if len(kept) < 2:
        return Estimate(mean, math.nan, math.nan, everything, total)
    half_width = float(stats.t.ppf((1 + confidence) / 2, len(kept) - 1) * kept.std(ddof=1) / math.sqrt(len(kept)))
    low, high = max(mean - half_width, bounds[0]), min(mean + half_width, bounds[1])
    return Estimate(mean, low, high, everything, total)


def ordering_scores(probabilities: Sequence[float] | np.ndarray,
                    raw_scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """A score that puts cases in the list's order, with no ties: by calibrated probability, and where calibration
    gives several cases the same probability (isotonic calibration makes steps), by the model's raw score.

    Returns the position from the bottom (the top case has the highest value), so every ranking measure sees the
    order the list is worked in."""
    probability = np.asarray(probabilities, dtype=float)
    raw = np.asarray(raw_scores, dtype=float)
    order = np.lexsort((-raw, -probability), axis=0)  # last key first: probability, then raw score, both descending
    result = np.empty(len(order), dtype=float)
    result[order] = np.arange(len(order), 0, -1, dtype=float)
    return result


def ties_in_top_k(scores: Sequence[float] | np.ndarray, k: int) -> int:
    """How many of the top ``k`` cases share their score with another case in the top k (0 for a list with no
    ties)."""
    values = np.asarray(scores, dtype=float)
    top = values[top_k_order(values)[: min(k, len(values))]]
    _, counts = np.unique(top, return_counts=True)
    return int(counts[counts > 1].sum())


@dataclass(frozen=True)
class SchedulingGain:
    """How much sooner cases with the outcome would have been found if a period's cases had been worked in score
    order, keeping each day's number of cases: the City of Chicago's method for its food-inspection model.

    The simulated date of each case is the period's dates in order, handed out to the cases from the highest score
    down; ``days_earlier`` is the mean (and ``days_earlier_sd`` the spread) of actual minus simulated date over the
    cases with the outcome. The first half is the days whose running total of cases stays strictly under half the
    period's cases; ``found_first_half_as_worked`` counts the outcomes found on those days as the cases were really
    worked, ``found_first_half_in_score_order`` as they would have been in score order."""

    cases: int
    outcomes: int
    days_earlier: float
    days_earlier_sd: float
    found_first_half_as_worked: int
    found_first_half_in_score_order: int


def scheduling_gain(dates: Sequence[Any] | pd.Series, scores: Sequence[float] | np.ndarray,
                    outcomes: Sequence[bool] | np.ndarray) -> SchedulingGain:
    """Days earlier and outcomes found in the first half, re-ordering the cases by score within the period while
    keeping each day's capacity (see ``SchedulingGain``). Ties in score keep the cases' original order."""
    worked = pd.to_datetime(pd.Series(list(dates))).dt.normalize().to_numpy()
    truth, values = _arrays(outcomes, scores)
    if len(truth) != len(worked):
        raise ValueError(f"{len(worked)} dates but {len(truth)} outcomes.")
    if not len(truth):
        return SchedulingGain(0, 0, math.nan, math.nan, 0, 0)
    simulated = np.empty(len(worked), dtype=worked.dtype)
    simulated[top_k_order(values)] = np.sort(worked, kind="stable")
    differences = (worked[truth] - simulated[truth]) / np.timedelta64(1, "D")
    days, per_day = np.unique(worked, return_counts=True)
    first_half = days[np.cumsum(per_day) < len(worked) / 2]
    return SchedulingGain(
        cases=len(truth), outcomes=int(truth.sum()),
        days_earlier=float(differences.mean()) if len(differences) else math.nan,
        days_earlier_sd=float(differences.std(ddof=1)) if len(differences) > 1 else math.nan,
        found_first_half_as_worked=int(np.isin(worked[truth], first_half).sum()),
        found_first_half_in_score_order=int(np.isin(simulated[truth], first_half).sum()))
