"""Date formats decided from a column's values: each supported format round-trips, the column decides the order of
day and month, two-digit years follow a stated pivot, Excel serials are read only from columns of numbers, and the
report says what was chosen and why."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.identity import DateFormatChoice, detect_date_format, standardise_date, standardise_dates

TODAY = date(2025, 6, 30)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def excel_serial(value: date) -> int:
    """Excel's 1900-system serial of a date after 28 Feb 1900."""
    return (value - date(1899, 12, 30)).days


# Each format as written by a source, with whether a column of it alone is read month first.
WRITERS = {
    "yyyy-mm-dd": lambda d: d.isoformat(),
    "yyyy-mm-dd hh:mm:ss": lambda d: f"{d.isoformat()} 14:05:00",
    "yyyy-mm-ddThh:mm:ssZ": lambda d: f"{d.isoformat()}T09:30:00Z",
    "yyyy/mm/dd": lambda d: d.strftime("%Y/%m/%d"),
    "dd/mm/yyyy": lambda d: d.strftime("%d/%m/%Y"),
    "d/m/yyyy": lambda d: f"{d.day}/{d.month}/{d.year}",
    "dd-mm-yyyy": lambda d: d.strftime("%d-%m-%Y"),
    "dd.mm.yyyy": lambda d: d.strftime("%d.%m.%Y"),
    "dd mm yyyy": lambda d: d.strftime("%d %m %Y"),
    "d Mon yyyy": lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    "d Month yyyy": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "dd-MON-yyyy": lambda d: f"{d.day:02d}-{MONTHS[d.month - 1][:3].upper()}-{d.year}",
    "Month d, yyyy": lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    "yyyymmdd": lambda d: d.strftime("%Y%m%d"),
    "yyyymmdd as a number": lambda d: int(d.strftime("%Y%m%d")),
    "ddmmyyyy": lambda d: d.strftime("%d%m%Y"),
}
DATES = st.dates(min_value=date(1800, 1, 1), max_value=date(2199, 12, 31))
BIRTH_DATES = st.dates(min_value=date(1900, 3, 1), max_value=TODAY)


@pytest.mark.parametrize("name", sorted(WRITERS))
@settings(deadline=None, max_examples=40)
@given(value=DATES)
def test_a_date_written_in_any_supported_format_comes_back_as_the_same_date(name: str, value: date) -> None:
    written = WRITERS[name](value)
    assert standardise_date(written).date == value
    frame = standardise_dates(pd.Series([written], dtype=object))
    assert frame["date"].iloc[0].date() == value


@settings(deadline=None, max_examples=60)
@given(st.lists(DATES, min_size=1, max_size=30), st.sampled_from(["%m/%d/%Y", "%m-%d-%Y", "%m%d%Y"]))
def test_a_month_first_column_round_trips_whenever_it_shows_its_order(values: list[date], pattern: str) -> None:
    values = [*values, date(1962, 11, 23)]  # one day above 12 shows the order
    frame = standardise_dates(pd.Series([value.strftime(pattern) for value in values], dtype=object))
    assert [stamp.date() for stamp in frame["date"]] == values
    choice = frame.attrs["date_format"]
    assert not choice.day_first and choice.unparsed == 0


@settings(deadline=None, max_examples=60)
@given(st.lists(BIRTH_DATES, min_size=1, max_size=30))
def test_excel_serials_round_trip_in_a_column_of_numbers(values: list[date]) -> None:
    # A column counts as Excel dates when at least half its numbers are after 1909 (small numbers are not dates).
    values = [*values, *[date(1950, 1, 1)] * len(values)]
    frame = standardise_dates(pd.Series([excel_serial(value) for value in values]))
    assert [stamp.date() for stamp in frame["date"]] == values
    assert frame.attrs["date_format"].reading.excel_serials


