"""Area pilots: difference-in-differences for a pilot area against comparator areas over time, as in Leicester's
Braunstone Blues pilot, with an event-study chart and a parallel-trends check.

When a service is piloted in one area rather than randomised, the comparison is the change in the pilot area minus
the change in the comparator areas over the same time. The estimate is a two-way fixed-effects regression (a
constant for every area and every period) with standard errors clustered by area. It is only as good as the
assumption that, without the pilot, the areas would have moved in parallel: the check tests whether they did before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from townhall.errors import TownhallError
from townhall.trials.analysis import one_blas_thread

CONFIDENCE = 0.95
DEFAULT_EVENT_WINDOW = 12


@dataclass(frozen=True)
class DifferenceInDifferences:
    """A pilot's estimated effect, the event study (effect by period from the start) and the parallel-trends check."""

    outcome: str
    pilot_units: list[str]
    comparator_units: list[str]
    start: str
    estimate: float
    lower: float
    upper: float
    p_value: float
    event_study: pd.DataFrame  # relative_period, estimate, lower, upper (period -1 is the reference, fixed at 0)
    pre_trend_statistic: float
    pre_trend_p_value: float
    pre_periods_tested: int
    periods: int
    warnings: list[str] = field(default_factory=list)

    @property
    def parallel_trends_doubtful(self) -> bool:
        """Whether the pilot area already moved differently before the start (leads jointly non-zero at 5%)."""
        return self.pre_trend_p_value < 0.05

    def sentences(self) -> list[str]:
        """What the comparison shows, the parallel-trends check, and its limits, in plain English."""
        pilot = ", ".join(self.pilot_units)
        interval = f"95% confidence interval {self.lower:+,.3g} to {self.upper:+,.3g}"
        if self.lower > 0 or self.upper < 0:
            verdict = (f"After the pilot started in {pilot} ({self.start}), {self.outcome} changed by "
                       f"{self.estimate:+,.3g} per period more than in the {len(self.comparator_units)} comparator "
                       f"areas ({interval}; p = {self.p_value:.3f}).")
        else:
            verdict = (f"No detectable difference: after the pilot started in {pilot} ({self.start}), {self.outcome} "
                       f"changed by {self.estimate:+,.3g} per period relative to the {len(self.comparator_units)} "
                       f"comparator areas ({interval}); effects outside that range are ruled out (95% confidence).")
        if self.event_study.empty:
            trends = "The event study and parallel-trends check were not run."
        elif self.pre_periods_tested == 0:
            trends = "There were too few periods before the start to check that the areas moved in parallel."
        elif self.parallel_trends_doubtful:
            trends = (f"Warning: before the pilot the areas were already moving apart (the {self.pre_periods_tested} "
                      f"periods before the start are jointly different from zero, p = {self.pre_trend_p_value:.3f}), "
                      "so the estimate may reflect that rather than the pilot.")
        else:
            trends = (f"Before the pilot the areas moved in parallel as far as the data can tell (the "
                      f"{self.pre_periods_tested} periods before the start are jointly consistent with no difference, "
                      f"p = {self.pre_trend_p_value:.3f}); this supports, but cannot prove, the comparison.")
        return [verdict, trends, *self.warnings]


