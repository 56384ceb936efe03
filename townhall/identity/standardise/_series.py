"""Run a one-value standardiser over a pandas Series by working on each distinct value once, then mapping back.

Identity columns repeat a lot (a million rows of first names hold a few thousand distinct names), so computing each
distinct value once keeps the Python work small while the scalar function stays the single source of truth: the
vectorised and one-value versions cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from townhall.catalogue.date_formats import EXAMPLE_ROWS, ColumnReport

STRING_DTYPE = "str"


def as_text(value: object) -> str | None:
    """A cell as text, or None when missing; whole-number floats lose their '.0' (spreadsheets turn ids into floats)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _distinct(series: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Codes into the distinct values (-1 for missing) and the distinct values themselves."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    # tolist() converts at C speed; list() would step through an Arrow-backed index one value at a time.
    return np.asarray(codes), uniques.tolist()


def as_series(values: Sequence[Any] | pd.Series) -> pd.Series:
    """Values as a Series (a list becomes an object Series with a 0-based index)."""
    return values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)


def distinct_with_counts(series: pd.Series) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """Codes into the distinct values (-1 for missing), the distinct values, and how many rows hold each."""
    codes, uniques = _distinct(series)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)) if len(uniques) else np.zeros(0, dtype=np.int64)
    return codes, uniques, counts


def map_distinct(series: pd.Series, function: Callable[[Any], Any], dtype: Any = STRING_DTYPE) -> pd.Series:
    """``series.map(function)`` computed once per distinct value; missing cells give a missing result."""
    codes, uniques = _distinct(series)
    results = [function(value) for value in uniques]
    if dtype is object:
        table = np.empty(len(results) + 1, dtype=object)
        table[: len(results)] = results if results else []
        table[-1] = None
        values = table[codes]
        return pd.Series(values, index=series.index, name=series.name, dtype=object)
    array = pd.array(results, dtype=dtype) if results else pd.array([], dtype=dtype)
    values = array.take(codes, allow_fill=True)
    return pd.Series(values, index=series.index, name=series.name)


def map_distinct_to_frame(series: pd.Series, function: Callable[[Any], Sequence[Any] | None],
                          columns: Sequence[str], dtypes: Sequence[Any] | None = None) -> pd.DataFrame:
    """Like map_distinct for a function returning a fixed-length tuple (or None): one column per tuple position."""
    codes, uniques = _distinct(series)
    results = [function(value) for value in uniques]
    dtypes = list(dtypes) if dtypes is not None else [STRING_DTYPE] * len(columns)
    frame: dict[str, Any] = {}
    for position, (column, dtype) in enumerate(zip(columns, dtypes, strict=True)):
        column_values = [None if result is None else result[position] for result in results]
        array = pd.array(column_values, dtype=dtype) if column_values else pd.array([], dtype=dtype)
        frame[column] = array.take(codes, allow_fill=True)
    return pd.DataFrame(frame, index=series.index)


def map_distinct_to_lists(series: pd.Series, function: Callable[[Any], Sequence[str]]) -> pd.Series:
    """A Series of Python lists (one per row, shared between equal values) for array comparisons such as Splink's."""
    codes, uniques = _distinct(series)
    results = [list(function(value)) for value in uniques]
    table = np.empty(len(results) + 1, dtype=object)
    for position, result in enumerate(results):
        table[position] = result
    table[-1] = None
    return pd.Series(table[codes], index=series.index, name=series.name, dtype=object)


def report_figures(series: pd.Series, codes: np.ndarray, uniques: list[Any], counts: np.ndarray,
                   results: Sequence[Any]) -> tuple[int, int, tuple[Any, ...]]:
    """Filled values, values with a result, and the first few row labels of filled values without one.

    A value is filled when it has text after trimming; a result is anything but None.
    """
    filled_flags = np.array([bool((text := as_text(value)) and text.strip()) for value in uniques] + [False])
    kept_flags = np.array([result is not None for result in results] + [False])
    filled = int(counts[filled_flags[:-1]].sum()) if len(uniques) else 0
    kept = int(counts[kept_flags[:-1] & filled_flags[:-1]].sum()) if len(uniques) else 0
    failing = filled_flags & ~kept_flags
    rows = tuple(series.index[np.flatnonzero(failing[codes])[:EXAMPLE_ROWS]])
    return filled, kept, rows


def map_distinct_reported(series: Sequence[Any] | pd.Series, function: Callable[[Any], Any],
                          reason: Callable[[int, int], str]) -> pd.Series:
    """map_distinct with a ColumnReport in ``result.attrs["report"]``: filled values, values kept after cleaning,
    example rows of those that were not, and ``reason(filled, kept)`` in words."""
    column = as_series(series)
    codes, uniques, counts = distinct_with_counts(column)
    results = [function(value) for value in uniques]
    array = pd.array(results, dtype=STRING_DTYPE) if results else pd.array([], dtype=STRING_DTYPE)
    output = pd.Series(array.take(codes, allow_fill=True), index=column.index, name=column.name)
    filled, kept, rows = report_figures(column, codes, uniques, counts, results)
    output.attrs["report"] = ColumnReport(values=filled, kept=kept, unusable_rows=rows, reason=reason(filled, kept))
    return output
