"""Vectorised formatting for the demo's siloed systems: dates in many styles, NHS numbers, UPNs, names and addresses.

Every function works on whole numpy/pandas columns so that a million-resident council formats in seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from townhall.identity import standardise_nhs_numbers

PERIOD_START = np.datetime64("2019-01-01", "D")
PERIOD_END = np.datetime64("2026-09-30", "D")
NOT_A_DATE = np.datetime64("NaT", "D")

_MONTH_ABBREVIATIONS = np.array(["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                 "Dec"])
_TWO_DIGITS = np.array([f"{number:02d}" for number in range(100)])
_PLAIN_NUMBERS = np.array([str(number) for number in range(100)])
_FIRST_YEAR = 1880
_YEARS = np.array([str(year) for year in range(_FIRST_YEAR, 2100)])

DATE_STYLES = ("dd/mm/yyyy", "yyyy-mm-dd", "d-MMM-yy", "dd-MMM-yyyy", "dd.mm.yyyy", "d/m/yyyy", "dd/mm/yy", "yyyymmdd")


def date_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of each datetime64[D] value (NaT gives 1970-01-01; mask it yourself)."""
    days = np.asarray(days, dtype="datetime64[D]")
    safe = np.where(np.isnat(days), np.datetime64("1970-01-01", "D"), days)
    months = safe.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (safe - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def make_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Build datetime64[D] values from year, month and day arrays (day is not range-checked)."""
    months = (np.asarray(year) - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (np.asarray(month) - 1)
    return months.astype("datetime64[D]") + (np.asarray(day) - 1)


def format_dates(days: np.ndarray, style: str) -> np.ndarray:
    """Write dates as text in one of ``DATE_STYLES``; missing dates become empty strings."""
    days = np.asarray(days, dtype="datetime64[D]")
    year, month, day = date_parts(days)
    year_text = _YEARS[np.clip(year - _FIRST_YEAR, 0, len(_YEARS) - 1)]
    add = np.strings.add
    if style == "dd/mm/yyyy":
        text = add(add(add(add(_TWO_DIGITS[day], "/"), _TWO_DIGITS[month]), "/"), year_text)
    elif style == "yyyy-mm-dd":
        text = add(add(add(add(year_text, "-"), _TWO_DIGITS[month]), "-"), _TWO_DIGITS[day])
    elif style == "d-MMM-yy":
        text = add(add(add(add(_PLAIN_NUMBERS[day], "-"), _MONTH_ABBREVIATIONS[month]), "-"), _TWO_DIGITS[year % 100])
    elif style == "dd-MMM-yyyy":
        text = add(add(add(add(_TWO_DIGITS[day], "-"), _MONTH_ABBREVIATIONS[month]), "-"), year_text)
    elif style == "dd.mm.yyyy":
        text = add(add(add(add(_TWO_DIGITS[day], "."), _TWO_DIGITS[month]), "."), year_text)
    elif style == "d/m/yyyy":
        text = add(add(add(add(_PLAIN_NUMBERS[day], "/"), _PLAIN_NUMBERS[month]), "/"), year_text)
    elif style == "dd/mm/yy":
        text = add(add(add(add(_TWO_DIGITS[day], "/"), _TWO_DIGITS[month]), "/"), _TWO_DIGITS[year % 100])
    elif style == "yyyymmdd":
        text = add(add(year_text, _TWO_DIGITS[month]), _TWO_DIGITS[day])
    else:
        raise ValueError(f"Unknown date style {style!r}; use one of {', '.join(DATE_STYLES)}")
    return np.where(np.isnat(days), "", text).astype(object)


def format_times(moments: np.ndarray, style: str = "yyyy-mm-dd HH:MM") -> np.ndarray:
    """Write datetime64 moments as text with hours and minutes: ISO-like or UK 'dd/mm/yyyy HH:MM'."""
    moments = np.asarray(moments, dtype="datetime64[m]")
    minutes = (moments - moments.astype("datetime64[D]")).astype(np.int64)
    clock = np.strings.add(np.strings.add(_TWO_DIGITS[minutes // 60], ":"), _TWO_DIGITS[minutes % 60])
    date_style = "yyyy-mm-dd" if style.startswith("yyyy") else "dd/mm/yyyy"
    dates = format_dates(moments.astype("datetime64[D]"), date_style).astype(str)
    text = np.strings.add(np.strings.add(dates, "T" if "T" in style else " "), clock)
    return np.where(np.isnat(moments), "", text).astype(object)


def swap_day_and_month(days: np.ndarray) -> np.ndarray:
    """The date read the American way round: 03/07 becomes 07/03; days after the 12th cannot swap and stay."""
    year, month, day = date_parts(days)
    swappable = (day <= 12) & ~np.isnat(days)
    swapped = make_dates(year, np.where(swappable, day, month), np.where(swappable, month, day))
    return np.where(swappable, swapped, days)


def whole_years_between(earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
    """Age-style whole years from ``earlier`` to ``later`` (birthdays counted properly)."""
    year_a, month_a, day_a = date_parts(earlier)
    year_b, month_b, day_b = date_parts(later)
    before_birthday = (month_b < month_a) | ((month_b == month_a) & (day_b < day_a))
    return year_b - year_a - before_birthday.astype(np.int64)


def add_years(days: np.ndarray, years: np.ndarray | int) -> np.ndarray:
    """The same calendar day ``years`` later (29 February becomes 1 March in other years)."""
    year, month, day = date_parts(days)
    result = make_dates(year + years, month, day)
    return np.where(np.isnat(days), NOT_A_DATE, result)


# --- NHS numbers -----------------------------------------------------------------------------------------------

_NHS_WEIGHTS = np.arange(10, 1, -1)


def nhs_check_digits(first_nine_digits: np.ndarray) -> np.ndarray:
    """Modulus-11 check digit for each row of a (n, 9) digit array; 10 means no valid check digit exists."""
    remainder = (first_nine_digits * _NHS_WEIGHTS).sum(axis=1) % 11
    check = 11 - remainder
    return np.where(check == 11, 0, check)


def new_nhs_numbers(count: int, rng: np.random.Generator) -> np.ndarray:
    """Unique, valid, fictional NHS numbers as 10-digit strings, all starting with 9 (a range never issued)."""
    chosen: list[np.ndarray] = []
    found = 0
    seen = np.empty(0, dtype=np.int64)
    while found < count:
        need = int((count - found) * 1.15) + 16
        bodies = 900_000_000 + rng.integers(0, 100_000_000, size=need, dtype=np.int64)
        digits = (bodies[:, None] // 10 ** np.arange(8, -1, -1)) % 10
        check = nhs_check_digits(digits)
        numbers = bodies[check != 10] * 10 + check[check != 10]
        numbers = numbers[~np.isin(numbers, seen)]
        _, first = np.unique(numbers, return_index=True)
        numbers = numbers[np.sort(first)][: count - found]
        chosen.append(numbers)
        seen = np.concatenate([seen, numbers])
        found += numbers.size
    return np.concatenate(chosen).astype(str).astype(object)


def nhs_number_is_valid(numbers: pd.Series) -> pd.Series:
    """Whether each value passes the product's own NHS number check, so 'deliberately wrong' means wrong to it."""
    return standardise_nhs_numbers(numbers)["nhs_number"].notna()


def spaced_nhs_numbers(numbers: np.ndarray, separator: str = " ") -> np.ndarray:
    """NHS numbers written 3-3-4 as on an NHS card, e.g. '943 476 5919'; empty stays empty."""
    text = pd.Series(numbers, dtype="str").fillna("")
    spaced = text.str.slice(0, 3) + separator + text.str.slice(3, 6) + separator + text.str.slice(6, 10)
    return np.where(text.str.len() == 10, spaced, text).astype(object)


# --- Unique pupil numbers --------------------------------------------------------------------------------------

_UPN_CHECK_LETTERS = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))