@settings(deadline=None, max_examples=60)
@given(st.dates(min_value=date(1926, 7, 1), max_value=TODAY), st.sampled_from(["%d/%m/%y", "%d-%b-%y"]))
def test_two_digit_birth_years_come_back_whenever_the_person_is_under_a_hundred(value: date, pattern: str) -> None:
    result = standardise_dates(pd.Series([value.strftime(pattern)]), birth_date=True, today=TODAY)
    assert result["date"].iloc[0].date() == value
    assert "not after 30 Jun 2025" in result.attrs["date_format"].two_digit_years


@settings(deadline=None, max_examples=40)
@given(st.lists(st.tuples(DATES, st.sampled_from(sorted(WRITERS))), min_size=1, max_size=40))
def test_a_column_mixing_formats_row_by_row_reads_every_row(rows: list[tuple[date, str]]) -> None:
    # Day-first and month-first rows cannot share a column, so this mixes every other format.
    written = [WRITERS[name](value) for value, name in rows]
    frame = standardise_dates(pd.Series(written, dtype=object))
    assert [stamp.date() for stamp in frame["date"]] == [value for value, _ in rows]


def test_a_us_column_is_read_month_first_and_says_why() -> None:
    choice = detect_date_format(["11/23/1962", "03/04/1980", "12/01/2000", "01/31/1975"])
    assert isinstance(choice, DateFormatChoice)
    assert not choice.day_first and choice.formats == ("mm/dd/yyyy",)
    assert choice.month_first_only == 2 and choice.ambiguous == 2 and choice.parsed == 4
    assert "Month first" in choice.reason and "second part above 12" in choice.reason


def test_an_ambiguous_column_is_read_the_uk_way_and_counts_the_ambiguous_values() -> None:
    choice = detect_date_format(["03/04/1980", "05/06/1990", "07/07/2001", None, "1990-01-02"])
    assert choice.day_first and choice.ambiguous == 2  # 07/07 reads the same either way
    assert choice.values == 4 and choice.parsed == 4
    assert "UK order" in choice.reason and "ambiguous" in choice.summary
    frame = standardise_dates(pd.Series(["03/04/1980"]))
    assert frame["date"].iloc[0] == pd.Timestamp("1980-04-03")


def test_a_column_with_both_orders_stays_day_first_and_leaves_the_month_first_values_unread() -> None:
    values = pd.Series(["13/04/1980", "25/12/1990", "12/25/1991", "03/04/1980"], index=[2, 3, 4, 5])
    frame = standardise_dates(values)
    choice = frame.attrs["date_format"]
    assert choice.day_first and choice.day_first_only == 2 and choice.month_first_only == 1
    assert choice.unparsed == 1 and choice.unusable_rows == (4,)
    assert frame["problem"].tolist()[2] == "impossible date"


def test_one_stray_day_first_value_does_not_turn_a_large_us_column_round() -> None:
    us = [f"{month}/{day}/1970" for month in range(1, 13) for day in range(13, 29)] * 1
    values = us * 1 + ["25/12/1970"]
    assert len(us) >= 100
    choice = detect_date_format(values)
    assert not choice.day_first and choice.unparsed == 1


def test_yyyymmdd_stored_as_integers_or_floats_is_read() -> None:
    frame = standardise_dates(pd.Series([19151111, 19620305, None], dtype="float64"))
    assert frame["date"].tolist()[:2] == [pd.Timestamp("1915-11-11"), pd.Timestamp("1962-03-05")]
    assert frame.attrs["date_format"].formats == ("yyyymmdd",)


def test_ddmmyyyy_that_lost_its_leading_zero_is_read() -> None:
    frame = standardise_dates(pd.Series([1011980, 31121975, 15061990]))
    assert [stamp.date() for stamp in frame["date"]] == [date(1980, 1, 1), date(1975, 12, 31), date(1990, 6, 15)]
    assert frame.attrs["date_format"].formats == ("ddmmyyyy",)


