"""Test periods: train on the past, test on a later period, several times over; never at random.

A risk model is used on today's data to guess what will happen next, so it is judged the same way. For a model that
ranks every unit at each as-of date, each as-of date in turn is a test period, and the model learns only from earlier
as-of dates. For a model that ranks each case at its own date, the cases are cut into periods of ``step_months``, and
each period is tested by a model trained on the cases before it. A definition can instead name one train window and
one test window.

One subtlety makes this stricter than "earlier dates only". A row's outcome is what happened in the outcome window
*after* its as-of date (e.g. the 12 months after). A training row from 6 months before the test period would have an
outcome window running 6 months into it, so the model would learn from events it could not have known about when the
test period began (and that overlap the very events it is tested on). So a training row is only used when its whole
outcome window has ended by the start of the test period: ``as_of + window_months <= test start``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from townhall.decisions.dataset import AS_OF, UnitDataset
from townhall.errors import TownhallError


@dataclass(frozen=True)
class TemporalSplit:
    """One out-of-time test: what the model learns from, and the later period it is tested on.

    For as-of dates, ``training_as_of`` lists the dates learnt from and ``test_as_of`` is the one tested. For cases
    at their own dates, the model learns from cases dated ``training_first`` to ``training_last`` (whose outcome window
    has ended by the test period) and is tested on those dated ``test_as_of`` to ``test_last``."""

    number: int  # 1 for the earliest test period
    training_as_of: tuple[pd.Timestamp, ...]
    test_as_of: pd.Timestamp
    window_months: int
    test_last: pd.Timestamp | None = None
    training_first: pd.Timestamp | None = None
    training_last: pd.Timestamp | None = None

    @property
    def by_case(self) -> bool:
        """Whether this tests cases over a period (rather than units at one as-of date)."""
        return self.test_last is not None

    def training_rows(self, as_of: pd.Series) -> pd.Series:
        """Which rows (by their as-of date) the model may learn from."""
        if not self.by_case:
            return as_of.isin(list(self.training_as_of))
        chosen = as_of + pd.DateOffset(months=self.window_months) <= self.test_as_of
        if self.training_first is not None:
            chosen &= as_of >= self.training_first
        if self.training_last is not None:
            chosen &= as_of <= self.training_last
        return chosen

    def test_rows(self, as_of: pd.Series) -> pd.Series:
        """Which rows the model is tested on."""
        if not self.by_case:
            return as_of == self.test_as_of
        return (as_of >= self.test_as_of) & (as_of <= self.test_last)

    def describe(self) -> str:
        """A plain-English line for reports, e.g. "Test period 2: trained on 3 as-of dates up to 01 Mar 2022 (…),
        tested on 01 Mar 2023"."""
        if self.by_case:
            learnt = (f"cases dated {self.training_first:%d %b %Y} to {self.training_last:%d %b %Y}"
                      if self.training_first is not None and self.training_last is not None
                      else f"cases dated before {self.test_as_of:%d %b %Y}")
            return (f"Test period {self.number}: trained on {learnt}, tested on the cases dated "
                    f"{self.test_as_of:%d %b %Y} to {self.test_last:%d %b %Y}")
        last = max(self.training_as_of)
        dates = "date" if len(self.training_as_of) == 1 else "dates"
        return (f"Test period {self.number}: trained on {len(self.training_as_of)} as-of {dates} up to "
                f"{last:%d %b %Y} (outcomes known by {outcome_window_end(last, self.window_months):%d %b %Y}), "
                f"tested on {self.test_as_of:%d %b %Y}")


@dataclass(frozen=True)
class PeriodPlan:
    """How a definition asks to be tested: rolling over its dates, or an explicit train and test window."""

    window_months: int
    by_case: bool = False
    step_months: int = 3
    first: date | None = None  # case framing, rolling: the earliest case date used
    last: date | None = None
    train_window: tuple[date, date] | None = None
    test_window: tuple[date, date] | None = None
    maximum: int | None = None  # the latest this many rolling periods; None for all


def outcome_window_end(as_of: pd.Timestamp, window_months: int) -> pd.Timestamp:
    """The last day an outcome counts for a row described on ``as_of``: ``window_months`` later."""
    return pd.Timestamp(as_of) + pd.DateOffset(months=window_months)


def _renumbered(splits: list[TemporalSplit], maximum: int | None) -> list[TemporalSplit]:
    if maximum is not None:
        splits = splits[-maximum:] if maximum > 0 else []
    return [TemporalSplit(number, split.training_as_of, split.test_as_of, split.window_months, split.test_last,
                          split.training_first, split.training_last)
            for number, split in enumerate(splits, start=1)]


