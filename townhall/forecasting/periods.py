"""Periods from the labels councils write: dates, months, quarters, ISO weeks, years and financial years.

A column of period labels is read as one kind of label (all values must agree), turned into real calendar periods and
sorted by time, never as text ("Q32011" sorts after "Q12012" as text). The frequency (daily, weekly, monthly,
quarterly or yearly) comes from the labels' form, or, for plain dates, from the spacing of the dates, and is reported
so a person can check it. Values that cannot be read are refused, each named with its row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from townhall.errors import TownhallError

READABLE = ("dates (2011-07-15, 15/07/2011, 15 Jul 2011), months (2011-07, Jul 2011, July 2011, 07/2011), quarters "
            "(2011Q3, 2011-Q3, Q3 2011), ISO weeks (2011-W07), years (2011) and financial years (2023/24)")
MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))


@dataclass(frozen=True)
class Frequency:
    """How often a series has a value: its name, pandas' period code, one period in words and its seasonal cycle."""

    name: str  # "daily", "weekly", "monthly", "quarterly", "yearly"
    code: str  # pandas period frequency, e.g. "M", "Q-DEC", "W-SUN", "Y-MAR" (a financial year ending in March)
    unit: str  # "day", "week", "month", "quarter", "year"
    season_length: int  # periods in one seasonal cycle (1: no seasonal pattern is looked for)

    def describe(self, count: int) -> str:
        """``count`` periods in words: "1 month", "36 quarters"."""
        return f"{count:,} {self.unit}{'' if count == 1 else 's'}"


def frequency(name: str, code: str | None = None) -> Frequency:
    """The frequency called ``name`` ("daily" … "yearly"), optionally with pandas' anchored code (weeks, years)."""
    known = {"daily": ("D", "day", 7), "weekly": ("W-SUN", "week", 52), "monthly": ("M", "month", 12),
             "quarterly": ("Q-DEC", "quarter", 4), "yearly": ("Y-DEC", "year", 1)}
    if name not in known:
        raise TownhallError(f"'{name}' is not a frequency townhall knows: use {', '.join(known)}.")
    default, unit, season = known[name]
    return Frequency(name, code or default, unit, season)


FREQUENCY_NAMES = ("daily", "weekly", "monthly", "quarterly", "yearly")


@dataclass(frozen=True)
class ParsedPeriods:
    """A column read as periods: one pandas Period per value (or a plain number for numbered periods)."""

    periods: pd.Series  # Period values aligned with the input (or integers when the labels are plain numbers)
    frequency: Frequency | None  # None for plain numbers (period 1, 2, 3 …), which have no calendar
    form: str  # what the labels looked like, e.g. "quarter labels such as 2011Q3"

    def describe(self) -> str:
        """What was read, for the user to check."""
        if self.frequency is None:
            return f"Periods read as {self.form}, in numeric order."
        return f"Periods read as {self.form}: a {self.frequency.name} series."


def _label(value: Any) -> tuple[str, Any] | None:
    """One value as (kind, parts), or None when it is not a period label townhall can read."""
    if isinstance(value, pd.Timestamp | datetime | date | np.datetime64):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else ("date", stamp.normalize())
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer) or (isinstance(value, float | np.floating) and float(value).is_integer()):
        number = int(value)
        return ("year", number) if 1000 <= number <= 2999 else ("number", number)
    text = str(value).strip().lower()
    if not text:
        return None
    if re.fullmatch(r"-?\d+", text):
        return _label(int(text))
    if (match := re.fullmatch(r"(?:fy\s*)?(\d{4})\s*/\s*(\d{2}|\d{4})", text)) and (
            found := _financial_year(int(match.group(1)), match.group(2))):
        return found
    if match := re.fullmatch(r"fy\s*(\d{4})\s*-\s*(\d{2}|\d{4})", text):
        return _financial_year(int(match.group(1)), match.group(2))
    if match := re.fullmatch(r"(\d{4})\s*[-/ ]?\s*q([1-4])", text):
        return "quarter", (int(match.group(1)), int(match.group(2)))
    if match := re.fullmatch(r"q([1-4])\s*[-/ ]?\s*(\d{4})", text):
        return "quarter", (int(match.group(2)), int(match.group(1)))
    if match := re.fullmatch(r"(\d{4})\s*-?\s*w(\d{1,2})(?:-?[1-7])?", text):
        return _week(int(match.group(1)), int(match.group(2)))
    if match := re.fullmatch(r"w(?:eek)?\s*(\d{1,2})\s*[-/ ]?\s*(\d{4})", text):
        return _week(int(match.group(2)), int(match.group(1)))
    if match := re.fullmatch(r"(\d{4})[-/](\d{1,2})", text):
        year, second = int(match.group(1)), int(match.group(2))
        if 1 <= second <= 12:
            return "month", (year, second)
        return _financial_year(year, match.group(2)) if "-" in text else None
    if match := re.fullmatch(r"(\d{1,2})[-/](\d{4})", text):
        return ("month", (int(match.group(2)), int(match.group(1)))) if 1 <= int(match.group(1)) <= 12 else None
    if match := re.fullmatch(rf"({_MONTH_NAMES})\.?[\s,-]*(\d{{4}}|\d{{2}})", text):
        year = int(match.group(2))
        return "month", (year + 2000 if year < 100 else year, MONTHS[match.group(1)])
    return _date(text)


