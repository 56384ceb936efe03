"""Randomisation: simple, stratified (permuted blocks within ward, age band …) and cluster assignment from a seed.

The same seed, units and settings always give the same assignment (numpy's Generator), so anyone can re-run it and
check. A balance table shows whether the arms look alike on baseline characteristics, and the mailing list for each
arm can be written out (opted-out residents left out, every export audit-logged).

``randomise_trial`` does the whole job for a registered trial and records nothing until everything has been checked
and written: the units file is checked first (every column named, unit ids present and unique, clusters given), the
mailing lists are written under temporary names, and only then is the randomisation recorded, in one place
(``_commit_randomisation``), after which the lists are put in place. A failure before that leaves the trial as it was,
free to be randomised again.
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
from townhall.trials.checks import check_clusters, check_unit_ids
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
              allocation: dict[str, float] | None = None, unit_column: str = "") -> Assignment:
    """Assign each unit (row) to an arm. ``simple`` shuffles all units into arms in the planned shares;
    ``stratified`` does that within each combination of the ``strata`` columns (permuted blocks); ``cluster``
    assigns whole clusters (households, areas) so everyone in one is in the same arm. With ``unit_column`` every
    unit must have an id and no id may appear twice (a unit on two arms' lists is refused, listed)."""
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
    if unit_column:
        check_unit_ids(units, unit_column, "The units")
    if cluster_column:
        check_clusters(units, cluster_column, "The units")
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


ASSIGNMENT_SCHEMA = "trials"
ASSIGNMENT_TABLE = f"{ASSIGNMENT_SCHEMA}.assignments"


def read_assignment(workspace: Workspace, trial: str) -> pd.Series | None:
    """The arm townhall gave each unit of a trial it randomised (unit id -> arm), or None when it did not randomise
    it (a trial randomised elsewhere and registered here)."""
    from townhall.trials.registration import get_trial

    if not get_trial(workspace, trial).randomisation:
        return None  # only a recorded randomisation counts: rows left by a crashed run are ignored
    if not workspace.analytics.table_exists(ASSIGNMENT_SCHEMA, "assignments"):
        return None
    with workspace.analytics.connect(read_only=True) as connection:
        frame = connection.execute(f"SELECT unit, arm FROM {ASSIGNMENT_TABLE} WHERE trial = ?", [trial]).df()
    return None if frame.empty else pd.Series(frame["arm"].to_numpy(), index=frame["unit"].to_numpy())


@dataclass(frozen=True)
class RandomisedTrial:
    """What ``randomise_trial`` did: the assignment, the balance table asked for and the mailing lists written."""

    assignment: Assignment
    balance: pd.DataFrame | None
    files: dict[str, Path]
    opted_out_left_out: int


def randomise_trial(workspace: Workspace, name: str, units: pd.DataFrame, *, seed: int, actor: str, out: Path | str,
                    method: str = "simple", strata: list[str] | None = None, cluster_column: str = "",
                    balance_on: list[str] | None = None, source: str | None = None) -> RandomisedTrial:
    """Randomise a registered trial's units, check balance and write each arm's mailing list, recording the
    randomisation only once everything else has been checked and written (see the module's description)."""
    from townhall.identity import opted_out_record_ids
    from townhall.trials.registration import get_trial

    trial = get_trial(workspace, name)
    plan = trial.plan
    if trial.randomisation:
        raise TownhallError(f"Trial '{name}' has already been randomised; randomising again would let anyone pick "
                            "the assignment they liked. Register a new trial to start again.")
    wanted = [column for column in [plan.unit_column, *(strata or []), cluster_column, *(balance_on or [])]
              if column]
    absent = [column for column in dict.fromkeys(wanted) if column not in units.columns]
    if absent:
        raise TownhallError(f"The units have no column {', '.join(repr(column) for column in absent)}. Columns: "
                            f"{', '.join(map(str, units.columns))}. Nothing was recorded: correct the file and run "
                            "the command again.")
    if not plan.unit_column:
        raise TownhallError(f"Trial '{name}' names no unit column, so its units cannot be told apart: amend the plan "
                            "to add unit_column.")
    if source is not None:
        registered = {summary.name for summary in workspace.catalogue.list_sources()}
        if source not in registered:
            raise TownhallError(f"There is no source called '{source}' to leave opted-out people out by.")
    assignment = randomise(units, plan.arms, seed=seed, method=method, strata=strata or [],
                           cluster_column=cluster_column, allocation=plan.allocation or None,
                           unit_column=plan.unit_column)
    balance = (balance_table(assignment.frame, list(balance_on), arms=plan.arms, control_arm=plan.control_arm)
               if balance_on else None)
    frame, removed = assignment.frame, 0
    if source is not None:
        keep = ~frame[plan.unit_column].astype(str).isin(opted_out_record_ids(workspace, source))
        removed, frame = int((~keep).sum()), frame[keep]
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    staged: dict[str, tuple[Path, Path]] = {}
    try:
        for arm in assignment.arms:  # written under temporary names, put in place only after the record is made
            final = target / f"{name}-{_file_safe(arm)}.csv"
            temporary = target / f".{final.name}.partial"
            frame.loc[frame[ARM_COLUMN] == arm].to_csv(temporary, index=False)
            staged[arm] = (temporary, final)
        _commit_randomisation(workspace, name, assignment, plan.unit_column, actor=actor)
    except BaseException:
        for temporary, _final in staged.values():
            temporary.unlink(missing_ok=True)
        raise
    for temporary, final in staged.values():
        temporary.replace(final)
    files = {arm: final for arm, (_temporary, final) in staged.items()}
    workspace.audit.record(actor, "trial.mailing_list", name, details={
        "trial": name, "source": source or "", "per_arm": {arm: int((frame[ARM_COLUMN] == arm).sum())
                                                           for arm in assignment.arms},
        "opted_out_left_out": removed, "files": [path.name for path in files.values()]})
    return RandomisedTrial(assignment, balance, files, removed)


def _commit_randomisation(workspace: Workspace, name: str, assignment: Assignment, unit_column: str, *,
                          actor: str) -> None:
    """The one commit point of a randomisation: the assignment (unit -> arm) into the analytics store, replacing
    rows a crashed earlier run may have left, then the record with the trial's registration, which is what makes the
    trial randomised (and refuses a second randomisation)."""
    from townhall.trials.registration import record_randomisation

    assigned = pd.DataFrame({"trial": name, "unit": assignment.frame[unit_column].astype(str).str.strip(),
                             "arm": assignment.frame[ARM_COLUMN].astype(str)})
    with workspace.analytics.transaction() as connection:
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {ASSIGNMENT_SCHEMA}")
        connection.execute(f"CREATE TABLE IF NOT EXISTS {ASSIGNMENT_TABLE} (trial VARCHAR, unit VARCHAR, arm VARCHAR)")
        connection.execute(f"DELETE FROM {ASSIGNMENT_TABLE} WHERE trial = ?", [name])
        connection.register("incoming_assignment", assigned)
        connection.execute(f"INSERT INTO {ASSIGNMENT_TABLE} SELECT trial, unit, arm FROM incoming_assignment")
        connection.unregister("incoming_assignment")
    record_randomisation(workspace, name, assignment.record(), actor=actor)


def _file_safe(text: str) -> str:
    return "".join(character if character.isalnum() or character in "-_" else "-" for character in text)
