"""Analysis: intention-to-treat differences between each arm and control, with intervals, corrected p-values, a
sample-ratio-mismatch check and a plain-English conclusion, including honest null results.

Every unit is analysed in the arm it was randomised to (intention to treat). Each difference is the coefficient of
the arm in an ordinary least squares regression of the outcome on the arms (plus any pre-registered baseline
covariates), with HC2 heteroskedasticity-robust standard errors, or cluster-robust ones (t with clusters - 1 degrees
of freedom) when units were randomised in clusters. For a yes/no outcome this is the difference in proportions, in
percentage points. p-values are corrected with Holm (or Benjamini-Hochberg) across the arms for the primary outcome,
and separately across arms and secondary outcomes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests
from threadpoolctl import ThreadpoolController

from townhall.errors import TownhallError
from townhall.store.analytics import quote_identifier
from townhall.trials.checks import (
    check_arms_present,
    check_clusters,
    check_unit_ids,
    outcome_values,
    usable_covariates,
)
from townhall.trials.randomise import balance_table, read_assignment
from townhall.trials.registration import CORRECTION_NAMES, TrialPlan, get_trial
from townhall.trials.sequential import SequentialAnalysis, ratio_estimate, sequential_analysis
from townhall.workspace import Workspace

CONFIDENCE = 0.95
SIGNIFICANCE = 0.05
SAMPLE_RATIO_ALERT = 0.001  # as GrowthBook: a mismatch this unlikely by chance means the assignment went wrong
_THREAD_POOLS: list[ThreadpoolController] = []


def one_blas_thread() -> Any:
    """A context in which linear algebra uses one thread: trial regressions are narrow, and on a busy machine spare
    threads slow them down many times over. The libraries are looked up once (it reads the process's memory map)."""
    if not _THREAD_POOLS:
        _THREAD_POOLS.append(ThreadpoolController())
    return _THREAD_POOLS[0].limit(limits=1, user_api="blas")


@dataclass(frozen=True)
class ArmEffect:
    """One arm against control on one outcome."""

    outcome: str
    role: str  # "primary", "secondary" or "exploratory"
    arm: str
    control_arm: str
    kind: str  # "proportion" (yes/no outcome) or "mean"
    units: int
    control_units: int
    arm_mean: float
    control_mean: float
    difference: float
    lower: float
    upper: float
    p_value: float
    adjusted_p_value: float
    adjusted_for: tuple[str, ...] = ()
    comparisons: int = 1  # how many comparisons the p-value was corrected across

    @property
    def significant(self) -> bool:
        """Whether the corrected p-value is under 5%."""
        return self.adjusted_p_value < SIGNIFICANCE

    def conclusion(self, minimum_effect_of_interest: float | None = None,
                   labels: dict[str, str] | None = None) -> str:
        """What this comparison shows, and for a null result which effects it rules out; arms and outcomes are named
        by the words given at registration when there are some."""
        names = labels or {}
        arm_name, control_name = names.get(self.arm, self.arm), names.get(self.control_arm, self.control_arm)
        outcome = names.get(self.outcome, self.outcome)
        size = _effect_words(self.kind, abs(self.difference))
        interval = f"95% confidence interval {_amount(self.kind, self.lower)} to {_amount(self.kind, self.upper)}"
        corrected = (f"{_p_text(self.adjusted_p_value)} after correcting for {self.comparisons} comparisons"
                     if self.comparisons > 1 else _p_text(self.adjusted_p_value))
        if self.significant:
            direction = "raised" if self.difference > 0 else "lowered"
            return (f"'{arm_name}' {direction} {outcome} by {size} compared with '{control_name}' "
                    f"({interval}; {corrected}).")
        text = (f"No detectable effect of '{arm_name}' on {outcome} compared with '{control_name}' "
                f"(difference {_amount(self.kind, self.difference)}, {interval}; {corrected}). Rises larger than "
                f"{_effect_words(self.kind, max(self.upper, 0))} and falls larger than "
                f"{_effect_words(self.kind, max(-self.lower, 0))} are ruled out (95% confidence).")
        if minimum_effect_of_interest is not None and self.upper >= minimum_effect_of_interest:
            text += (f" The trial cannot rule out the {_effect_words(self.kind, minimum_effect_of_interest)} the "
                     "plan said would matter, so it was too small to settle the question.")
        return text


@dataclass(frozen=True)
class SampleRatioCheck:
    """Whether the units per arm match the planned allocation (chi-squared goodness of fit)."""

    observed: dict[str, int]
    expected: dict[str, float]
    chi_squared: float
    p_value: float

    @property
    def mismatch(self) -> bool:
        """True when the split is so far from the plan (p < 0.001) that the assignment or the data went wrong."""
        return self.p_value < SAMPLE_RATIO_ALERT

    def sentence(self, *, with_counts: bool = True) -> str:
        """The check in plain English (without the exact counts for pages where counts are protected)."""
        split = ", ".join(f"{arm} {count:,}" for arm, count in self.observed.items()) if with_counts else \
            " and ".join(f"{share:.0%} {arm}" for arm, share in self._observed_shares().items())
        if self.mismatch:
            return (f"Warning: the units per arm ({split}) are far from the planned split (chi-squared "
                    f"{_p_text(self.p_value)}, under 0.001). Something went wrong in the assignment or in the data "
                    "(lost records, arms mixed up): find the cause before trusting the results.")
        return (f"The units per arm ({split}) match the planned split (chi-squared {_p_text(self.p_value)}; a "
                "mismatch would show as p under 0.001).")


    def _observed_shares(self) -> dict[str, float]:
        total = sum(self.observed.values()) or 1
        return {arm: count / total for arm, count in self.observed.items()}


@dataclass(frozen=True)
class TrialAnalysis:
    """The results of a trial: every comparison, the sample-ratio check, and what they mean."""

    trial: str
    effects: list[ArmEffect]
    sample_ratio: SampleRatioCheck
    correction: str
    units: int
    left_out: dict[str, int] = field(default_factory=dict)  # reasons units were not analysed, with counts
    minimum_effect_of_interest: float | None = None
    method: str = ""
    balance: pd.DataFrame | None = None  # baseline covariates by arm (townhall.trials.balance_table)
    notes: list[str] = field(default_factory=list)  # what was done on the way (covariates left out, and why)
    sequential: list[SequentialAnalysis] = field(default_factory=list)  # primary outcome, look by look
    labels: dict[str, str] = field(default_factory=dict)  # arm and outcome names -> words given at registration

    def primary(self) -> list[ArmEffect]:
        """The primary outcome's comparisons, one per arm."""
        return [effect for effect in self.effects if effect.role == "primary"]

    def conclusions(self) -> list[str]:
        """The primary outcome's conclusion for each arm (and, when looked at weekly, what the looks show), then the
        sample-ratio check."""
        sentences = [effect.conclusion(self.minimum_effect_of_interest, self.labels) for effect in self.primary()]
        sentences += [analysis.sentence(self.labels) for analysis in self.sequential]
        sentences.append(self.sample_ratio.sentence())
        return sentences

    def table(self) -> pd.DataFrame:
        """Every comparison as a table (one row per outcome and arm)."""
        return pd.DataFrame([{
            "outcome": effect.outcome, "role": effect.role, "arm": effect.arm, "units": effect.units,
            "arm_mean": effect.arm_mean, "control_mean": effect.control_mean, "difference": effect.difference,
            "lower": effect.lower, "upper": effect.upper, "p_value": effect.p_value,
            "adjusted_p_value": effect.adjusted_p_value} for effect in self.effects])


def sample_ratio_check(counts: dict[str, int], planned_shares: dict[str, float]) -> SampleRatioCheck:
    """Chi-squared test of the units per arm against the planned shares."""
    total = sum(counts.values())
    expected = {arm: total * share for arm, share in planned_shares.items()}
    observed = [counts.get(arm, 0) for arm in planned_shares]
    statistic, p_value = stats.chisquare(observed, [expected[arm] for arm in planned_shares])
    return SampleRatioCheck({arm: counts.get(arm, 0) for arm in planned_shares}, expected, float(statistic),
                            float(p_value))


def analyse_frame(frame: pd.DataFrame, plan: TrialPlan, *, outcomes: list[str] | None = None,
                  exploratory: list[str] | None = None, adjust: bool = True,
                  where: str = "The trial's data") -> TrialAnalysis:
    """Analyse a trial's data (one row per unit with its arm and outcomes) against its registered plan. Outcomes
    not in the plan are refused unless listed in ``exploratory``, and are then labelled exploratory. The data are
    checked first (duplicate units, empty arms, missing clusters, outcomes that are not numbers or yes/no), and each
    problem is refused with a message naming it."""
    exploratory = list(exploratory or [])
    requested = outcomes or plan.outcomes
    for outcome in requested:
        if outcome not in plan.outcomes and outcome not in exploratory:
            raise TownhallError(f"'{outcome}' is not an outcome in the trial's registered plan "
                                f"({', '.join(plan.outcomes)}). Analysing unregistered outcomes invites finding "
                                "something by chance: mark it exploratory if you still want to look.")
    requested = list(dict.fromkeys([*requested, *exploratory]))
    ratio_columns = [column for outcome in requested for column in plan.ratio_outcomes.get(outcome, [])]
    columns = [plan.arm_column, *[outcome for outcome in requested if outcome not in plan.ratio_outcomes],
               *ratio_columns, *(plan.covariates if adjust else []),
               *([plan.cluster_column] if plan.cluster_column else []),
               *([plan.date_column] if plan.date_column else [])]
    missing = [column for column in dict.fromkeys(columns) if column not in frame.columns]
    if missing:
        raise TownhallError(f"{where} has no column {', '.join(missing)}. Columns: "
                            f"{', '.join(map(str, frame.columns))}.")
    if plan.unit_column and plan.unit_column in frame.columns:
        check_unit_ids(frame, plan.unit_column, where)
    arm_values = frame[plan.arm_column].astype("string").str.strip()
    in_plan = arm_values.isin(plan.arms).fillna(False).to_numpy(dtype=bool)
    left_out = {"arm not in the plan": int((~in_plan).sum())}
    data = frame[in_plan].reset_index(drop=True)
    arms = arm_values[in_plan].reset_index(drop=True).astype(str)
    counts = {arm: int((arms == arm).sum()) for arm in plan.arms}
    check_arms_present(counts, plan.arm_column, arm_values.dropna().unique().tolist())
    if plan.cluster_column:
        check_clusters(data, plan.cluster_column, where)
    ratio = sample_ratio_check(counts, plan.planned_shares)
    treatment_arms = [arm for arm in plan.arms if arm != plan.control_arm]
    dummies = np.column_stack([(arms == arm).to_numpy(dtype=float) for arm in treatment_arms])
    notes: list[str] = []
    covariates = None
    if adjust and plan.covariates:
        varying = [name for name in plan.covariates if data[name].nunique(dropna=False) > 1]
        notes = [f"The covariate '{name}' has the same value for every unit, so it was left out of the adjustment."
                 for name in plan.covariates if name not in varying]
        if varying:
            covariates, repeated = usable_covariates(_covariate_matrix(data, varying), dummies)
            notes += repeated
            covariates = covariates - covariates.mean() if covariates.shape[1] else None
    clusters = data[plan.cluster_column].astype(str) if plan.cluster_column else None
    effects: list[ArmEffect] = []
    for outcome in requested:
        role = "primary" if outcome == plan.primary_outcome else (
            "secondary" if outcome in plan.secondary_outcomes else "exploratory")
        if outcome in plan.ratio_outcomes:
            effects += _ratio_effects(data, arms, plan, outcome, role, treatment_arms, left_out)
            continue
        values, kind = outcome_values(data[outcome], outcome)
        present = values.notna().to_numpy()
        left_out[f"no value for {outcome}"] = int((~present).sum())
        design = [np.ones(int(present.sum())), dummies[present]]
        if covariates is not None:
            design.append(covariates.to_numpy()[present])
        matrix = np.column_stack(design)
        outcome_values_present = values.to_numpy(dtype=float)[present]
        fitted = _fit(outcome_values_present, matrix, clusters[present] if clusters is not None else None)
        interval = np.asarray(fitted.conf_int(alpha=1 - CONFIDENCE))
        control_mask = (arms == plan.control_arm).to_numpy()[present]
        for number, arm in enumerate(treatment_arms, start=1):
            arm_mask = (arms == arm).to_numpy()[present]
            effects.append(ArmEffect(
                outcome=outcome, role=role, arm=arm, control_arm=plan.control_arm, kind=kind,
                units=int(arm_mask.sum()), control_units=int(control_mask.sum()),
                arm_mean=float(outcome_values_present[arm_mask].mean()) if arm_mask.any() else float("nan"),
                control_mean=float(outcome_values_present[control_mask].mean()),
                difference=float(fitted.params[number]), lower=float(interval[number, 0]),
                upper=float(interval[number, 1]), p_value=float(fitted.pvalues[number]), adjusted_p_value=math.nan,
                adjusted_for=tuple(covariates.columns) if covariates is not None else ()))
    effects = _correct(effects, plan.correction)
    present_covariates = [name for name in plan.covariates if name in data.columns]
    balance = balance_table(data, present_covariates, arm_column=plan.arm_column, arms=plan.arms,
                            control_arm=plan.control_arm) if present_covariates else None
    sequential = _sequential(data, arms, plan) if plan.date_column and plan.primary_outcome not in \
        plan.ratio_outcomes else []
    error_kind = "cluster-robust (by " + plan.cluster_column + ")" if plan.cluster_column else "HC2 robust"
    adjusted = " and the pre-registered covariates" if covariates is not None else ""
    method = (f"Intention to treat: OLS of each outcome on the arms{adjusted}, with {error_kind} standard errors; "
              f"p-values corrected with "
              f"{CORRECTION_NAMES[plan.correction]} across arms for the primary outcome and across arms and other "
              "outcomes for the rest.")
    if any(effect.kind == "ratio" for effect in effects):
        method += " Ratio outcomes: the ratio of sums in each arm, with delta-method standard errors."
    if sequential:
        method += (" Weekly looks: a normal-mixture confidence sequence and always-valid p-value (mSPRT), tuned to "
                   "the plan's minimum effect of interest.")
    return TrialAnalysis(plan.name, effects, ratio, plan.correction, len(data),
                         {reason: count for reason, count in left_out.items() if count},
                         plan.minimum_effect_of_interest, method, balance, notes, sequential, dict(plan.labels))


def _ratio_effects(data: pd.DataFrame, arms: pd.Series, plan: TrialPlan, outcome: str, role: str,
                   treatment_arms: list[str], left_out: dict[str, int]) -> list[ArmEffect]:
    """Each arm against control on a ratio of sums (a per-account mean over randomised households, say), with the
    delta-method standard error; within clusters the sums are added up first."""
    numerator_column, denominator_column = plan.ratio_outcomes[outcome]
    numerator, _ = outcome_values(data[numerator_column], numerator_column)
    denominator, _ = outcome_values(data[denominator_column], denominator_column)
    present = (numerator.notna() & denominator.notna()).to_numpy()
    left_out[f"no value for {outcome}"] = int((~present).sum())
    frame = pd.DataFrame({"arm": arms.to_numpy()[present], "y": numerator.to_numpy(float)[present],
                          "x": denominator.to_numpy(float)[present]})
    if plan.cluster_column:
        frame["cluster"] = data[plan.cluster_column].astype(str).to_numpy()[present]
        frame = frame.groupby(["arm", "cluster"], as_index=False)[["y", "x"]].sum()
    estimates = {arm: ratio_estimate(part["y"].to_numpy(), part["x"].to_numpy())
                 for arm, part in frame.groupby("arm") if arm in plan.arms}
    control = estimates[plan.control_arm]
    critical = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    effects = []
    for arm in treatment_arms:
        if arm not in estimates:
            continue
        estimate = estimates[arm]
        difference = estimate.ratio - control.ratio
        error = math.sqrt(estimate.variance + control.variance)
        p_value = float(2 * stats.norm.sf(abs(difference / error))) if error > 0 else float("nan")
        effects.append(ArmEffect(
            outcome=outcome, role=role, arm=arm, control_arm=plan.control_arm, kind="ratio", units=estimate.units,
            control_units=control.units, arm_mean=estimate.ratio, control_mean=control.ratio, difference=difference,
            lower=difference - critical * error, upper=difference + critical * error, p_value=p_value,
            adjusted_p_value=math.nan))
    return effects


def _sequential(data: pd.DataFrame, arms: pd.Series, plan: TrialPlan) -> list[SequentialAnalysis]:
    """The primary outcome looked at week by week, each arm against control (unadjusted)."""
    values, kind = outcome_values(data[plan.primary_outcome], plan.primary_outcome)
    return [sequential_analysis(values, arms, data[plan.date_column], arm=arm, control_arm=plan.control_arm,
                                outcome=plan.primary_outcome, kind=kind, mixing_sd=plan.minimum_effect_of_interest)
            for arm in plan.arms if arm != plan.control_arm]


def _fit(values: np.ndarray, matrix: np.ndarray, clusters: pd.Series | None) -> Any:
    """OLS by QR with one BLAS thread: the design is narrow, and spare threads slow it down on a busy machine."""
    model = sm.OLS(values, matrix)
    with one_blas_thread():
        if clusters is not None:
            groups = pd.factorize(clusters.astype(str))[0]
            return model.fit(method="qr", cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        return model.fit(method="qr", cov_type="HC2")


def _correct(effects: list[ArmEffect], method: str) -> list[ArmEffect]:
    """Corrected p-values: the primary outcome's arms as one family, everything else as another."""
    corrected = list(effects)
    for family in (["primary"], ["secondary", "exploratory"]):
        positions = [index for index, effect in enumerate(effects) if effect.role in family]
        if not positions:
            continue
        p_values = np.array([effects[index].p_value for index in positions])
        adjusted = _holm(p_values) if method == "holm" else multipletests(p_values, alpha=SIGNIFICANCE,
                                                                           method=method)[1]
        for index, value in zip(positions, adjusted, strict=True):
            effect = effects[index]
            corrected[index] = ArmEffect(**{**effect.__dict__, "adjusted_p_value": float(value),
                                            "comparisons": len(positions)})
    return corrected


def _holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down correction, as statsmodels' multipletests(method="holm") computes it (without its full
    garbage collection, which takes a noticeable fraction of a second in a busy web app)."""
    order = np.argsort(p_values)
    stepped = np.maximum.accumulate(p_values[order] * np.arange(len(p_values), 0, -1))
    adjusted = np.empty_like(stepped)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def _covariate_matrix(data: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Baseline covariates as centred numbers: yes/no as 0/1, dates as years, text as one column per value
    (the commonest left out); a missing value takes the mean and gets its own indicator."""
    parts = []
    for name in covariates:
        series = data[name]
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            part = pd.DataFrame({name: series.astype(float)})
        elif pd.api.types.is_datetime64_any_dtype(series) or _looks_like_dates(series):
            part = pd.DataFrame({f"{name} (year)": pd.to_datetime(series, errors="coerce").dt.year.astype(float)})
        else:
            dummies = pd.get_dummies(series.astype("string"), prefix=name, dtype=float)
            commonest = series.astype("string").value_counts().index
            part = dummies.drop(columns=[f"{name}_{commonest[0]}"]) if len(commonest) else dummies
        for column in list(part.columns):
            missing = part[column].isna()
            if missing.any():
                part[f"{column} missing"] = missing.astype(float)
                part[column] = part[column].fillna(part[column].mean())
        parts.append(part)
    return pd.concat(parts, axis=1)


def _looks_like_dates(series: pd.Series) -> bool:
    return series.dtype == object and series.dropna().map(lambda value: hasattr(value, "year")).all()


def analyse_trial(workspace: Workspace, name: str, *, actor: str, outcomes: list[str] | None = None,
                  exploratory: list[str] | None = None, adjust: bool = True) -> TrialAnalysis:
    """Analyse a registered trial from its source (and covariate source), leaving out opted-out people;
    the run is audit-logged with counts only."""
    trial = get_trial(workspace, name)
    frame, left_out = trial_data(workspace, trial.plan, extra_columns=exploratory)
    analysis = analyse_frame(frame, trial.plan, outcomes=outcomes, exploratory=exploratory, adjust=adjust)
    analysis = TrialAnalysis(**{**analysis.__dict__, "left_out": {**left_out, **analysis.left_out}})
    workspace.audit.record(actor, "trial.analyse", name, details={
        "trial": name, "units": analysis.units, "outcomes": sorted({effect.outcome for effect in analysis.effects}),
        "exploratory": exploratory or [], "sample_ratio_mismatch": analysis.sample_ratio.mismatch})
    return analysis


def trial_data(workspace: Workspace, plan: TrialPlan, *,
               extra_columns: list[str] | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per unit from the trial's source, with its covariates joined from the covariate source; people who
    opted out are left out (their count is returned, never their records). Only the columns the plan names are read."""
    from townhall.identity import opted_out_record_ids

    if not plan.source:
        raise TownhallError(f"Trial '{plan.name}' names no source for its data: amend the plan to add one.")
    catalogue = workspace.catalogue
    wanted = [plan.unit_column, plan.arm_column, *plan.outcomes, *(extra_columns or []), plan.cluster_column,
              plan.date_column, *[column for columns in plan.ratio_outcomes.values() for column in columns],
              *([] if plan.covariate_source else plan.covariates)]
    with workspace.analytics.connect(read_only=True) as connection:
        table = catalogue.table_name(plan.source)
        present = [row[0] for row in connection.execute(f"describe {table}").fetchall()]
        columns = [column for column in dict.fromkeys(wanted) if column and column in present]
        frame = connection.execute(f"select {', '.join(map(quote_identifier, columns))} from {table}").df()
        covariates = None
        if plan.covariate_source:
            covariate_table = catalogue.table_name(plan.covariate_source)
            available = [row[0] for row in connection.execute(f"describe {covariate_table}").fetchall()]
            if plan.covariate_key not in available:
                raise TownhallError(f"The covariate source '{plan.covariate_source}' has no column "
                                    f"'{plan.covariate_key}' to join on.")
            chosen = [plan.covariate_key, *[name for name in plan.covariates if name in available]]
            covariates = connection.execute(
                f"select {', '.join(map(quote_identifier, dict.fromkeys(chosen)))} from {covariate_table}").df()
    left_out: dict[str, int] = {}
    opted_out: set[str] = set()
    if plan.unit_column and plan.unit_column in frame.columns:
        check_unit_ids(frame, plan.unit_column, f"The trial's source '{plan.source}'")
        opted_out = set(opted_out_record_ids(workspace, plan.source))
        keep = ~frame[plan.unit_column].astype(str).isin(opted_out)
        if (~keep).sum():
            left_out["opted out"] = int((~keep).sum())
        frame = frame[keep.to_numpy()]
    if plan.unit_column and plan.unit_column in frame.columns:
        _compare_with_assignment(workspace, plan, frame, opted_out)
    if covariates is not None:
        joined = covariates.drop_duplicates(plan.covariate_key).rename(columns={plan.covariate_key: "_covariate_key"})
        joined["_covariate_key"] = joined["_covariate_key"].astype(str)
        frame = frame.assign(_covariate_key=frame[plan.unit_column].astype(str)).merge(
            joined, how="left", on="_covariate_key", suffixes=("", " (covariate)")).drop(columns=["_covariate_key"])
    return frame.reset_index(drop=True), left_out


def _compare_with_assignment(workspace: Workspace, plan: TrialPlan, frame: pd.DataFrame, opted_out: set[str]) -> None:
    """When townhall randomised the trial, the data must hold exactly the units it randomised, each in the arm it was
    given: units nobody randomised, randomised units missing (other than people who opted out) and units in another
    arm are each refused, listed."""
    assigned = read_assignment(workspace, plan.name)
    if assigned is None:
        return
    data = pd.Series(frame[plan.arm_column].astype("string").str.strip().to_numpy(),
                     index=frame[plan.unit_column].astype("string").str.strip().to_numpy())
    extra = [unit for unit in data.index if unit not in assigned.index]
    missing = [unit for unit in assigned.index if unit not in data.index and unit not in opted_out]
    moved = [unit for unit in data.index if unit in assigned.index and data[unit] != assigned[unit]]
    where = f"The trial's source '{plan.source}'"
    if extra:
        raise TownhallError(f"{where} holds {len(extra):,} units that were not randomised ({_first(extra)}): an "
                            "intention-to-treat analysis uses only the units randomised. Remove them from the data.")
    if missing:
        raise TownhallError(f"{len(missing):,} randomised units are missing from {where.lower()[4:]} "
                            f"({_first(missing)}): leaving them out would no longer compare like with like. Add "
                            "their outcomes (empty where unknown).")
    if moved:
        raise TownhallError(f"{len(moved):,} units are in a different arm in {where.lower()[4:]} from the one they "
                            f"were randomised to ({_first(moved)}). Intention to treat analyses each unit in the arm "
                            "it was randomised to: correct the arm column.")


def _first(values: list[str]) -> str:
    return ", ".join(values[:10]) + (f" and {len(values) - 10:,} more" if len(values) > 10 else "")


def _amount(kind: str, value: float) -> str:
    if kind == "proportion":
        return f"{value * 100:+.1f} points"
    return f"{value:+,.3g}"


def _effect_words(kind: str, value: float) -> str:
    if kind == "proportion":
        return f"{value * 100:.1f} percentage points"
    return f"{value:,.3g}"


def _p_text(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"
