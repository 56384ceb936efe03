"""Rolling temporal splits: the model only ever learns from rows whose outcome was known by the test date."""

from __future__ import annotations

import pandas as pd
import pytest

from townhall.decisions.dataset import AS_OF, UnitDataset
from townhall.decisions.splits import outcome_window_end, require_splits, rolling_splits, split_dataset
from townhall.errors import TownhallError

QUARTERS = list(pd.date_range("2022-01-01", "2024-01-01", freq="3MS"))


def test_each_test_date_trains_only_on_dates_whose_outcome_window_has_ended() -> None:
    splits = rolling_splits(QUARTERS, window_months=12)
    assert [split.test_as_of for split in splits] == QUARTERS[4:]
    first = splits[0]
    assert first.test_as_of == pd.Timestamp("2023-01-01")
    assert first.training_as_of == (pd.Timestamp("2022-01-01"),)  # April 2022's window runs to April 2023
    for split in splits:
        assert all(outcome_window_end(date, 12) <= split.test_as_of for date in split.training_as_of)
        assert outcome_window_end(max(split.training_as_of) + pd.DateOffset(months=3), 12) > split.test_as_of


def test_the_latest_splits_are_kept_and_numbered_from_one() -> None:
    splits = rolling_splits(QUARTERS, window_months=12, maximum_splits=2)
    assert [split.number for split in splits] == [1, 2]
    assert [split.test_as_of for split in splits] == QUARTERS[-2:]
    assert "tested on 01 Jan 2024" in splits[-1].describe()


def test_no_training_row_has_an_outcome_window_reaching_into_its_test_period(synthetic_units: UnitDataset) -> None:
    splits = require_splits(synthetic_units, 12)
    assert len(splits) >= 2
    for split in splits:
        training, test = split_dataset(synthetic_units, split)
        assert len(training.frame) and len(test.frame)
        assert set(test.frame[AS_OF]) == {split.test_as_of}
        window_ends = training.frame[AS_OF] + pd.DateOffset(months=12)
        assert (window_ends <= split.test_as_of).all()
        assert training.frame["outcome"].notna().all() and test.frame["outcome"].notna().all()
        assert set(training.protected[AS_OF]) <= set(training.frame[AS_OF])


def test_dates_too_close_together_for_the_outcome_window_are_refused_in_plain_english(
        synthetic_units: UnitDataset) -> None:
    with pytest.raises(TownhallError, match="no way to test the model on a later period"):
        require_splits(synthetic_units, window_months=60)
    with pytest.raises(TownhallError, match="at least one month"):
        rolling_splits(QUARTERS, window_months=0)