def difference_in_differences(panel: pd.DataFrame, *, unit_column: str, time_column: str, outcome_column: str,
                              pilot_units: list[str], start: str,
                              event_window: int = DEFAULT_EVENT_WINDOW,
                              event_study: bool = True) -> DifferenceInDifferences:
    """Estimate a pilot's effect from a panel (one row per area and period). ``start`` is the first period of the
    pilot; periods sort as text or numbers (e.g. "2024-04"). The event study bins periods beyond ``event_window``
    before or after the start into the end points; ``event_study=False`` skips it and the parallel-trends check
    (for simulation studies)."""
    for column in (unit_column, time_column, outcome_column):
        if column not in panel.columns:
            raise TownhallError(f"The panel has no column '{column}'. Columns: {', '.join(map(str, panel.columns))}.")
    data = panel[[unit_column, time_column, outcome_column]].dropna().copy()
    data[unit_column] = data[unit_column].astype(str)
    pilots = [str(unit) for unit in pilot_units]
    units = sorted(data[unit_column].unique())
    unknown = [unit for unit in pilots if unit not in units]
    if unknown:
        raise TownhallError(f"The pilot area {', '.join(unknown)} is not in the panel.")
    comparators = [unit for unit in units if unit not in pilots]
    if not comparators:
        raise TownhallError("A difference-in-differences needs at least one comparator area besides the pilot.")
    times = sorted(data[time_column].unique())
    start_value = type(times[0])(start) if not isinstance(times[0], str) else str(start)
    if start_value not in times:
        raise TownhallError(f"The start period '{start}' is not one of the panel's periods "
                            f"({times[0]} to {times[-1]}).")
    start_index = times.index(start_value)
    if start_index == 0:
        raise TownhallError("The pilot starts in the first period, so there is no 'before' to compare with.")
    time_index = pd.Index(times).get_indexer(data[time_column])
    unit_codes = pd.Index(units).get_indexer(data[unit_column])
    treated = data[unit_column].isin(pilots).to_numpy()
    outcome = data[outcome_column].to_numpy(dtype=float)
    fixed_effects = _fixed_effects(unit_codes, len(units), time_index, len(times))

    after = (treated & (time_index >= start_index)).astype(float)
    overall = _fit(outcome, np.column_stack([after, fixed_effects]), unit_codes)
    lower, upper = overall.interval(0)

    event_table = pd.DataFrame(columns=["relative_period", "estimate", "lower", "upper"])
    statistic, p_value, leads = float("nan"), float("nan"), []
    if event_study:
        event_table, leads, statistic, p_value = _event_study(outcome, treated, time_index, start_index, unit_codes,
                                                              fixed_effects, event_window)
    warnings = []
    if len(pilots) < 5:
        warnings.append(f"Intervals clustered by area assume many areas; with {len(pilots)} pilot "
                        f"area{'s' if len(pilots) != 1 else ''} they can be too narrow, so read the result as "
                        "indicative.")
    if leads and len(leads) >= len(units) - 1:
        warnings.append(f"The parallel-trends check tests {len(leads)} periods with only {len(units)} areas, so it "
                        "has little power to find a difference: look at the event-study chart too.")
    return DifferenceInDifferences(
        outcome=outcome_column, pilot_units=pilots, comparator_units=comparators, start=str(start),
        estimate=float(overall.params[0]), lower=lower, upper=upper, p_value=overall.p_value(0),
        event_study=event_table, pre_trend_statistic=statistic, pre_trend_p_value=p_value,
        pre_periods_tested=len(leads), periods=len(times), warnings=warnings)


def _event_study(outcome: np.ndarray, treated: np.ndarray, time_index: np.ndarray, start_index: int,
                 unit_codes: np.ndarray, fixed_effects: np.ndarray,
                 event_window: int) -> tuple[pd.DataFrame, list[int], float, float]:
    """Leads and lags of the pilot (period -1 is the reference) and the joint test that the leads are zero."""
    relative = np.clip(time_index - start_index, -event_window, event_window)
    leads_lags = [period for period in sorted(set(relative[treated].tolist())) if period != -1]
    event_columns = np.column_stack([(treated & (relative == period)).astype(float) for period in leads_lags])
    event_fit = _fit(outcome, np.column_stack([event_columns, fixed_effects]), unit_codes)
    rows = [{"relative_period": period, "estimate": float(event_fit.params[number]),
             "lower": event_fit.interval(number)[0], "upper": event_fit.interval(number)[1]}
            for number, period in enumerate(leads_lags)]
    rows.append({"relative_period": -1, "estimate": 0.0, "lower": 0.0, "upper": 0.0})
    event_study = pd.DataFrame(rows).sort_values("relative_period").reset_index(drop=True)

    leads = [number for number, period in enumerate(leads_lags) if period < -1]
    statistic, p_value = float("nan"), float("nan")
    if leads:
        statistic, p_value = event_fit.joint_test(leads)
    return event_study, leads, statistic, p_value


def _fixed_effects(unit_codes: np.ndarray, unit_count: int, time_index: np.ndarray, time_count: int) -> np.ndarray:
    """A constant, one column per area but the first and one per period but the first (two-way fixed effects)."""
    rows = len(unit_codes)
    units = np.zeros((rows, unit_count))
    units[np.arange(rows), unit_codes] = 1.0
    periods = np.zeros((rows, time_count))
    periods[np.arange(rows), time_index] = 1.0
    return np.column_stack([np.ones(rows), units[:, 1:], periods[:, 1:]])


