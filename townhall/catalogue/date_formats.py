"""Dates in whatever format a file wrote them: the format decided from a column's values, then every value read.

A column of dates says how it was written. ``19151111`` can only be yyyymmdd; ``11/23/1962`` only month first;
``05/03/1962`` either way, so the column decides: month first only where some value's second part is above 12 and
(almost) none has a first part above 12, otherwise day first, the UK reading. Whole numbers between 1 and 73,050 in a
column of nothing else are Excel's serial day numbers (1900 date system). Two-digit years follow a stated pivot.
Each value is read on its own shape, so a column mixing ISO, dd/mm/yyyy and yyyymmdd rows is read row by row.

``detect_date_format`` returns a ``DateFormatChoice``: the format(s) found, the order chosen and why, how many values
were ambiguous, read and not read. ``read_dates`` reads values with a chosen ``DateReading``. Both work on distinct
values (with their row counts), so a million-row column costs one pass over its few thousand different dates. No
value is ever put in a report: only counts, format names and row numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

# Whitespace trimmed from values (as in validation.WHITESPACE, repeated here to keep this module free of DuckDB).
_WHITESPACE = " \t\r\n\xa0"

# Two-digit years without a stated latest date follow Excel: 00-29 are 2000-2029, 30-99 are 1930-1999.
TWO_DIGIT_YEAR_PIVOT = 30
# Excel's 1900 date system: serial 1 is 1 Jan 1900, and serial 60 is the 29 Feb 1900 that never was.
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_FAKE_LEAP_DAY = 60
EXCEL_LATEST_SERIAL = 73_050  # 31 Dec 2099
# A column of whole numbers is read as Excel serials only when most are after this (1 Jan 1910): small whole numbers
# (counts, ages, codes) are not dates.
EXCEL_TYPICAL_SERIAL = 3_654
# Month-first is chosen when values only month-first can read outnumber day-first ones at least this many to one; a
# stray day-first value in a US file is then left unread rather than turning the whole column round.
MONTH_FIRST_MAJORITY = 100
# Compact dates (yyyymmdd, ddmmyyyy) must have a year in this range: other 8-digit numbers are not dates.
COMPACT_YEARS = range(1800, 2200)
# A column is read as dates of a format when at least this share of its values fit (as type inference does).
EXAMPLE_ROWS = 5

YEAR_FIRST = "year first"
DAY_MONTH = "day and month"
YYYYMMDD = "yyyymmdd"
NAMED_DAY_FIRST = "day month-name year"
NAMED_MONTH_FIRST = "month-name day year"
SERIAL = "number"
DATE_VALUE = "date value"
BLANK = "blank"
NOT_A_DATE = "not a date"

_MONTH_NUMBERS: dict[str, int] = {}
for _number, _name in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                  "september", "october", "november", "december"), start=1):
    _MONTH_NUMBERS[_name] = _number
    _MONTH_NUMBERS[_name[:3]] = _number
_MONTH_NUMBERS["sept"] = 9

_TIME = re.compile(
    r"(?:T|\s+)([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]{1,9})?)?\s*([AaPp]\.?[Mm]\.?)?"
    r"\s*(?:Z|[+-][0-9]{2}:?[0-9]{2}|UTC|GMT)?"
)
_YEAR_FIRST = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_DAY_MONTH = re.compile(r"([0-9]{1,2})([-/. ])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})")
_COMPACT = re.compile(r"[0-9]{7,8}")
_SERIAL = re.compile(r"[0-9]{1,5}(?:\.[0-9]+)?")
_WEEKDAY = re.compile(r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+")
_NAMED_PUNCTUATION = re.compile(r"[\s,./-]+")
_NAMED_DAY_FIRST = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)? ([a-z]+) ([0-9]{4}|[0-9]{2})")
_LETTER = re.compile(r"[^\W\d_]")
_MIDNIGHT = time(0, 0)
_NAMED_MONTH_FIRST = re.compile(r"([a-z]+) ([0-9]{1,2})(?:st|nd|rd|th)? ([0-9]{4}|[0-9]{2})")


class Shape(NamedTuple):
    """What a value looks like as a date, before the column decides how to read it.

    ``first`` and ``second`` are the two numbers before the year for day-and-month shapes (day and month for the
    others); ``year`` is the year as written (two or four digits); ``style`` names the written form for reports.
    """

    kind: str
    first: int = 0
    second: int = 0
    year: str = ""
    style: str = ""
    has_time: bool = False
    time: time | None = None
    value: date | None = None


_NOT_A_DATE = Shape(NOT_A_DATE)
_BLANK = Shape(BLANK)


@dataclass(frozen=True)
class DateReading:
    """How to read a column's dates: the order of day and month, whether numbers are Excel serials, and the latest
    date a two-digit year may give (``not_after``, used for birth dates; otherwise Excel's 1930-2029 window)."""

    day_first: bool = True
    excel_serials: bool = False
    not_after: date | None = None

    def two_digit_years(self) -> str:
        """How two-digit years are read, in words."""
        if self.not_after is not None:
            return (f"the latest year not after {self.not_after.day} {self.not_after:%b %Y} (a date of birth is "
                    "never in the future)")
        return (f"00-{TWO_DIGIT_YEAR_PIVOT - 1:02d} as 20{0:02d}-20{TWO_DIGIT_YEAR_PIVOT - 1:02d} and "
                f"{TWO_DIGIT_YEAR_PIVOT}-99 as 19{TWO_DIGIT_YEAR_PIVOT}-1999 (Excel's rule)")


UK_READING = DateReading()


@dataclass
class ColumnReport:
    """What standardising a column did: how many values it had, how many gave a result, examples of those that did
    not (row labels only, never values) and why it read the column the way it did."""

    values: int = 0  # filled (non-blank) values
    kept: int = 0  # values that gave a standardised result
    unusable_rows: tuple[object, ...] = ()  # up to EXAMPLE_ROWS row labels of values that gave none
    reason: str = ""

    @property
    def unusable(self) -> int:
        """Filled values that gave no standardised result."""
        return self.values - self.kept

    def kept_share(self, rows: int | None = None) -> float:
        """Share of ``rows`` (default: of the filled values) that have a standardised result."""
        total = self.values if rows is None else rows
        return self.kept / total if total else 0.0


@dataclass
class DateFormatChoice(ColumnReport):
    """The date format(s) a column was read in, and the figures behind the choice.

    ``formats`` names the written forms found, most common first (e.g. ``("dd/mm/yyyy", "yyyy-mm-dd")``), with their
    row counts in ``format_counts``. ``reading`` is what the column decided (order, Excel serials, two-digit years).
    ``ambiguous`` counts values that read as a date both day first and month first (03/04/1980), ``unusable``
    (also ``unparsed``) those that gave no date. ``two_digit_years`` says how two-digit years were read, when any were.
    """

    formats: tuple[str, ...] = ()
    format_counts: dict[str, int] = field(default_factory=dict)
    reading: DateReading = UK_READING
    ambiguous: int = 0
    day_first_only: int = 0  # values only a day-first reading can read (a first part above 12)
    month_first_only: int = 0  # values only a month-first reading can read (a second part above 12)
    two_digit_years: str | None = None
    has_times: bool = False  # some value carries a time other than midnight

    @property
    def parsed(self) -> int:
        """Values read as a date."""
        return self.kept

    @property
    def unparsed(self) -> int:
        """Filled values that gave no date."""
        return self.unusable

    @property
    def day_first(self) -> bool:
        """Whether numeric dates were read day first (the UK order)."""
        return self.reading.day_first

    @property
    def summary(self) -> str:
        """One line for listings: 'dd/mm/yyyy (ambiguous, UK order assumed)', 'yyyymmdd', 'Excel serial ...'."""
        if not self.formats:
            return "no dates"
        text = ", ".join(self.formats[:3]) + (f" and {len(self.formats) - 3} more" if len(self.formats) > 3 else "")
        if self.ambiguous and self.reading.day_first and not self.day_first_only:
            text += " (day/month order ambiguous: UK order assumed)"
        return text


def _trimmed(value: object) -> str | None:
    """The value as trimmed text; None when blank. Whole-number floats lose their '.0' (19151111.0 -> '19151111')."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    elif isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
    else:
        text = str(value)
    text = text.strip(_WHITESPACE)
    return text or None


def _split_time(text: str) -> tuple[str, time | None, bool]:
    """The date part of a value, its time (None when there is none) and whether a time was written but invalid."""
    if ":" not in text:
        return text, None, False
    match = _TIME.search(text)
    if not match or match.end() != len(text) or match.start() == 0:
        return text, None, True
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    meridiem = (match.group(4) or "").lower().replace(".", "")
    if meridiem:
        if not 1 <= hour <= 12:
            return text, None, True
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return text, None, True
    return text[: match.start()], time(hour, minute, second), False


def _named_shape(text: str, found: time | None) -> Shape:
    """A date written with a month name: '5 Mar 1962', '5th March 1962', 'March 5, 1962', 'Tue 5-Mar-62'."""
    lowered = _WEEKDAY.sub("", text.lower(), count=1) if text[:1].isalpha() else text.lower()
    squashed = _NAMED_PUNCTUATION.sub(" ", lowered).strip()
    has_time = found is not None and found != time(0, 0)
    if match := _NAMED_DAY_FIRST.fullmatch(squashed):
        month = _MONTH_NUMBERS.get(match.group(2))
        if month:
            return Shape(NAMED_DAY_FIRST, int(match.group(1)), month, match.group(3),
                         "d Month yyyy" if len(match.group(3)) == 4 else "d Month yy", has_time, found)
    if match := _NAMED_MONTH_FIRST.fullmatch(squashed):
        month = _MONTH_NUMBERS.get(match.group(1))
        if month:
            return Shape(NAMED_MONTH_FIRST, int(match.group(2)), month, match.group(3),
                         "Month d, yyyy" if len(match.group(3)) == 4 else "Month d, yy", has_time, found)
    return _NOT_A_DATE


def date_shape(value: object) -> Shape:
    """What a single value looks like as a date (its kind and parts), without deciding how a column reads it."""
    if isinstance(value, str):
        text = value.strip(_WHITESPACE)
        if not text:
            return _BLANK
    elif isinstance(value, datetime):  # pandas Timestamps included; NaT is a datetime too
        if value != value:  # NaT
            return _BLANK
        return Shape(DATE_VALUE, style="date values", has_time=value.time() != time(0, 0), time=value.time(),
                     value=value.date())
    elif isinstance(value, date):
        return Shape(DATE_VALUE, style="date values", value=value)
    else:
        trimmed = _trimmed(value)
        if trimmed is None:
            return _BLANK
        text = trimmed
    found = None
    if ":" in text:
        text, found, bad_time = _split_time(text)
        if bad_time:
            return _NOT_A_DATE
    if _LETTER.search(text):
        return _named_shape(text, found)
    if not text[:1].isdigit():
        return _NOT_A_DATE
    has_time = found is not None and found != _MIDNIGHT
    suffix = " hh:mm" if found is not None else ""
    if match := _DAY_MONTH.fullmatch(text):
        first, separator, second, year = match.groups()
        return Shape(DAY_MONTH, int(first), int(second), year,
                     separator + ("yyyy" if len(year) == 4 else "yy") + suffix, has_time, found)
    if match := _YEAR_FIRST.fullmatch(text):
        year, separator, month, day = match.groups()
        return Shape(YEAR_FIRST, int(day), int(month), year, f"yyyy{separator}mm{separator}dd{suffix}", has_time,
                     found)
    if found is None and _COMPACT.fullmatch(text):
        return _compact_shape(text.zfill(8))
    if found is None and _SERIAL.fullmatch(text):
        number = float(text)
        return Shape(SERIAL, int(number), style="Excel serial day number", has_time=not number.is_integer())
    return _NOT_A_DATE


def _compact_shape(digits: str) -> Shape:
    """Eight digits: yyyymmdd when that is a real day, else ddmmyyyy/mmddyyyy (decided by the column).

    With years limited to COMPACT_YEARS the two readings never both give a day: a yyyymmdd date has a month of 01-12
    where a ddmmyyyy year would need 18-21, so each value is unambiguous on its own.
    """
    head, tail = int(digits[:4]), int(digits[4:])
    if head in COMPACT_YEARS and _valid(head, int(digits[4:6]), int(digits[6:])):
        return Shape(YYYYMMDD, int(digits[6:]), int(digits[4:6]), digits[:4], "yyyymmdd")
    if tail in COMPACT_YEARS:
        return Shape(DAY_MONTH, int(digits[:2]), int(digits[2:4]), digits[4:], "")
    if head in COMPACT_YEARS:
        return Shape(YYYYMMDD, int(digits[6:]), int(digits[4:6]), digits[:4], "yyyymmdd")
    return _NOT_A_DATE


def _valid(year: int, month: int, day: int) -> bool:
    """Whether the day exists (31/02 does not)."""
    if not (1 <= month <= 12 and day >= 1):
        return False
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return day <= (29 if leap else 28)
    return day <= (30 if month in (4, 6, 9, 11) else 31)


def _full_year(year: str, month: int, day: int, reading: DateReading) -> int:
    """A four-digit year from the year as written, by the reading's two-digit rule."""
    value = int(year)
    if len(year) != 2:
        return value
    if reading.not_after is not None:
        latest = reading.not_after
        full = latest.year // 100 * 100 + value
        if full > latest.year or (full == latest.year and (month, day) > (latest.month, latest.day)):
            full -= 100
        return full
    return 2000 + value if value < TWO_DIGIT_YEAR_PIVOT else 1900 + value


def read_shape(shape: Shape, reading: DateReading) -> date | None:
    """The date a shaped value gives under a reading, or None (not a date, or no such day)."""
    kind = shape.kind
    if kind == DATE_VALUE:
        return shape.value
    if kind == SERIAL:
        if not reading.excel_serials or not 1 <= shape.first <= EXCEL_LATEST_SERIAL \
                or shape.first == EXCEL_FAKE_LEAP_DAY:
            return None
        # Excel counts 29 Feb 1900 as a day, so serials before it are one day later than the epoch suggests.
        offset = shape.first + (1 if shape.first < EXCEL_FAKE_LEAP_DAY else 0)
        return EXCEL_EPOCH + timedelta(days=offset)
    if kind == DAY_MONTH:
        day, month = (shape.first, shape.second) if reading.day_first else (shape.second, shape.first)
    elif kind in (YEAR_FIRST, YYYYMMDD, NAMED_DAY_FIRST, NAMED_MONTH_FIRST):
        day, month = shape.first, shape.second
    else:
        return None
    if not 1 <= month <= 12:
        return None
    year = _full_year(shape.year, month, day, reading)
    if not _valid(year, month, day) or year < 1:
        return None
    return date(year, month, day)


def style_of(shape: Shape, reading: DateReading) -> str:
    """The written form of a shaped value in a report: 'dd/mm/yyyy', 'mm/dd/yy', 'ddmmyyyy', 'yyyy-mm-dd hh:mm'."""
    if shape.kind != DAY_MONTH:
        return shape.style
    order = ("dd", "mm") if reading.day_first else ("mm", "dd")
    if not shape.style:  # compact: ddmmyyyy or mmddyyyy
        return f"{order[0]}{order[1]}yyyy"
    separator, rest = shape.style[0], shape.style[1:]
    return f"{order[0]}{separator}{order[1]}{separator}{rest}"


def is_shaped(shape: Shape) -> bool:
    """Whether a value has the shape of a date in a known format, even if no such day exists (31/02/2024)."""
    return shape.kind not in (NOT_A_DATE, SERIAL, BLANK)


def count_text(number: int, singular: str, plural: str | None = None) -> str:
    """'1 value', '2 values', '1,204 values have': a count with its noun in the right number."""
    return f"{number:,} {singular if number == 1 else (plural or singular + 's')}"


def choose_reading(shapes: Sequence[Shape], counts: Sequence[int], *, birth_date: bool = False,
                   today: date | None = None) -> tuple[DateReading, list[str]]:
    """The reading a column's shapes call for, and the reasons in words (see the module's rules)."""
    filled = day_only = month_only = serial_rows = serial_typical = serial_in_range = 0
    for shape, count in zip(shapes, counts, strict=True):
        if shape.kind == BLANK:
            continue
        filled += count
        if shape.kind == DAY_MONTH:
            first, second = shape.first, shape.second
            if 12 < first <= 31 and 1 <= second <= 12:
                day_only += count
            elif 12 < second <= 31 and 1 <= first <= 12:
                month_only += count
        elif shape.kind == SERIAL:
            serial_rows += count
            if 1 <= shape.first <= EXCEL_LATEST_SERIAL:
                serial_in_range += count
                if shape.first >= EXCEL_TYPICAL_SERIAL:
                    serial_typical += count
    reasons: list[str] = []
    excel = bool(filled and serial_rows >= 0.95 * filled and serial_in_range >= 0.95 * serial_rows
                 and serial_typical * 2 >= serial_rows)
    if excel:
        reasons.append("The values are whole numbers in the range of Excel's serial day numbers, so they are read as "
                       "Excel dates (1900 date system: 1 is 1 Jan 1900).")
    month_first = month_only > 0 and day_only * MONTH_FIRST_MAJORITY <= month_only
    if month_first:
        against = "none has" if not day_only else count_text(day_only, "value has", "values have")
        reasons.append(f"Month first (US order): {count_text(month_only, 'value has', 'values have')} a second "
                       f"part above 12 and {against} a first part above 12.")
    elif day_only and month_only:
        reasons.append(f"Day first (UK order): {count_text(day_only, 'value')} can only be read day first but "
                       f"{count_text(month_only, 'value')} only month first; the column mixes orders, so the "
                       f"month-first {'one is' if month_only == 1 else 'ones are'} left unread.")
    elif day_only:
        reasons.append(f"Day first (UK order): {count_text(day_only, 'value has', 'values have')} a first part "
                       "above 12.")
    not_after = today if birth_date else None
    return DateReading(day_first=not month_first, excel_serials=excel, not_after=not_after), reasons


def describe_choice(shapes: Sequence[Shape], counts: Sequence[int], reading: DateReading, reasons: list[str],
                    results: Sequence[date | None]) -> DateFormatChoice:
    """The report for a column: format counts, ambiguity, values read and not read, and the reasons in words."""
    filled = kept = ambiguous = day_only = month_only = 0
    two_digit = has_times = False
    by_style: dict[tuple[str, str], int] = {}
    for shape, count, result in zip(shapes, counts, results, strict=True):
        kind = shape.kind
        if kind == BLANK:
            continue
        filled += count
        if kind == DAY_MONTH:
            first, second = shape.first, shape.second
            if 1 <= first <= 12 and 1 <= second <= 12 and first != second:
                ambiguous += count
            elif 12 < first <= 31 and 1 <= second <= 12:
                day_only += count
            elif 12 < second <= 31 and 1 <= first <= 12:
                month_only += count
        if result is None:
            continue
        kept += count
        key = (kind, shape.style)
        by_style[key] = by_style.get(key, 0) + count
        if len(shape.year) == 2:
            two_digit = True
        if shape.has_time:
            has_times = True
    format_counts: dict[str, int] = {}
    for (kind, style), count in by_style.items():
        name = style_of(Shape(kind, style=style), reading)
        format_counts[name] = format_counts.get(name, 0) + count
    formats = tuple(sorted(format_counts, key=lambda style: -format_counts[style]))
    reasons = list(reasons)
    if ambiguous and reading.day_first and not day_only and not month_only:
        reasons.append(f"Every day-and-month value could be read either way ({count_text(ambiguous, 'value')} "
                       "ambiguous, such as 03/04 for 3 April or 4 March), so the UK order (day first) was chosen.")
    elif ambiguous:
        reasons.append(f"{count_text(ambiguous, 'value')} could be read either way; "
                       f"{'day' if reading.day_first else 'month'} first was used for them as for the rest.")
    two_digit_years = reading.two_digit_years() if two_digit else None
    if two_digit_years:
        reasons.append(f"Two-digit years are read as {two_digit_years}.")
    if filled and kept < filled:
        reasons.append(f"{count_text(filled - kept, 'value')} of {filled:,} could not be read as a date.")
    if formats:
        reasons.insert(0, f"Read {kept:,} of {filled:,} values as dates, written as {', '.join(formats)}.")
    elif filled:
        reasons.insert(0, f"None of the {filled:,} values could be read as a date.")
    return DateFormatChoice(
        values=filled, kept=kept, reason=" ".join(reasons), formats=formats, format_counts=format_counts,
        reading=reading, ambiguous=ambiguous, day_first_only=day_only, month_first_only=month_only,
        two_digit_years=two_digit_years, has_times=has_times,
    )


def detect_date_format(values: Sequence[object], counts: Sequence[int] | None = None, *, birth_date: bool = False,
                       today: date | None = None) -> DateFormatChoice:
    """Decide how a column's dates are written from its values, and report the choice.

    ``values`` are the column's values, or its distinct values with ``counts`` (rows holding each). For birth dates
    with ``today`` given, two-digit years give the latest year that is not in the future. ``unusable_rows`` is left
    empty here: callers that know the rows fill it in (``standardise_dates`` does).
    """
    shapes = [date_shape(value) for value in values]
    weights = list(counts) if counts is not None else [1] * len(shapes)
    reading, reasons = choose_reading(shapes, weights, birth_date=birth_date, today=today)
    return describe_choice(shapes, weights, reading, reasons, [read_shape(shape, reading) for shape in shapes])


def read_dates(values: Sequence[object], reading: DateReading | DateFormatChoice = UK_READING) -> list[date | None]:
    """Each value read as a date under a reading (or the reading of a ``DateFormatChoice``); None where none."""
    chosen = reading.reading if isinstance(reading, DateFormatChoice) else reading
    return [read_shape(date_shape(value), chosen) for value in values]


def with_rows(choice: DateFormatChoice, rows: Sequence[object]) -> DateFormatChoice:
    """The choice with example row labels of values that gave no date."""
    return replace(choice, unusable_rows=tuple(rows[:EXAMPLE_ROWS]))
