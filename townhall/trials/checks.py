"""Checks on a trial's data before any analysis: each problem found is refused with a message that names it.

Duplicate unit ids, units missing from the randomisation (or randomised units missing from the data), an arm with no
units, missing cluster ids and outcomes that are neither numbers nor yes/no would each give a wrong answer without a
word (a unit counted twice, an arm compared with nothing); constant or repeated covariates are left out and named.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from townhall.errors import TownhallError

YES_NO = {"true": 1.0, "yes": 1.0, "y": 1.0, "1": 1.0, "1.0": 1.0, "false": 0.0, "no": 0.0, "n": 0.0, "0": 0.0,
          "0.0": 0.0}
SHOWN = 10  # how many offending values a message lists


def _listed(values: Sequence[object], total: int | None = None) -> str:
    values = list(values)
    total = len(values) if total is None else total
    text = ", ".join(f"'{value}'" for value in values[:SHOWN])
    return text + (f" and {total - SHOWN:,} more" if total > SHOWN else "")


def blank(series: pd.Series) -> pd.Series:
    """True where a value is missing or only spaces."""
    text = series.astype("string").str.strip()
    return (text.isna() | (text == "")).fillna(True).astype(bool)


def check_unit_ids(frame: pd.DataFrame, column: str, where: str) -> None:
    """Every unit has an id, and no id appears twice (a unit counted twice, or on two arms' lists, is a wrong
    answer)."""
    if column not in frame.columns:
        raise TownhallError(f"{where} has no column '{column}' (the unit's id, as the plan names it). Columns: "
                            f"{', '.join(map(str, frame.columns))}.")
    ids = frame[column]
    empty = blank(ids)
    if empty.any():
        rows = (np.flatnonzero(empty.to_numpy()) + 2)[:SHOWN]
        raise TownhallError(f"{where}: {int(empty.sum()):,} rows have no unit id in '{column}' (rows "
                            f"{', '.join(map(str, rows))}). Every unit needs its id.")
    text = ids.astype("string").str.strip()
    repeated = text[text.duplicated(keep=False)]
    if len(repeated):
        unique = list(dict.fromkeys(repeated.tolist()))
        raise TownhallError(f"{where}: {len(unique):,} unit ids appear more than once in '{column}' "
                            f"({_listed(unique)}), so those units would be counted twice. Keep one row per unit, "
                            "or analyse by a unit that is unique.")


def check_clusters(frame: pd.DataFrame, column: str, where: str) -> None:
    """Every unit has a cluster id when units were randomised (or are analysed) in clusters."""
    empty = blank(frame[column])
    if empty.any():
        rows = (np.flatnonzero(empty.to_numpy()) + 2)[:SHOWN]
        raise TownhallError(f"{where}: {int(empty.sum()):,} units have no cluster id in '{column}' (rows "
                            f"{', '.join(map(str, rows))}). Every unit needs its cluster (household, area) for "
                            "clustered randomisation or errors.")


def check_arms_present(counts: dict[str, int], arm_column: str, seen: Sequence[object]) -> None:
    """Every arm of the plan has units: an arm with none cannot be compared with anything."""
    empty = [arm for arm, count in counts.items() if count == 0]
    if empty:
        found = ", ".join(f"'{value}'" for value in list(dict.fromkeys(map(str, seen)))[:SHOWN]) or "none"
        raise TownhallError(f"No units are in the arm{'s' if len(empty) > 1 else ''} "
                            f"{', '.join(repr(arm) for arm in empty)}. The values of '{arm_column}' in the data are "
                            f"{found}: check they are written as the plan names the arms.")


def outcome_values(series: pd.Series, name: str) -> tuple[pd.Series, str]:
    """An outcome as numbers and its kind: yes/no outcomes (true/false, 1/0, yes/no) become 0/1 proportions.
    Values that are neither numbers nor yes/no are counted and named, and refused."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype("Float64").astype(float), "proportion"
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype(float)
        return values, "proportion" if set(values.dropna().unique()) <= {0.0, 1.0} else "mean"
    text = series.astype("string").str.strip()
    text = text.where(text != "")
    numbers = pd.to_numeric(text, errors="coerce")
    if not (numbers.isna() & text.notna()).any():
        values = numbers.astype(float)
        return values, "proportion" if set(values.dropna().unique()) <= {0.0, 1.0} else "mean"
    mapped = text.str.lower().map(YES_NO)
    if not (mapped.isna() & text.notna()).any():
        return mapped.astype(float), "proportion"
    wrong = text[numbers.isna() & mapped.isna() & text.notna()]
    if len(wrong):
        counts = wrong.value_counts()
        shown = ", ".join(f"'{value}' ({count:,})" for value, count in counts.head(SHOWN).items())
        raise TownhallError(f"The outcome '{name}' has {len(wrong):,} values that are neither numbers nor yes/no: "
                            f"{shown}. Correct them, or leave them empty if the outcome is not known.")
    number = text[numbers.notna() & mapped.isna()].iloc[0]
    answer = text[mapped.notna() & numbers.isna()].iloc[0]
    raise TownhallError(f"The outcome '{name}' mixes numbers (such as '{number}') with yes/no answers (such as "
                        f"'{answer}'): write it all one way.")


def usable_covariates(matrix: pd.DataFrame, arms: np.ndarray) -> tuple[pd.DataFrame, list[str]]:
    """The covariate columns that can be used, and a note for each left out: constant ones, and ones that repeat
    earlier covariates or the arms (collinear), which the regression could not tell apart."""
    notes = []
    kept: list[str] = []
    base = np.column_stack([np.ones(len(matrix)), arms]) if arms.size else np.ones((len(matrix), 1))
    rank = np.linalg.matrix_rank(base)
    for column in matrix.columns:
        values = matrix[column].to_numpy(dtype=float)
        if np.nanstd(values) == 0:
            notes.append(f"The covariate '{column}' has the same value for every unit, so it was left out of the "
                         "adjustment.")
            continue
        candidate = np.column_stack([base, matrix[kept].to_numpy(dtype=float), values]) if kept else \
            np.column_stack([base, values])
        if np.linalg.matrix_rank(candidate) <= rank + len(kept):
            notes.append(f"The covariate '{column}' repeats the arms or other covariates (it is a combination of "
                         "them), so it was left out of the adjustment.")
            continue
        kept.append(column)
    return matrix[kept], notes
