"""Date standardisers: formats, problems, the day/month swap, properties and the column version."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.identity import (
    DATE_PROBLEMS,
    StandardDate,
    day_month_swapped,
    day_month_swaps,
    standardise_date,
    standardise_dates,
)

TODAY = date(2025, 6, 30)


@pytest.mark.parametrize(("value", "expected"), [
    ("03/04/2020", date(2020, 4, 3)),
    ("3/4/2020", date(2020, 4, 3)),
    ("03-04-2020", date(2020, 4, 3)),
    ("03.04.2020", date(2020, 4, 3)),
    ("2020-04-03", date(2020, 4, 3)),
    ("2020-04-03 14:30:00", date(2020, 4, 3)),
    ("3 Apr 2020", date(2020, 4, 3)),
    ("03-APR-20", date(2020, 4, 3)),
    ("20200403", date(2020, 4, 3)),
    (20200403, date(2020, 4, 3)),
    (20200403.0, date(2020, 4, 3)),
    ("03042020", date(2020, 4, 3)),
    ("2020/04/03", date(2020, 4, 3)),
    ("3rd April 2020", date(2020, 4, 3)),
    ("April 3, 2020", date(2020, 4, 3)),
    ("Friday, 3 April 2020", date(2020, 4, 3)),
    ("03 04 2020", date(2020, 4, 3)),
    ("2020-04-03T14:30:00Z", date(2020, 4, 3)),
    ("03/04/2020 2:30 PM", date(2020, 4, 3)),
    (" 03/04/2020 ", date(2020, 4, 3)),
    (date(2020, 4, 3), date(2020, 4, 3)),
    (datetime(2020, 4, 3, 9, 15), date(2020, 4, 3)),
    (pd.Timestamp("2020-04-03"), date(2020, 4, 3)),
])
def test_standardise_date_reads_the_formats_sources_use(value: object, expected: date) -> None:
    assert standardise_date(value) == StandardDate(expected, None)


@pytest.mark.parametrize(("value", "problem"), [
    ("31/02/2020", "impossible date"),
    ("29/02/2023", "impossible date"),
    ("2020-13-01", "impossible date"),
    ("12/25/2020", "impossible date"),  # a US-order date reads as month 25
    ("30 Feb 2020", "impossible date"),
    ("yesterday", "unreadable date"),
    ("03/04-2020", "unreadable date"),
    ("20201403", "impossible date"),  # yyyymmdd with month 14
    ("12345678", "unreadable date"),  # eight digits with no year in either place
    ("1962", "unreadable date"),  # a year alone is not a date
    ("14:30", "unreadable date"),
    ("unknown", "unreadable date"),
])
def test_values_that_give_no_date_say_why(value: str, problem: str) -> None:
    assert standardise_date(value, today=TODAY) == StandardDate(None, problem)


def test_blank_values_are_missing_not_problems() -> None:
    for value in (None, "", "   ", float("nan"), pd.NaT):
        assert standardise_date(value, today=TODAY, birth_date=True) == StandardDate(None, None)


def test_dates_in_the_future_are_flagged_only_when_today_is_given() -> None:
    assert standardise_date("01/07/2025", today=TODAY) == StandardDate(date(2025, 7, 1), "in the future")
    assert standardise_date("30/06/2025", today=TODAY) == StandardDate(date(2025, 6, 30), None)
    assert standardise_date("01/07/2025") == StandardDate(date(2025, 7, 1), None)


def test_implausible_birth_dates_are_flagged_only_for_birth_dates() -> None:
    assert standardise_date("14/10/1066", birth_date=True) == StandardDate(date(1066, 10, 14), "implausible birth date")
    assert standardise_date("01/01/1900", birth_date=True).problem == "implausible birth date"
    assert standardise_date("02/01/1900", birth_date=True).problem is None
    assert standardise_date("14/10/1066").problem is None


def test_every_problem_is_listed() -> None:
    assert set(DATE_PROBLEMS) == {"unreadable date", "impossible date", "in the future", "implausible birth date"}


@given(st.dates(min_value=date(1000, 1, 1)))
def test_any_valid_date_written_dd_mm_yyyy_round_trips(value: date) -> None:
    assert standardise_date(value.strftime("%d/%m/%Y")) == StandardDate(value, None)
    assert standardise_date(f"{value.day}/{value.month}/{value.year:04d}").date == value


@given(st.text())
def test_standardise_date_never_raises(text: str) -> None:
    result = standardise_date(text, today=TODAY, birth_date=True)
    assert result.problem is None or result.problem in DATE_PROBLEMS


def test_day_month_swapped() -> None:
    assert day_month_swapped(date(1980, 4, 3), date(1980, 3, 4))
    assert day_month_swapped("03/04/1980", "04/03/1980")
    assert not day_month_swapped("03/03/1980", "03/03/1980")
    assert not day_month_swapped("03/04/1980", "04/03/1981")
    assert not day_month_swapped("03/04/1980", "05/03/1980")
    assert not day_month_swapped("13/04/1980", None)
    assert not day_month_swapped("nonsense", "03/04/1980")


@given(st.dates(), st.dates())
def test_day_month_swapped_is_symmetric(first: date, second: date) -> None:
    assert day_month_swapped(first, second) == day_month_swapped(second, first)


def test_standardise_dates_gives_a_date_and_a_problem_column() -> None:
    series = pd.Series(["03/04/2020", None, "31/02/2020", "03/04/2020", "2099-01-01"], index=list("abcde"))
    frame = standardise_dates(series, today=TODAY)
    assert list(frame.columns) == ["date", "problem"] and list(frame.index) == list("abcde")
    assert str(frame["date"].dtype) == "datetime64[s]"
    assert frame["date"].tolist()[0] == pd.Timestamp("2020-04-03")
    assert frame["date"].isna().tolist() == [False, True, True, False, False]
    assert frame["problem"].tolist()[2] == "impossible date" and frame["problem"].tolist()[4] == "in the future"


def test_standardise_dates_accepts_date_columns() -> None:
    series = pd.Series(pd.to_datetime(["2020-04-03", None, "1850-01-01"]))
    frame = standardise_dates(series, birth_date=True)
    assert frame["problem"].tolist()[2] == "implausible birth date"
    assert frame["date"].tolist()[0] == pd.Timestamp("2020-04-03")


VALUES = st.one_of(
    st.none(), st.text(max_size=12), st.dates(min_value=date(1000, 1, 1)).map(lambda value: value.strftime("%d/%m/%Y")),
    st.sampled_from(["31/02/2020", "2030-01-01", "01/01/1899", "3 Mar 1999", "12/25/2020"]),
)


@given(st.lists(VALUES, max_size=40))
@settings(deadline=None, max_examples=100)
def test_the_column_version_equals_the_one_value_version_read_as_the_column_decided(values: list[str | None]) -> None:
    frame = standardise_dates(pd.Series(values, dtype=object), today=TODAY, birth_date=True)
    choice = frame.attrs["date_format"]
    column = [
        (None if pd.isna(day) else day.date(), None if pd.isna(problem) else problem)
        for day, problem in zip(frame["date"], frame["problem"], strict=True)
    ]
    assert column == [tuple(standardise_date(value, today=TODAY, birth_date=True, date_format=choice))
                      for value in values]
    assert choice.parsed == sum(day is not None for day, _ in column)
    assert choice.values == sum(standardise_date(value).problem is not None or standardise_date(value).date
                                is not None for value in values)


def test_day_month_swaps_over_columns() -> None:
    first = pd.Series(["03/04/1980", "01/01/2000", None, "05/06/1990"])
    second = pd.Series(["04/03/1980", "01/01/2000", "01/01/2000", "06/05/1991"])
    assert day_month_swaps(first, second).tolist() == [True, False, False, False]
    expected = [day_month_swapped(a, b) for a, b in zip(first, second, strict=True)]
    assert day_month_swaps(first, second).tolist() == expected
