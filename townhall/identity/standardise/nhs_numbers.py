"""NHS numbers: the 10-digit form used for linkage, with the reason an unusable one was set aside.

An invalid NHS number is dropped as an identifier, never the record that carries it: the standardised value is
None and the reason says why (``NHS_NUMBER_PROBLEMS``). The validity rule (modulus-11 check digit, no one-digit
placeholders) is the catalogue's: ``nhs_number_is_valid`` for one value, and for a column its matching DuckDB macro
(``th_nhs_number_is_valid``, tested by the catalogue to agree), because NHS numbers hardly repeat and a million
distinct values checked one by one in Python take several seconds.
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from townhall.catalogue.validation import WHITESPACE, install_sql_macros, nhs_number_is_valid
from townhall.identity.standardise._series import STRING_DTYPE, as_text

NOT_A_NUMBER = "not a number"
WRONG_LENGTH = "wrong length"
PLACEHOLDER = "placeholder"
BAD_CHECK_DIGIT = "bad check digit"
NHS_NUMBER_PROBLEMS = (NOT_A_NUMBER, WRONG_LENGTH, PLACEHOLDER, BAD_CHECK_DIGIT)


class StandardNhsNumber(NamedTuple):
    """An NHS number as 10 digits, or None with the problem found; both None when the value was blank."""

    nhs_number: str | None
    problem: str | None


def check_nhs_number(text: object) -> StandardNhsNumber:
    """The NHS number as 10 digits ('943 476 5919' -> '9434765919'), or None and why it cannot be used."""
    raw = as_text(text)
    cleaned = raw.strip(WHITESPACE) if raw is not None else ""
    if not cleaned:
        return StandardNhsNumber(None, None)
    compact = cleaned.replace(" ", "").replace("-", "")
    if nhs_number_is_valid(cleaned):
        return StandardNhsNumber(compact, None)
    if not (compact.isascii() and compact.isdigit()):
        return StandardNhsNumber(None, NOT_A_NUMBER)
    if len(compact) != 10:
        return StandardNhsNumber(None, WRONG_LENGTH)
    if compact == compact[0] * 10:
        return StandardNhsNumber(None, PLACEHOLDER)
    return StandardNhsNumber(None, BAD_CHECK_DIGIT)


def standardise_nhs_number(text: object) -> str | None:
    """A valid NHS number as 10 digits without spaces, or None when it is blank or not valid."""
    return check_nhs_number(text).nhs_number


def _valid_in_duckdb(cleaned: pd.Series) -> np.ndarray:
    """nhs_number_is_valid for every value of a text column at once, by the catalogue's DuckDB macro."""
    connection = duckdb.connect()
    try:
        install_sql_macros(connection)
        connection.register("nhs_values", pa.table({"v": pa.array(cleaned.array, type=pa.string())}))
        # DuckDB keeps insertion order for a plain projection (preserve_insertion_order is on by default).
        result = connection.execute("SELECT coalesce(th_nhs_number_is_valid(v), false) AS valid FROM nhs_values")
        return np.asarray(result.fetchnumpy()["valid"], dtype=bool)
    finally:
        connection.close()


def standardise_nhs_numbers(series: pd.Series) -> pd.DataFrame:
    """check_nhs_number over a column: columns nhs_number and problem, one row per input row (none dropped).

    Works on the distinct values with vectorised string operations; the result equals check_nhs_number's.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if isinstance(series.dtype, pd.StringDtype):
        texts = pd.Series(pd.array(uniques, dtype=STRING_DTYPE))
    else:
        texts = pd.Series(pd.array([as_text(value) for value in uniques], dtype=STRING_DTYPE))
    cleaned = texts.str.strip(WHITESPACE)
    compact = cleaned.str.replace(" ", "", regex=False).str.replace("-", "", regex=False)
    blank = (cleaned.isna() | (cleaned == "")).to_numpy(dtype=bool)
    valid = _valid_in_duckdb(cleaned) if len(cleaned) else np.zeros(0, dtype=bool)
    digits = compact.str.fullmatch("[0-9]+").fillna(False).to_numpy(dtype=bool)
    ten_long = (compact.str.len() == 10).fillna(False).to_numpy(dtype=bool)
    placeholder = compact.isin([digit * 10 for digit in "0123456789"]).to_numpy(dtype=bool)
    problems = np.select(
        [blank | valid, ~digits, ~ten_long, placeholder],
        [None, NOT_A_NUMBER, WRONG_LENGTH, PLACEHOLDER],
        default=BAD_CHECK_DIGIT,
    ).astype(object)
    numbers = compact.where(pd.Series(valid & ~blank, index=compact.index))
    return pd.DataFrame(
        {
            "nhs_number": pd.array(numbers, dtype=STRING_DTYPE).take(codes, allow_fill=True),
            "problem": pd.array(problems, dtype=STRING_DTYPE).take(codes, allow_fill=True),
        },
        index=series.index,
    )
