"""Dates: one value per date whatever format a source wrote it in, with the problem found in those that look wrong.

The format of a column is decided from its values (``townhall.catalogue.date_formats``): ISO with or without a
time, dd/mm/yyyy and the other day-first forms, mm/dd/yyyy only where the column shows it, yyyymmdd (also stored as
a number), ddmmyyyy, month names ("5 Mar 1962", "March 5, 1962"), two-digit years with a stated pivot and Excel
serial numbers. ``standardise_dates`` reports the choice as a ``DateFormatChoice`` in ``frame.attrs["date_format"]``;
``detect_date_format`` gives it without reading the column. One value on its own (``standardise_date``) is read the
UK way unless a column's choice is passed in.

This module adds the reasons a value was not usable or looks wrong (``DATE_PROBLEMS``) and the day/month swap test
used when comparing dates of birth. Nothing here reads the clock: pass ``today`` to check for dates in the future and
to read two-digit birth years, e.g. ``standardise_dates(column, today=date.today(), birth_date=True)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

import numpy as np
import pandas as pd

from townhall.catalogue.date_formats import (
    DateFormatChoice,
    DateReading,
    Shape,
    choose_reading,
    date_shape,
    describe_choice,
    is_shaped,
    read_shape,
    with_rows,
)
from townhall.identity.standardise._series import as_series, as_text, distinct_with_counts

UNREADABLE = "unreadable date"
IMPOSSIBLE = "impossible date"
IN_THE_FUTURE = "in the future"
IMPLAUSIBLE_BIRTH_DATE = "implausible birth date"
DATE_PROBLEMS = (UNREADABLE, IMPOSSIBLE, IN_THE_FUTURE, IMPLAUSIBLE_BIRTH_DATE)

# Birth dates before this are taken as errors or placeholders: 01/01/1900 is a common 'unknown' in council systems.
EARLIEST_PLAUSIBLE_BIRTH_DATE = date(1900, 1, 2)


class StandardDate(NamedTuple):
    """A date read from a value, and the problem found (None when it looks right); both None for a blank."""

    date: date | None
    problem: str | None


def _reading(date_format: DateFormatChoice | DateReading | None, *, today: date | None,
             birth_date: bool) -> DateReading:
    """The reading to use: the one given, else the UK reading (two-digit birth years never after ``today``)."""
    if isinstance(date_format, DateFormatChoice):
        return date_format.reading
    if isinstance(date_format, DateReading):
        return date_format
    return DateReading(not_after=today if birth_date else None)


def _shape(value: object) -> Shape:
    """The date shape of a cell, with pandas' missing markers (pd.NA, NaN) as blanks."""
    if isinstance(value, str | datetime | date):
        return date_shape(value)
    return date_shape(as_text(value))


def _standard(shape: Shape, reading: DateReading, today: date | None, birth_date: bool) -> StandardDate:
    """The date and problem of one shaped value under a reading."""
    parsed = read_shape(shape, reading)
    if parsed is None:
        if shape.kind == "blank":
            return StandardDate(None, None)
        return StandardDate(None, IMPOSSIBLE if is_shaped(shape) else UNREADABLE)
    if today is not None and parsed > today:
        return StandardDate(parsed, IN_THE_FUTURE)
    if birth_date and parsed < EARLIEST_PLAUSIBLE_BIRTH_DATE:
        return StandardDate(parsed, IMPLAUSIBLE_BIRTH_DATE)
    return StandardDate(parsed, None)


def standardise_date(value: object, *, today: date | None = None, birth_date: bool = False,
                     date_format: DateFormatChoice | DateReading | None = None) -> StandardDate:
    """A date from text in any supported format (or a date), with its problem: unreadable, impossible, in the future
    (only checked when ``today`` is given) or, for birth dates, before 1900 or the 01/01/1900 placeholder.

    Without ``date_format`` the value is read on its own the UK way (03/04/1980 is 3 April; Excel serials are not
    read); pass a column's ``DateFormatChoice`` to read it as that column was read. Unreadable and impossible values
    give no date; dates in the future or implausible keep their date, flagged.
    """
    reading = _reading(date_format, today=today, birth_date=birth_date)
    return _standard(_shape(value), reading, today, birth_date)