def _financial_year(first: int, second_text: str) -> tuple[str, Any] | None:
    second = int(second_text)
    if (len(second_text) == 2 and second == (first + 1) % 100) or second == first + 1:
        return "financial year", first + 1  # labelled by the year it ends in, as pandas' Y-MAR periods are
    return None


def _week(year: int, week: int) -> tuple[str, Any] | None:
    try:
        return "week", date.fromisocalendar(year, week, 1)
    except ValueError:
        return None


def _date(text: str) -> tuple[str, Any] | None:
    """A date written the ISO way or the UK way (day first); American month-first dates are not guessed at."""
    for pattern in (r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?",
                    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?"):
        if match := re.fullmatch(pattern, text):
            parts = [int(part) for part in match.groups()]
            year, month, day = parts if len(match.group(1)) == 4 else (parts[2], parts[1], parts[0])
            try:
                return "date", pd.Timestamp(year, month, day)
            except ValueError:
                return None
    if match := re.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)?[\s-]+({_MONTH_NAMES})\.?[\s,-]+(\d{{4}})", text):
        try:
            return "date", pd.Timestamp(int(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
        except ValueError:
            return None
    return None


_FORMS = {"date": "dates", "month": "months such as 2011-07", "quarter": "quarter labels such as 2011Q3",
          "week": "ISO weeks such as 2011-W07", "year": "years such as 2011",
          "financial year": "financial years (April to March) such as 2023/24", "number": "plain period numbers"}


def parse_periods(values: Sequence[Any] | pd.Series, *, field: str, where: str,
                  rows: Sequence[int] | None = None, frequency_name: str | None = None) -> ParsedPeriods:
    """Read a column of period labels as real periods. ``where`` names the file or source and ``rows`` gives each
    value's row there (position + 2, a CSV with its header, when not given) for the message when values cannot be
    read. Dates are grouped into periods of ``frequency_name`` when given, else their spacing decides the frequency."""
    series = pd.Series(values).reset_index(drop=True)
    row_numbers = list(rows) if rows is not None else list(range(2, len(series) + 2))
    unique = pd.unique(series.dropna().to_numpy(dtype=object)) if len(series) else np.array([], dtype=object)
    parsed = {value: _label(value) for value in unique}
    unreadable = series.map(lambda value: _missing(value) or parsed.get(value) is None).to_numpy(dtype=bool)
    if unreadable.any():
        problems = [(row, value) for row, value, wrong in zip(row_numbers, series, unreadable, strict=True) if wrong]
        shown = ", ".join(f"an empty value (row {row})" if _missing(value) else f"'{value}' (row {row})"
                          for row, value in problems[:5])
        more = f" and {len(problems) - 5:,} more" if len(problems) > 5 else ""
        raise TownhallError(f"{where}: {len(problems):,} value{'s' if len(problems) != 1 else ''} of '{field}' could "
                            f"not be read as {'a period' if len(problems) == 1 else 'periods'}: {shown}{more}. "
                            f"townhall reads {READABLE}.")
    kinds = {result[0] for result in parsed.values() if result is not None}
    if kinds == {"year", "number"}:
        kinds = {"number"}
        parsed = {value: ("number", result[1]) for value, result in parsed.items() if result is not None}
    if len(kinds) > 1:
        examples = {}
        for value, result in parsed.items():
            examples.setdefault(result[0], value)  # type: ignore[index]
        listed = "; ".join(f"{_FORMS[kind]} ('{example}')" for kind, example in examples.items())
        raise TownhallError(f"{where}: '{field}' mixes kinds of period: {listed}. Write every period the same way.")
    kind = next(iter(kinds)) if kinds else "number"
    mapping = {value: result[1] for value, result in parsed.items() if result is not None}
    raw = series.map(mapping)
    if kind == "number":
        return ParsedPeriods(raw.astype("int64"), None, _FORMS[kind])
    if kind == "date" and frequency_name:  # dates counted in the periods asked for
        chosen = frequency(frequency_name)
        return ParsedPeriods(raw.map(lambda stamp: pd.Period(stamp, freq=chosen.code)), chosen, _FORMS[kind])
    found = _frequency_of(kind, list(mapping.values()), field, where)
    periods = _as_periods(kind, raw, found)
    if frequency_name and frequency_name != found.name:
        chosen = frequency(frequency_name)
        if FREQUENCY_NAMES.index(chosen.name) < FREQUENCY_NAMES.index(found.name):
            raise TownhallError(f"{where}: '{field}' holds {_FORMS[kind]} ({found.name}); they cannot be split "
                                f"into {chosen.name} periods.")
        periods = periods.map(lambda period: period.asfreq(chosen.code, how="start"))
        found = chosen
    return ParsedPeriods(periods, found, _FORMS[kind])


def _missing(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or bool(pd.isna(value))


def _frequency_of(kind: str, values: list[Any], field: str, where: str) -> Frequency:
    """The frequency a kind of label implies; for dates, the one their spacing shows."""
    if kind == "month":
        return frequency("monthly")
    if kind == "quarter":
        return frequency("quarterly")
    if kind == "week":
        return frequency("weekly")
    if kind == "year":
        return frequency("yearly")
    if kind == "financial year":
        return frequency("yearly", "Y-MAR")
    dates = np.array(sorted(set(values)), dtype="datetime64[D]")
    if dates.size < 2:
        raise TownhallError(f"{where}: '{field}' holds a single date, so there is no series over time to read.")
    gap = float(np.median(np.diff(dates).astype(np.int64)))
    if gap <= 1:
        return frequency("daily")
    if 6 <= gap <= 8:
        # A week is named by the day it starts on: dates that are all Saturdays are weeks starting on Saturday.
        weekdays = {pd.Timestamp(day).day_of_week for day in dates}
        start = weekdays.pop() if len(weekdays) == 1 else 0
        ending = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"][start]
        return frequency("weekly", f"W-{ending}")
    if 28 <= gap <= 31:
        return frequency("monthly")
    if 89 <= gap <= 92:
        return frequency("quarterly")
    if 365 <= gap <= 366:
        return frequency("yearly")
    raise TownhallError(f"{where}: the dates in '{field}' are about {gap:,.0f} days apart, which is not a daily, "
                        "weekly, monthly, quarterly or yearly series. Say which periods to count them in.")


def _as_periods(kind: str, raw: pd.Series, found: Frequency) -> pd.Series:
    if kind == "month":
        return raw.map(lambda parts: pd.Period(year=parts[0], month=parts[1], freq="M"))
    if kind == "quarter":
        return raw.map(lambda parts: pd.Period(year=parts[0], quarter=parts[1], freq="Q-DEC"))
    if kind == "week":
        return raw.map(lambda monday: pd.Period(pd.Timestamp(monday), freq="W-SUN"))
    if kind in ("year", "financial year"):
        return raw.map(lambda year: pd.Period(year=year, freq=found.code))
    return raw.map(lambda stamp: pd.Period(stamp, freq=found.code))


def period_start(periods: pd.Series | pd.PeriodIndex) -> pd.DatetimeIndex:
    """The first day of each period (how periods are stored and drawn)."""
    return pd.PeriodIndex(periods).start_time.normalize()


def period_label(period: pd.Period) -> str:
    """A period as people write it: "March 2024", "2024 Q1", "week of 5 Feb 2024", "2023/24", "2024"."""
    code = period.freqstr
    if code.startswith("M"):
        return period.strftime("%B %Y")
    if code.startswith("Q"):
        return f"{period.qyear} Q{period.quarter}"
    if code.startswith("W"):
        return f"week of {period.start_time:%-d %b %Y}"
    if code.startswith(("Y", "A")) and not code.endswith("DEC"):
        return f"{period.year - 1}/{period.year % 100:02d}"
    if code.startswith(("Y", "A")):
        return str(period.year)
    return period.strftime("%-d %b %Y")


def period_of(label: Any, like: ParsedPeriods, *, what: str = "period") -> Any:
    """One label (such as a pilot's start, "2024-04") read as a period of the same kind as ``like``'s periods."""
    parsed = _label(label)
    if parsed is None:
        raise TownhallError(f"The {what} '{label}' could not be read as a period. townhall reads {READABLE}.")
    kind, value = parsed
    if like.frequency is None:
        if kind not in ("number", "year"):
            raise TownhallError(f"The {what} '{label}' is not a period number like the panel's periods.")
        return int(value)
    code = like.frequency.code
    if kind == "number":
        raise TownhallError(f"The {what} '{label}' is a plain number; the panel's periods are {like.form}.")
    if kind == "date":
        return pd.Period(value, freq=code)
    single = _as_periods(kind, pd.Series([value]), _frequency_of(kind, [value], what, "the label")).iloc[0]
    if FREQUENCY_NAMES.index(_frequency_of(kind, [value], what, "").name) < FREQUENCY_NAMES.index(
            like.frequency.name):
        raise TownhallError(f"The {what} '{label}' is finer than the panel's {like.frequency.name} periods.")
    return single.asfreq(code, how="start")
