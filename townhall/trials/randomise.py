"""Randomisation: simple, stratified (permuted blocks within ward, age band …) and cluster assignment from a seed.

The same seed, units and settings always give the same assignment (numpy's Generator), so anyone can re-run it and
check. A balance table shows whether the arms look alike on baseline characteristics, and the mailing list for each
arm can be written out (opted-out residents left out, every export audit-logged).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from townhall.errors import TownhallError
from townhall.store.files import atomic_path
from townhall.workspace import Workspace

METHODS = ("simple", "stratified", "cluster")
ARM_COLUMN = "arm"


@dataclass(frozen=True)
class Assignment:
    """Which arm each unit is in, and how that was decided (so it can be repeated and checked)."""

    frame: pd.DataFrame  # the units with an "arm" column added
    arms: list[str]
    seed: int
    method: str
    strata: list[str]
    cluster_column: str

    def counts(self) -> dict[str, int]:
        """Units per arm."""
        counts = self.frame[ARM_COLUMN].value_counts()
        return {arm: int(counts.get(arm, 0)) for arm in self.arms}

    def record(self) -> dict[str, Any]:
        """What to keep with the trial's registration so the assignment can be repeated."""
        return {"seed": self.seed, "method": self.method, "strata": self.strata, "cluster_column": self.cluster_column,
                "units": len(self.frame), "per_arm": self.counts()}


def randomise(units: pd.DataFrame, arms: list[str], *, seed: int, method: str = "simple",
              strata: list[str] | None = None, cluster_column: str = "",
              allocation: dict[str, float] | None = None) -> Assignment:
    """Assign each unit (row) to an arm. ``simple`` shuffles all units into arms in the planned shares;
    ``stratified`` does that within each combination of the ``strata`` columns (permuted blocks); ``cluster``
    assigns whole clusters (households, areas) so everyone in one is in the same arm."""
    if method not in METHODS:
        raise TownhallError(f"Randomisation can be {', '.join(METHODS)}, not '{method}'.")
    if len(arms) < 2 or len(set(arms)) != len(arms):
        raise TownhallError("Randomise into at least two arms with different names.")
    if units.empty:
        raise TownhallError("There are no units to randomise.")
    strata = list(strata or [])
    missing = [column for column in [*strata, cluster_column] if column and column not in units.columns]
    if missing:
        raise TownhallError(f"The units have no column {', '.join(missing)}. Columns: {', '.join(units.columns)}.")
    if method == "stratified" and not strata:
        raise TownhallError("Stratified randomisation needs at least one column to stratify by, such as ward.")
    if method == "cluster" and not cluster_column:
        raise TownhallError("Cluster randomisation needs the column naming each unit's cluster, such as household.")
    pattern = _block_pattern(arms, allocation)
    generator = np.random.default_rng(seed)
    frame = units.reset_index(drop=True).copy()
    if method == "cluster":
        clusters = frame[cluster_column].astype(str)
        codes, unique = pd.factorize(clusters, sort=True)
        cluster_arms = _assign_in_blocks(np.zeros(len(unique), dtype=np.int64), pattern, generator)
        arm_index = cluster_arms[codes]
    else:
        if method == "stratified":
            stratum = frame[strata].astype(str).groupby(strata, sort=True).ngroup().to_numpy()
        else:
            stratum = np.zeros(len(frame), dtype=np.int64)
        arm_index = _assign_in_blocks(stratum, pattern, generator)
    frame[ARM_COLUMN] = np.asarray(arms, dtype=object)[arm_index]
    return Assignment(frame, list(arms), seed, method, strata, cluster_column)


