"""Rolling temporal splits: train on the past, test on a later as-of date, several times over; never at random.

A risk model is used on today's data to guess what will happen next, so it is judged the same way: for each as-of
date in turn (the test date), it learns only from earlier as-of dates and is scored on the test date's units.

One subtlety makes this stricter than "earlier dates only". A row's outcome is what happened in the outcome window
*after* its as-of date (e.g. the 12 months after). A training row from 6 months before the test date would have an
outcome window running 6 months into the test period, so the model would learn from events it could not have known
about on the test date (and that overlap the very events it is tested on). So a training row is only used when its
whole outcome window has ended by the test date: ``as_of + window_months <= test as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from townhall.decisions.dataset import AS_OF, UnitDataset
from townhall.errors import TownhallError


@dataclass(frozen=True)
class TemporalSplit:
    """One out-of-time test: the as-of dates the model learns from and the later one it is tested on."""

    number: int  # 1 for the earliest test date
    training_as_of: tuple[pd.Timestamp, ...]
    test_as_of: pd.Timestamp
    window_months: int

    def describe(self) -> str:
        """A plain-English line for reports, e.g. "Split 2: trained on 3 dates up to Mar 2022, tested on Mar 2023"."""
        last = max(self.training_as_of)
        dates = "date" if len(self.training_as_of) == 1 else "dates"
        return (f"Split {self.number}: trained on {len(self.training_as_of)} as-of {dates} up to {last:%d %b %Y} "
                f"(outcomes known by {outcome_window_end(last, self.window_months):%d %b %Y}), tested on "
                f"{self.test_as_of:%d %b %Y}")


def outcome_window_end(as_of: pd.Timestamp, window_months: int) -> pd.Timestamp:
    """The last day an outcome counts for a row described on ``as_of``: ``window_months`` later."""
    return pd.Timestamp(as_of) + pd.DateOffset(months=window_months)


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
    if maximum_splits is not None:
        splits = splits[-maximum_splits:] if maximum_splits > 0 else []
    return [TemporalSplit(number, split.training_as_of, split.test_as_of, window_months)
            for number, split in enumerate(splits, start=1)]


def split_dataset(dataset: UnitDataset, split: TemporalSplit) -> tuple[UnitDataset, UnitDataset]:
    """The labelled training rows and the labelled test rows of one split."""
    labelled = dataset.labelled()
    as_of = labelled.frame[AS_OF]
    training = labelled.with_rows(labelled.frame[as_of.isin(list(split.training_as_of))])
    test = labelled.with_rows(labelled.frame[as_of == split.test_as_of])
    return training, test


def require_splits(dataset: UnitDataset, window_months: int, *, maximum_splits: int | None = None) -> list[
        TemporalSplit]:
    """The splits for a dataset's labelled rows, or a plain-English error saying why there are none."""
    labelled = dataset.labelled()
    dates = sorted(labelled.frame[AS_OF].drop_duplicates())
    splits = rolling_splits(dates, window_months, maximum_splits=maximum_splits)
    if not splits:
        shown = ", ".join(f"{pd.Timestamp(date):%d %b %Y}" for date in dates) or "none"
        raise TownhallError(
            f"There is no way to test the model on a later period: it needs at least two as-of dates with known "
            f"outcomes, {window_months} months or more apart (the outcome window), and has {shown}. Start the "
            "training dates earlier or add more as-of dates.")
    return splits