def rolling_splits(as_of_dates: list[pd.Timestamp] | pd.Series, window_months: int, *,
                   maximum_splits: int | None = None) -> list[TemporalSplit]:
    """The rolling splits over these as-of dates: each date with at least one earlier date whose outcome window has
    ended by it becomes a test date; the latest ``maximum_splits`` are kept (all when None)."""
    if window_months < 1:
        raise TownhallError(f"The outcome window must be at least one month long, not {window_months}.")
    dates = sorted({pd.Timestamp(value) for value in as_of_dates})
    splits: list[TemporalSplit] = []
    for test_as_of in dates:
        training = tuple(date for date in dates if outcome_window_end(date, window_months) <= test_as_of)
        if training:
            splits.append(TemporalSplit(0, training, test_as_of, window_months))
    return _renumbered(splits, maximum_splits)


def explicit_splits(as_of_dates: list[pd.Timestamp], plan: PeriodPlan) -> list[TemporalSplit]:
    """The test periods of a definition that names its train and test windows."""
    assert plan.train_window is not None and plan.test_window is not None
    train_first, train_last = (pd.Timestamp(value) for value in plan.train_window)
    test_first, test_last = (pd.Timestamp(value) for value in plan.test_window)
    if plan.by_case:
        return [TemporalSplit(1, (), test_first, plan.window_months, test_last, train_first, train_last)]
    splits = []
    for test_as_of in sorted({pd.Timestamp(value) for value in as_of_dates if test_first <= value <= test_last}):
        training = tuple(sorted({pd.Timestamp(value) for value in as_of_dates if train_first <= value <= train_last
                                 and outcome_window_end(value, plan.window_months) <= test_as_of}))
        if training:
            splits.append(TemporalSplit(0, training, test_as_of, plan.window_months))
    return _renumbered(splits, None)


def case_periods(plan: PeriodPlan, first_case: pd.Timestamp, last_case: pd.Timestamp) -> list[TemporalSplit]:
    """Periods of ``step_months`` from the first case date: each is tested by a model trained on the cases before
    it whose outcome window has ended; the first period has nothing before it and is never a test."""
    start = pd.Timestamp(plan.first or first_case)
    end = pd.Timestamp(plan.last or last_case)
    splits = []
    period_start = start + pd.DateOffset(months=plan.step_months)
    while period_start <= end:
        period_end = min(period_start + pd.DateOffset(months=plan.step_months) - pd.Timedelta(days=1), end)
        splits.append(TemporalSplit(0, (), period_start, plan.window_months, period_end, start, None))
        period_start = period_start + pd.DateOffset(months=plan.step_months)
    return _renumbered(splits, plan.maximum)


def split_dataset(dataset: UnitDataset, split: TemporalSplit) -> tuple[UnitDataset, UnitDataset]:
    """The labelled training rows and the labelled test rows of one split."""
    labelled = dataset.labelled()
    as_of = labelled.frame[AS_OF]
    training = labelled.with_rows(labelled.frame[split.training_rows(as_of)])
    test = labelled.with_rows(labelled.frame[split.test_rows(as_of)])
    return training, test


def require_splits(dataset: UnitDataset, window_months: int, *, maximum_splits: int | None = None,
                   plan: PeriodPlan | None = None) -> list[TemporalSplit]:
    """The test periods for a dataset's labelled rows, or a plain-English error saying why there are none."""
    plan = plan or PeriodPlan(window_months, maximum=maximum_splits)
    labelled = dataset.labelled()
    dates = sorted(labelled.frame[AS_OF].drop_duplicates())
    if plan.train_window is not None and plan.test_window is not None:
        splits = explicit_splits(dates, plan)
        if not splits:
            raise TownhallError(
                f"There is nothing to test the model on: no row with a known outcome is dated in the test window "
                f"({plan.test_window[0]:%d %b %Y} to {plan.test_window[1]:%d %b %Y}) with training rows whose "
                f"{window_months}-month outcome window ended before it. Check training.train and training.test.")
        return splits
    if plan.by_case:
        splits = case_periods(plan, dates[0], dates[-1]) if dates else []
        if not splits:
            raise TownhallError(
                f"There is no way to test the model on a later period: the cases with known outcomes span less than "
                f"two periods of {plan.step_months} months. Widen training.first_as_of to training.last_as_of, or "
                "shorten training.step_months.")
        return splits
    splits = rolling_splits(dates, window_months, maximum_splits=plan.maximum)
    if not splits:
        shown = ", ".join(f"{pd.Timestamp(date):%d %b %Y}" for date in dates) or "none"
        raise TownhallError(
            f"There is no way to test the model on a later period: it needs at least two as-of dates with known "
            f"outcomes, {window_months} months or more apart (the outcome window), and has {shown}. Start the "
            "training dates earlier or add more as-of dates.")
    return splits