def test_small_numbers_are_never_taken_for_excel_dates() -> None:
    choice = detect_date_format([3, 17, 42, 65, 101])
    assert not choice.reading.excel_serials and choice.parsed == 0
    assert detect_date_format([25_000, "not known"] + [30_000] * 30).reading.excel_serials
    assert not detect_date_format([25_000, "03/04/1980", "05/06/1990"]).reading.excel_serials
    assert standardise_date("25000").problem == "unreadable date"  # one number alone is not a date


def test_excel_serials_around_excels_false_leap_day() -> None:
    frame = standardise_dates(pd.Series([1, 59, 60, 61] + [30_000] * 10))
    assert [None if pd.isna(stamp) else stamp.date() for stamp in frame["date"][:4]] == [
        date(1900, 1, 1), date(1900, 2, 28), None, date(1900, 3, 1)]


def test_two_digit_years_outside_birth_dates_follow_excels_rule_and_say_so() -> None:
    choice = detect_date_format(["05/03/28", "05/03/45"])
    assert "Excel's rule" in choice.two_digit_years
    assert standardise_dates(pd.Series(["05/03/28"]))["date"].iloc[0] == pd.Timestamp("2028-03-05")
    birth = standardise_dates(pd.Series(["05/03/28"]), birth_date=True, today=TODAY)
    assert birth["date"].iloc[0] == pd.Timestamp("1928-03-05")
    assert standardise_dates(pd.Series(["01/07/25"]), birth_date=True, today=TODAY)["date"].iloc[0] == \
        pd.Timestamp("1925-07-01")
    assert detect_date_format(["2001-01-01"]).two_digit_years is None


def test_the_report_names_rows_never_values() -> None:
    values = pd.Series(["1980-01-01", "Jane Smith", "31/02/1980", "1981-02-03"] + ["not known"] * 10,
                       index=range(2, 16))
    choice = standardise_dates(values).attrs["date_format"]
    assert choice.unusable_rows == (3, 4, 6, 7, 8)
    assert choice.values == 14 and choice.parsed == 2 and choice.unparsed == 12
    assert "Jane" not in choice.reason and "not known" not in choice.reason
    assert "12 values of 14 could not be read" in choice.reason


def test_a_choice_can_be_reused_on_another_column_and_passed_to_one_value() -> None:
    choice = detect_date_format(["11/23/1962", "01/02/1990"])
    assert standardise_date("01/02/1990", date_format=choice).date == date(1990, 1, 2)
    frame = standardise_dates(pd.Series(["04/05/2001"]), date_format=choice)
    assert frame["date"].iloc[0] == pd.Timestamp("2001-04-05")
    assert "given by the caller" in frame.attrs["date_format"].reason


def test_the_share_kept_after_cleaning_is_easy_to_read() -> None:
    choice = detect_date_format(["1980-01-01", None, "rubbish", "1990-05-05"])
    assert choice.values == 3 and choice.kept == 2
    assert choice.kept_share() == pytest.approx(2 / 3)
    assert choice.kept_share(rows=4) == 0.5


@given(st.lists(st.one_of(st.none(), st.text(max_size=12), st.integers(-10, 100_000_000)), max_size=30))
@settings(deadline=None, max_examples=100)
def test_detection_never_raises_and_its_counts_add_up(values: list[object]) -> None:
    choice = detect_date_format(values)
    assert 0 <= choice.parsed <= choice.values <= len(values)
    assert sum(choice.format_counts.values()) == choice.parsed
    assert choice.ambiguous <= choice.values


def test_one_day_apart_in_every_format_stays_one_day_apart() -> None:
    start = date(1999, 12, 31)
    for name, writer in WRITERS.items():
        pair = [writer(start), writer(start + timedelta(days=1))]
        frame = standardise_dates(pd.Series(pair, dtype=object))
        assert (frame["date"].iloc[1] - frame["date"].iloc[0]).days == 1, name