def _block_pattern(arms: list[str], allocation: dict[str, float] | None) -> np.ndarray:
    """One block of arm numbers in the planned shares: equal shares give [0, 1, …]; 2:1 gives [0, 0, 1]."""
    if not allocation:
        return np.arange(len(arms))
    if set(allocation) != set(arms) or any(allocation[arm] <= 0 for arm in arms):
        raise TownhallError("The allocation must give a positive share to every arm and to nothing else.")
    shares = [Fraction(allocation[arm]).limit_denominator(100) for arm in arms]
    denominator = math.lcm(*(share.denominator for share in shares))
    counts = [int(share * denominator) for share in shares]
    divisor = math.gcd(*counts)
    return np.repeat(np.arange(len(arms)), [count // divisor for count in counts])


def _assign_in_blocks(stratum: np.ndarray, pattern: np.ndarray, generator: np.random.Generator) -> np.ndarray:
    """Permuted blocks within each stratum, vectorised: units are put in random order within their stratum and dealt
    the pattern in turn, from a random starting point per stratum (so a short last block favours no arm), so arm
    sizes in every stratum differ by at most one."""
    count = len(stratum)
    order = np.lexsort((generator.random(count), stratum))  # random order within each stratum
    sorted_stratum = stratum[order]
    starts = np.flatnonzero(np.r_[True, sorted_stratum[1:] != sorted_stratum[:-1]])
    sizes = np.diff(np.r_[starts, count])
    position = np.arange(count) - np.repeat(starts, sizes)  # rank within the stratum
    offset = np.repeat(generator.integers(0, len(pattern), len(starts)), sizes)
    assigned = np.empty(count, dtype=np.int64)
    assigned[order] = pattern[(position + offset) % len(pattern)]
    return assigned


def balance_table(frame: pd.DataFrame, covariates: list[str], *, arm_column: str = ARM_COLUMN,
                  arms: list[str] | None = None, control_arm: str | None = None) -> pd.DataFrame:
    """Mean (or share) of each baseline covariate per arm, and the standardised difference of each arm from control:
    the difference in means over the pooled standard deviation. Differences under 0.1 are usually taken as balanced.
    Text columns are split into one yes/no row per value."""
    arms = arms or sorted(frame[arm_column].dropna().unique().tolist())
    control_arm = control_arm or arms[0]
    rows = []
    for covariate in covariates:
        if covariate not in frame.columns:
            raise TownhallError(f"There is no column '{covariate}' to check balance on.")
        for label, values in _numeric_columns(frame[covariate], covariate):
            row: dict[str, Any] = {"characteristic": label}
            control_values = values[frame[arm_column] == control_arm]
            for arm in arms:
                arm_values = values[frame[arm_column] == arm]
                row[arm] = float(arm_values.mean()) if arm_values.notna().any() else float("nan")
                if arm != control_arm:
                    pooled = math.sqrt((float(arm_values.var()) + float(control_values.var())) / 2)
                    row[f"standardised difference: {arm}"] = (
                        (float(arm_values.mean()) - float(control_values.mean())) / pooled if pooled > 0 else 0.0)
            rows.append(row)
    table = pd.DataFrame(rows)
    counts = frame[arm_column].value_counts()
    units = {"characteristic": "Units", **{arm: float(counts.get(arm, 0)) for arm in arms}}
    return pd.concat([pd.DataFrame([units]), table], ignore_index=True)


def _numeric_columns(series: pd.Series, name: str) -> list[tuple[str, pd.Series]]:
    """A covariate as numbers: booleans as 0/1, dates as years, text as one 0/1 column per value (at most 12)."""
    if pd.api.types.is_bool_dtype(series):
        return [(name, series.astype(float))]
    if pd.api.types.is_numeric_dtype(series):
        return [(name, series.astype(float))]
    if pd.api.types.is_datetime64_any_dtype(series):
        return [(f"{name} (year)", pd.to_datetime(series).dt.year.astype(float))]
    values = series.astype("string")
    top = values.value_counts().index[:12]
    return [(f"{name}: {value}", (values == value).astype(float).where(values.notna())) for value in top]


def export_mailing_lists(workspace: Workspace, assignment: Assignment, folder: Path | str, *, actor: str,
                         trial: str, source: str | None = None, unit_column: str | None = None,
                         columns: list[str] | None = None) -> dict[str, Path]:
    """Write one CSV per arm (the list of units to send each version to), each written atomically. When the units
    came from a source, people who opted out are left out. The export is audit-logged with counts only."""
    from townhall.identity import opted_out_record_ids

    frame = assignment.frame
    removed = 0
    if source is not None:
        if unit_column is None:
            raise TownhallError("Name the column that holds each unit's record id to leave out opted-out people.")
        opted_out = opted_out_record_ids(workspace, source)
        keep = ~frame[unit_column].astype(str).isin(opted_out)
        removed = int((~keep).sum())
        frame = frame[keep]
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    shown = columns or [column for column in frame.columns]
    for arm in assignment.arms:
        path = target / f"{trial}-{_file_safe(arm)}.csv"
        with atomic_path(path) as temporary:
            frame.loc[frame[ARM_COLUMN] == arm, shown].to_csv(temporary, index=False)
        written[arm] = path
    workspace.audit.record(actor, "trial.mailing_list", trial, details={
        "trial": trial, "source": source or "", "per_arm": {arm: int((frame[ARM_COLUMN] == arm).sum())
                                                            for arm in assignment.arms},
        "opted_out_left_out": removed, "files": [path.name for path in written.values()]})
    return written


def _file_safe(text: str) -> str:
    return "".join(character if character.isalnum() or character in "-_" else "-" for character in text)