@dataclass(frozen=True)
class _ClusteredFit:
    """OLS coefficients with cluster-robust covariance (as statsmodels' "cluster" with its small-sample correction)
    and t-based inference on clusters - 1 degrees of freedom."""

    params: np.ndarray
    covariance: np.ndarray
    degrees_of_freedom: int
    critical_value: float  # the t quantile for a 95% interval

    def interval(self, index: int) -> tuple[float, float]:
        half = self.critical_value * np.sqrt(self.covariance[index, index])
        return float(self.params[index] - half), float(self.params[index] + half)

    def p_value(self, index: int) -> float:
        statistic = self.params[index] / np.sqrt(self.covariance[index, index])
        return float(2 * stats.t.sf(abs(statistic), self.degrees_of_freedom))

    def joint_test(self, indices: list[int]) -> tuple[float, float]:
        """Wald F-test that these coefficients are all zero (pseudo-inverse when there are few clusters)."""
        estimates = self.params[indices]
        block = self.covariance[np.ix_(indices, indices)]
        rank = np.linalg.matrix_rank(block)
        statistic = float(estimates @ np.linalg.pinv(block) @ estimates) / rank
        return statistic, float(stats.f.sf(statistic, rank, self.degrees_of_freedom))


def _fit(outcome: np.ndarray, design: np.ndarray, clusters: np.ndarray) -> _ClusteredFit:
    """OLS by least squares with the cluster-robust sandwich, in plain numpy: fast enough for simulation studies."""
    with one_blas_thread():
        params, *_ = np.linalg.lstsq(design, outcome, rcond=None)
        residuals = outcome - design @ params
        bread = np.linalg.pinv(design.T @ design)
        cluster_count = int(clusters.max()) + 1
        scores = np.zeros((cluster_count, design.shape[1]))
        np.add.at(scores, clusters, design * residuals[:, None])
        rows = design.shape[0]
        rank = np.linalg.matrix_rank(design)
        correction = cluster_count / (cluster_count - 1) * (rows - 1) / (rows - rank)
        covariance = correction * bread @ (scores.T @ scores) @ bread
    return _ClusteredFit(params, covariance, cluster_count - 1,
                         float(stats.t.ppf(0.5 + CONFIDENCE / 2, cluster_count - 1)))


def service_demand_panel(workspace: object, service: str, *, source: str = "service_demand") -> pd.DataFrame:
    """Monthly requests for one service by ward, from the demo's service_demand source (or one shaped like it)."""
    from townhall.workspace import Workspace

    if not isinstance(workspace, Workspace):
        raise TypeError("workspace must be a townhall Workspace")
    with workspace.analytics.connect(read_only=True) as connection:
        frame = connection.execute(
            f"select month, ward_code, ward_name, requests from {workspace.catalogue.table_name(source)} "
            "where service = ? order by month, ward_code", [service]).df()
    if frame.empty:
        services = _services(workspace, source)
        raise TownhallError(f"There is no service called '{service}' in {source}. Services: {', '.join(services)}.")
    frame["month"] = frame["month"].astype(str).str[:7]
    return frame


def _services(workspace: object, source: str) -> list[str]:
    with workspace.analytics.connect(read_only=True) as connection:  # type: ignore[attr-defined]
        found = connection.execute(f"select distinct service from {workspace.catalogue.table_name(source)} "  # type: ignore[attr-defined]
                                   "order by 1").fetchall()
    return [row[0] for row in found]


def service_demand_pilot(workspace: object, *, service: str = "Noise complaints", pilot_ward: str | None = None,
                         start: str = "2024-04", event_window: int = DEFAULT_EVENT_WINDOW) -> DifferenceInDifferences:
    """An illustrative area pilot on the demo's service demand: a hypothetical pilot in one ward (the first by code
    unless named) from ``start``, against every other ward. No pilot really happened, so no effect should show."""
    panel = service_demand_panel(workspace, service)
    wards = sorted(panel["ward_code"].unique())
    if pilot_ward is None:
        pilot_ward = wards[0]
    names = dict(zip(panel["ward_name"], panel["ward_code"], strict=False))
    pilot_code = names.get(pilot_ward, pilot_ward)
    return difference_in_differences(panel, unit_column="ward_code", time_column="month", outcome_column="requests",
                                     pilot_units=[pilot_code], start=start, event_window=event_window)