def detect_date_format(values: Sequence[object] | pd.Series, *, birth_date: bool = False,
                       today: date | None = None) -> DateFormatChoice:
    """How a column's dates are written, decided from its values, with the figures behind the choice.

    Row labels in ``unusable_rows`` come from the Series' index: index a column by the file's row numbers to get
    rows a person can find. Values are never put in the report.
    """
    return standardise_dates(values, today=today, birth_date=birth_date).attrs["date_format"]


def standardise_dates(series: Sequence[object] | pd.Series, *, today: date | None = None, birth_date: bool = False,
                      date_format: DateFormatChoice | DateReading | None = None) -> pd.DataFrame:
    """standardise_date over a column: a 'date' column (datetime64[s], NaT when none) and a 'problem' column.

    The column's format is decided from its values (or taken from ``date_format``) and reported as a
    ``DateFormatChoice`` in ``frame.attrs["date_format"]``: formats found, rows read and not read (with a few
    example row labels), ambiguous values and the reason. Each distinct value is read once.
    """
    column = as_series(series)
    codes, uniques, counts = distinct_with_counts(column)
    shapes = [date_shape(value) if value.__class__ is str else _shape(value) for value in uniques]
    if date_format is None:
        reading, reasons = choose_reading(shapes, counts, birth_date=birth_date, today=today)
    else:
        reading = _reading(date_format, today=today, birth_date=birth_date)
        reasons = ["The reading was given by the caller."]
    results = [_standard(shape, reading, today, birth_date) for shape in shapes]
    dates = pd.array([result.date for result in results] or [], dtype="datetime64[s]") if results else \
        pd.array([], dtype="datetime64[s]")
    problems = pd.array([result.problem for result in results], dtype="str") if results else \
        pd.array([], dtype="str")
    frame = pd.DataFrame({"date": dates.take(codes, allow_fill=True), "problem": problems.take(codes, allow_fill=True)},
                         index=column.index)
    choice = describe_choice(shapes, counts, reading, reasons, [result.date for result in results])
    failed = np.fromiter((result.date is None and shape.kind != "blank" for result, shape in zip(
        results, shapes, strict=True)), dtype=bool, count=len(results))
    positions = np.flatnonzero((codes >= 0) & np.append(failed, False)[codes])[:5] if len(results) else []
    frame.attrs["date_format"] = frame.attrs["report"] = with_rows(choice, list(column.index[positions]))
    return frame


def day_month_swapped(first: object, second: object) -> bool:
    """True when two dates are the same once day and month are swapped (03/04/1980 vs 04/03/1980): a typing slip
    or a US-format source, worth a partial match when comparing dates of birth. Equal dates are not 'swapped'.
    """
    first_date = standardise_date(first).date
    second_date = standardise_date(second).date
    if first_date is None or second_date is None or first_date == second_date:
        return False
    return (first_date.year == second_date.year and first_date.day == second_date.month
            and first_date.month == second_date.day)


def _as_datetimes(series: pd.Series) -> pd.Series:
    """A column as datetime64 values, read with standardise_dates (format from its values) unless dates already."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    return standardise_dates(series)["date"]


def day_month_swaps(first: pd.Series, second: pd.Series) -> pd.Series:
    """day_month_swapped row by row over two columns with the same index, vectorised; False where a date is missing."""
    left = _as_datetimes(first)
    right = _as_datetimes(second)
    swapped = (
        (left.dt.year == right.dt.year) & (left.dt.day == right.dt.month) & (left.dt.month == right.dt.day)
        & (left != right)
    )
    return swapped.fillna(False).astype(bool).rename(None)
