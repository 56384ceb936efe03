"""Dates: one value per date whatever format a source wrote it in, with the problem found in those that look wrong.

Parsing is the catalogue's ``parse_uk_date`` (ISO, dd/mm/yyyy and its variants, 3 Mar 2024; day always before
month, never mm/dd). This module adds the reasons a value was not usable or looks wrong (``DATE_PROBLEMS``) and the
day/month swap test used when comparing dates of birth. Nothing here reads the clock: pass ``today`` to check for
dates in the future, e.g. ``standardise_dates(column, today=date.today())`` at the call site.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import NamedTuple

import pandas as pd

from townhall.catalogue.validation import (
    ISO_DATE_PATTERN,
    MONTH_NAME_DATE_PATTERN,
    UK_DATE_PATTERN,
    WHITESPACE,
    parse_uk_date,
)
from townhall.identity.standardise._series import as_text, map_distinct_to_frame

UNREADABLE = "unreadable date"
IMPOSSIBLE = "impossible date"
IN_THE_FUTURE = "in the future"
IMPLAUSIBLE_BIRTH_DATE = "implausible birth date"
DATE_PROBLEMS = (UNREADABLE, IMPOSSIBLE, IN_THE_FUTURE, IMPLAUSIBLE_BIRTH_DATE)

# Birth dates before this are taken as errors or placeholders: 01/01/1900 is a common 'unknown' in council systems.
EARLIEST_PLAUSIBLE_BIRTH_DATE = date(1900, 1, 2)

_ISO_SHAPE = re.compile(ISO_DATE_PATTERN)
_UK_SHAPE = re.compile(UK_DATE_PATTERN)
_MONTH_NAME_SHAPE = re.compile(MONTH_NAME_DATE_PATTERN)


class StandardDate(NamedTuple):
    """A date read from a value, and the problem found (None when it looks right); both None for a blank."""

    date: date | None
    problem: str | None


def _looks_like_a_date(text: str) -> bool:
    """True when the text has the shape of a date in an accepted format, even if no such day exists (31/02/2024)."""
    if _ISO_SHAPE.fullmatch(text):
        return True
    match = _UK_SHAPE.fullmatch(text) or _MONTH_NAME_SHAPE.fullmatch(text)
    return bool(match and match.group(2) == match.group(4))


def _as_date(value: object) -> tuple[date | None, bool]:
    """The value as a date, and whether a non-blank value failed to give one."""
    if isinstance(value, datetime):  # pandas Timestamps included
        return (None, False) if pd.isna(value) else (value.date(), False)
    if isinstance(value, date):
        return value, False
    text = as_text(value)
    if text is None or not text.strip(WHITESPACE):
        return None, False
    parsed = parse_uk_date(text)
    return parsed, parsed is None


def standardise_date(value: object, *, today: date | None = None, birth_date: bool = False) -> StandardDate:
    """A date from text in a UK or ISO format (or a date), with its problem: unreadable, impossible, in the future
    (only checked when ``today`` is given) or, for birth dates, before 1900 or the 01/01/1900 placeholder.

    Unreadable and impossible values give no date; dates in the future or implausible keep their date, flagged.
    """
    parsed, failed = _as_date(value)
    if failed:
        text = (as_text(value) or "").strip(WHITESPACE)
        return StandardDate(None, IMPOSSIBLE if _looks_like_a_date(text) else UNREADABLE)
    if parsed is None:
        return StandardDate(None, None)
    if today is not None and parsed > today:
        return StandardDate(parsed, IN_THE_FUTURE)
    if birth_date and parsed < EARLIEST_PLAUSIBLE_BIRTH_DATE:
        return StandardDate(parsed, IMPLAUSIBLE_BIRTH_DATE)
    return StandardDate(parsed, None)


def standardise_dates(series: pd.Series, *, today: date | None = None, birth_date: bool = False) -> pd.DataFrame:
    """standardise_date over a column: a 'date' column (datetime64[s], NaT when none) and a 'problem' column."""
    return map_distinct_to_frame(
        series, lambda value: standardise_date(value, today=today, birth_date=birth_date), StandardDate._fields,
        dtypes=("datetime64[s]", "str"),
    )


def day_month_swapped(first: object, second: object) -> bool:
    """True when two dates are the same once day and month are swapped (03/04/1980 vs 04/03/1980): a typing slip
    or a US-format source, worth a partial match when comparing dates of birth. Equal dates are not 'swapped'.
    """
    first_date, _ = _as_date(first)
    second_date, _ = _as_date(second)
    if first_date is None or second_date is None or first_date == second_date:
        return False
    return (first_date.year == second_date.year and first_date.day == second_date.month
            and first_date.month == second_date.day)


def _as_datetimes(series: pd.Series) -> pd.Series:
    """A column as datetime64 values, parsing text with standardise_dates when it is not dates already."""
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
