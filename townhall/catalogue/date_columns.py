"""Date columns in any format at registration: the format decided from every distinct value of the column (not only
the UK forms the SQL parser knows), and a lookup table that converts each value the way the column was read.

A column whose sample looks like dates (or, when its name says it holds dates, like Excel serial numbers) has its
distinct values read by ``date_formats.detect_date_format``; if at least 95% of its values give a date, the column
is stored as dates through a lookup from each distinct text to its date. The choice (format, order of day and
month, ambiguous values, two-digit years) is kept in the field's facts and shown by ``townhall sources``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import duckdb

from townhall.catalogue.date_formats import DateFormatChoice, date_shape, detect_date_format, read_dates, read_shape
from townhall.catalogue.tagging import name_words, names_an_event, tags_from_name

# A column with more distinct values than this (timestamps of a long event log) keeps the SQL parser for UK dates.
MAX_DISTINCT_VALUES = 200_000
# What a date looks like, for the sample: numbers with separators, 7-8 digits, or a month name beside numbers.
DATE_LIKE_PATTERN = (
    r"(?:[0-9]{1,4}[-/. ][0-9]{1,2}[-/. ][0-9]{2,4}(?:[T ].*)?"
    r"|[0-9]{7,8}"
    r"|(?:[A-Za-z]+\.?,? )?[0-9]{1,2}(?:st|nd|rd|th)?[ /-]+[A-Za-z]{3,9}\.?,?[ /-]+[0-9]{2,4}(?: .*)?"
    r"|(?:[A-Za-z]+\.?,? )?[A-Za-z]{3,9}\.? [0-9]{1,2}(?:st|nd|rd|th)?,? [0-9]{2,4}(?: .*)?)"
)
SERIAL_PATTERN = r"[0-9]{1,5}(?:\.[0-9]+)?"
_DATE_NAME_WORDS = {"date", "dob", "dt", "dte", "born", "birth", "birthday", "day", "when", "on"}


def names_a_date(column_name: str) -> bool:
    """Whether a column's name says it holds dates ('Date of birth', 'dob', 'start_dt', 'BirthDate', 'paid on')."""
    words = name_words(column_name)
    squashed = "".join(words)
    return bool(set(words) & _DATE_NAME_WORDS) or "date" in squashed or "dob" in words or \
        "date_of_birth" in tags_from_name(column_name)


@dataclass
class DetectedDates:
    """A column read as dates through a lookup table: the choice, the table, and figures for tagging."""

    choice: DateFormatChoice
    lookup: str  # temporary table (v VARCHAR, t TIMESTAMP)
    data_type: str  # "date" or "datetime"
    birth_share: float  # share of values between 1900 and today, as a date of birth would be
    year_spread: float  # years between the 5th and 95th percentile

    def conversion(self, column: str) -> tuple[str, str]:
        """The stored SQL type and the expression converting a staging column through the lookup."""
        found = f"(SELECT t FROM {self.lookup} WHERE v = {column})"
        return ("TIMESTAMP", found) if self.data_type == "datetime" else ("DATE", f"CAST({found} AS DATE)")

    def facts(self) -> dict[str, object]:
        """What is kept about the choice in the field's facts."""
        return {
            "date_format": self.choice.summary, "date_formats": list(self.choice.formats),
            "date_format_reason": self.choice.reason, "date_ambiguous": self.choice.ambiguous,
            "date_day_first": self.choice.day_first,
        }


def _quantile(pairs: list[tuple[int, int]], share: float) -> int:
    """The weighted quantile of (value, count) pairs sorted by value."""
    total = sum(count for _value, count in pairs)
    running = 0
    for value, count in pairs:
        running += count
        if running >= share * total:
            return value
    return pairs[-1][0]


def _birth_share(values: list[str], counts: list[int], choice: DateFormatChoice, today: date) -> float:
    """Share of a column's values that read as a date between 1900 and today under a choice."""
    inside = sum(count for parsed, count in zip(read_dates(values, choice), counts, strict=True)
                 if parsed is not None and date(1900, 1, 1) <= parsed <= today)
    return inside / choice.values if choice.values else 0.0


def detect_date_column(connection: duckdb.DuckDBPyConnection, index: int, column_name: str, *, date_like: float,
                       serials: float, type_share: float) -> DetectedDates | None:
    """Read staging column ``c<index>`` as dates if its values say so; None when they do not (or there are too many
    different values to read in Python). ``date_like`` and ``serials`` are the sample's shares of values shaped like
    dates and like Excel serials."""
    if date_like < type_share and not (serials >= type_share and names_a_date(column_name)):
        return None
    column = f"c{index}"
    rows = connection.execute(
        f"SELECT {column}, count(*) FROM staging WHERE {column} IS NOT NULL GROUP BY {column} "
        f"LIMIT {MAX_DISTINCT_VALUES + 1}"
    ).fetchall()
    if not rows or len(rows) > MAX_DISTINCT_VALUES:
        return None
    values = [row[0] for row in rows]
    counts = [int(row[1]) for row in rows]
    birth = "date_of_birth" in tags_from_name(column_name)
    today = date.today()
    choice = detect_date_format(values, counts, birth_date=birth, today=today if birth else None)
    if choice.two_digit_years and not birth and not names_an_event(column_name):
        # Two-digit years in a column that may hold dates of birth: read them as birth dates (never in the future)
        # when more of them then look like dates of birth, enough to be tagged so ('15/03/28' is then 1928).
        as_births = detect_date_format(values, counts, birth_date=True, today=today)
        share = _birth_share(values, counts, as_births, today)
        if share >= type_share and share > _birth_share(values, counts, choice, today):
            choice = as_births
    if not choice.values or choice.parsed < type_share * choice.values:
        return None
    if choice.reading.excel_serials and not names_a_date(column_name):
        return None
    texts: list[str] = []
    stamps: list[datetime] = []
    years: list[tuple[int, int]] = []
    plausible = 0
    for value, count in zip(values, counts, strict=True):
        shape = date_shape(value)
        parsed = read_shape(shape, choice.reading)
        if parsed is None:
            continue
        texts.append(value)
        stamps.append(datetime.combine(parsed, shape.time or time(0, 0)))
        years.append((parsed.year, count))
        plausible += count if date(1900, 1, 1) <= parsed <= today else 0
    import pyarrow as pa  # only when registering a date column: listing sources must not pay for it

    lookup = f"th_dates_{index}"
    connection.register("th_date_rows", pa.table({"v": pa.array(texts, pa.string()),
                                                  "t": pa.array(stamps, pa.timestamp("us"))}))
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {lookup} AS SELECT * FROM th_date_rows")
    connection.unregister("th_date_rows")
    years.sort()
    return DetectedDates(
        choice=choice, lookup=lookup, data_type="datetime" if choice.has_times else "date",
        birth_share=plausible / choice.values, year_spread=_quantile(years, 0.95) - _quantile(years, 0.05),
    )