def new_unique_pupil_numbers(count: int, local_authority_code: int, rng: np.random.Generator) -> np.ndarray:
    """DfE-style UPNs: check letter, LA code, school number, year and serial (13 characters), unique."""
    serials = rng.choice(10**9, size=count, replace=False)
    body_digits = np.zeros((count, 12), dtype=np.int64)
    body_digits[:, 0:3] = [int(character) for character in f"{local_authority_code:03d}"]
    body_digits[:, 3:12] = (serials[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    weights = np.arange(2, 14)
    check = _UPN_CHECK_LETTERS[(body_digits * weights).sum(axis=1) % 23]
    bodies = pd.Series(body_digits.astype(str).tolist()).str.join("")
    return (pd.Series(check) + bodies).to_numpy(dtype=object)


# --- names and addresses ---------------------------------------------------------------------------------------


def text_column(values: np.ndarray | pd.Series) -> pd.Series:
    """A pandas string column (missing values become empty strings) with a fresh 0..n-1 index."""
    return pd.Series(np.asarray(values, dtype=object)).fillna("").astype("str")


def join_nonempty(parts: list[pd.Series], separator: str = ", ") -> pd.Series:
    """Join address or name parts row by row, skipping empty parts so no doubled separators appear."""
    result = parts[0].copy()
    for part in parts[1:]:
        both = (result != "") & (part != "")
        result = result.where(~both, result + separator + part)
        result = result.where(result != "", part)
    return result
