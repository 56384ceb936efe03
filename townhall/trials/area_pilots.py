"""Area pilots: difference-in-differences for pilot areas against comparator areas over time, as in Leicester's
Braunstone Blues pilot, with an event-study chart, a parallel-trends check, staggered start dates and a wild cluster
bootstrap when there are few areas.

When a service is piloted in some areas rather than randomised, the comparison is the change in the pilot areas minus
the change in the comparator areas over the same time. With one start date the estimate is a two-way fixed-effects
regression (a constant for every area and every period, plus any covariates) with standard errors clustered by area.
It is only as good as the assumption that, without the pilot, the areas would have moved in parallel: the check tests
whether they did before.

When areas start at different times (staggered adoption), two-way fixed effects can give a badly wrong answer (it
compares late starters with early starters already changed by the pilot; Goodman-Bacon 2021). Then townhall estimates
Callaway and Sant'Anna's (2021, Journal of Econometrics 225(2)) group-time effects instead: for each start date g and
period t, the change since the period before g in the areas that started at g minus the same change in areas never
piloted (or, when every area starts some time, areas not yet started), and averages them by group size, overall and
by periods since the start. Standard errors come from each area's influence on the estimates (clustered by area).
These group-time effects assume parallel trends without covariates.

With few areas, clustered standard errors are too small. Below 30 areas townhall also gives the wild cluster bootstrap
(Cameron, Gelbach & Miller 2008; restricted, with Rademacher weights, or Webb's six-point weights when there are 12 or
fewer areas, as in Roodman et al. 2019's boottest) p-value and interval for the two-way fixed-effects estimate, and it
warns when only one area is treated: no method can then tell the pilot from anything else that happened in that area
(MacKinnon & Webb 2017).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from townhall.errors import TownhallError
from townhall.forecasting import ParsedPeriods, parse_periods, period_label
from townhall.forecasting.periods import period_of
from townhall.trials.analysis import one_blas_thread

CONFIDENCE = 0.95
DEFAULT_EVENT_WINDOW = 12
FEW_AREAS = 30  # below this many areas the wild cluster bootstrap is given beside the clustered interval
WEBB_AREAS = 12  # at or below this many areas Rademacher weights allow too few distinct draws: Webb's are used
BOOTSTRAP_DRAWS = 999
WEBB_WEIGHTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


@dataclass(frozen=True)
class WildBootstrap:
    """The wild cluster bootstrap's p-value and interval for the two-way fixed-effects estimate."""

    p_value: float
    lower: float
    upper: float
    weights: str  # "Rademacher" or "Webb"
    draws: int  # bootstrap draws (every sign pattern when there are few enough areas)

    def sentence(self) -> str:
        """The bootstrap result in plain English."""
        return (f"Wild cluster bootstrap ({self.draws:,} draws, {self.weights} weights; more reliable than clustered "
                f"errors with few areas): 95% interval {self.lower:+,.3g} to {self.upper:+,.3g}, "
                f"p = {self.p_value:.3f}.")


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
    bootstrap: WildBootstrap | None = None
    method: str = "two-way fixed effects"  # or "Callaway and Sant'Anna group-time effects"
    group_time: pd.DataFrame | None = None  # staggered: start, period, estimate, lower, upper, areas
    covariates: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)  # what was read and done on the way

    @property
    def parallel_trends_doubtful(self) -> bool:
        """Whether the pilot areas already moved differently before the start (leads jointly non-zero at 5%)."""
        return self.pre_trend_p_value < 0.05

    def sentences(self) -> list[str]:
        """What the comparison shows, the parallel-trends check, and its limits, in plain English."""
        pilot = ", ".join(self.pilot_units) if len(self.pilot_units) <= 5 else f"{len(self.pilot_units)} areas"
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
        extra = [self.bootstrap.sentence()] if self.bootstrap else []
        return [verdict, trends, *extra, *self.warnings]


@dataclass(frozen=True)
class _Panel:
    """A checked panel: outcome, area and period codes, and the periods in time order."""

    data: pd.DataFrame  # unit, time (period), outcome, covariates; one row per area and period
    units: list[str]
    times: list[Any]  # periods in time order
    parsed: ParsedPeriods
    notes: list[str]


def _read_panel(panel: pd.DataFrame, unit_column: str, time_column: str, outcome_column: str,
                covariates: list[str], where: str) -> _Panel:
    """The panel checked: every column there, periods read as real periods, outcomes and covariates numbers, one row
    per area and period; rows with no outcome are left out and counted."""
    for column in (unit_column, time_column, outcome_column, *covariates):
        if column not in panel.columns:
            raise TownhallError(f"The panel has no column '{column}'. Columns: {', '.join(map(str, panel.columns))}.")
    rows = np.arange(len(panel)) + 2
    parsed = parse_periods(panel[time_column], field=time_column, where=where, rows=rows)
    data = pd.DataFrame({"unit": panel[unit_column].astype("string").str.strip().to_numpy(),
                         "time": parsed.periods.to_numpy(), "_row": rows})
    missing_area = data["unit"].isna() | (data["unit"] == "")
    if missing_area.any():
        shown = ", ".join(map(str, data.loc[missing_area, "_row"].head(5)))
        raise TownhallError(f"{where}: {int(missing_area.sum()):,} rows have no area in '{unit_column}' (rows "
                            f"{shown}). Give every row its area.")
    notes = [f"{parsed.describe()}"]
    for column, name in ((outcome_column, "outcome"), *((column, column) for column in covariates)):
        numbers = pd.to_numeric(panel[column], errors="coerce")
        text = panel[column].astype("string").str.strip()
        wrong = numbers.isna() & text.notna() & (text != "")
        if wrong.any():
            positions = np.flatnonzero(wrong.to_numpy(dtype=bool))[:5]
            shown = ", ".join(f"'{panel[column].iloc[position]}' (row {rows[position]})" for position in positions)
            raise TownhallError(f"{where}: {int(wrong.sum()):,} values of '{column}' are not numbers: {shown}.")
        data[name] = numbers.to_numpy(dtype=float)
    empty = data["outcome"].isna()
    if covariates:
        empty |= data[covariates].isna().any(axis=1)
    if empty.any():
        notes.append(f"{int(empty.sum()):,} rows with no {outcome_column}"
                     + (" or covariate" if covariates else "") + " were left out.")
        data = data[~empty]
    twice = data.duplicated(["unit", "time"], keep=False)
    if twice.any():
        first = data[twice].sort_values(["unit", "_row"]).iloc[0]
        same = data[twice & (data["unit"] == first["unit"]) & (data["time"] == first["time"])]["_row"].tolist()
        raise TownhallError(f"{where}: {int(twice.sum()):,} rows repeat an area and period, for example rows "
                            f"{', '.join(map(str, same[:5]))} ({first['unit']}, {_period_text(first['time'])}). Keep "
                            "one row per area and period.")
    times = sorted(data["time"].unique())
    return _Panel(data.drop(columns="_row").reset_index(drop=True), sorted(data["unit"].unique()), times, parsed,
                  notes)


def _period_text(period: Any) -> str:
    return period_label(period) if isinstance(period, pd.Period) else str(period)


def difference_in_differences(panel: pd.DataFrame, *, unit_column: str, time_column: str, outcome_column: str,
                              pilot_units: list[str], start: str | list[str],
                              event_window: int = DEFAULT_EVENT_WINDOW, event_study: bool = True,
                              covariates: list[str] | None = None, bootstrap: bool | None = None,
                              seed: int = 0, where: str = "The panel") -> DifferenceInDifferences:
    """Estimate a pilot's effect from a panel (one row per area and period). ``start`` is the first period of the
    pilot, read like the panel's periods ("2024-04", "2024Q2", a date …); a list gives each pilot area its own start
    (staggered adoption: Callaway and Sant'Anna group-time effects). The event study bins periods beyond
    ``event_window`` before or after the start into the end points; ``event_study=False`` skips it and the
    parallel-trends check (for simulation studies). ``covariates`` are numeric columns added to the two-way
    fixed-effects regression. ``bootstrap`` (by default: when there are fewer than 30 areas) adds the wild cluster
    bootstrap."""
    covariates = list(covariates or [])
    read = _read_panel(panel, unit_column, time_column, outcome_column, covariates, where)
    pilots = [str(unit).strip() for unit in pilot_units]
    unknown = [unit for unit in pilots if unit not in read.units]
    if unknown:
        raise TownhallError(f"The pilot area {', '.join(unknown)} is not in the panel.")
    if len(set(pilots)) != len(pilots):
        raise TownhallError("A pilot area is named twice: name each once.")
    starts = [start] * len(pilots) if isinstance(start, str | int) else [str(value) for value in start]
    if len(starts) != len(pilots):
        raise TownhallError(f"Give one start for every pilot area, or one for all: there are {len(pilots)} pilot "
                            f"areas and {len(starts)} starts.")
    start_periods = [period_of(value, read.parsed, what="start period") for value in starts]
    for value, period in zip(starts, start_periods, strict=True):
        if period not in read.times:
            raise TownhallError(f"The start period '{value}' is not one of the panel's periods "
                                f"({_period_text(read.times[0])} to {_period_text(read.times[-1])}).")
        if read.times.index(period) == 0:
            raise TownhallError("The pilot starts in the first period, so there is no 'before' to compare with.")
    comparators = [unit for unit in read.units if unit not in pilots]
    if len(set(start_periods)) > 1:
        return _staggered(read, pilots, dict(zip(pilots, start_periods, strict=True)), outcome_column, covariates,
                          bootstrap, seed)
    if not comparators:
        raise TownhallError("A difference-in-differences needs at least one comparator area besides the pilot.")
    data = read.data
    times, units = read.times, read.units
    start_index = times.index(start_periods[0])
    time_index = pd.Index(times).get_indexer(data["time"])
    unit_codes = pd.Index(units).get_indexer(data["unit"])
    treated = data["unit"].isin(pilots).to_numpy()
    outcome = data["outcome"].to_numpy(dtype=float)
    fixed_effects = _fixed_effects(unit_codes, len(units), time_index, len(times))
    controls, notes = _covariate_columns(data, covariates, fixed_effects)
    base = np.column_stack([fixed_effects, controls]) if controls.size else fixed_effects

    after = (treated & (time_index >= start_index)).astype(float)
    overall = _fit(outcome, np.column_stack([after, base]), unit_codes)
    lower, upper = overall.interval(0)

    event_table = pd.DataFrame(columns=["relative_period", "estimate", "lower", "upper"])
    statistic, p_value, leads = float("nan"), float("nan"), []
    if event_study:
        event_table, leads, statistic, p_value = _event_study(outcome, treated, time_index, start_index, unit_codes,
                                                              base, event_window)
    warnings = _few_areas_warnings(pilots, units)
    if leads and len(leads) >= len(units) - 1:
        warnings.append(f"The parallel-trends check tests {len(leads)} periods with only {len(units)} areas, so it "
                        "has little power to find a difference: look at the event-study chart too.")
    wild = None
    if bootstrap or (bootstrap is None and len(units) < FEW_AREAS):
        wild = wild_cluster_bootstrap(outcome, after, base, unit_codes, seed=seed)
    return DifferenceInDifferences(
        outcome=outcome_column, pilot_units=pilots, comparator_units=comparators,
        start=_period_text(start_periods[0]), estimate=float(overall.params[0]), lower=lower, upper=upper,
        p_value=overall.p_value(0), event_study=event_table, pre_trend_statistic=statistic,
        pre_trend_p_value=p_value, pre_periods_tested=len(leads), periods=len(times), warnings=warnings,
        bootstrap=wild, covariates=tuple(covariates), notes=[*read.notes, *notes])


def _few_areas_warnings(pilots: list[str], units: list[str]) -> list[str]:
    warnings = []
    if len(pilots) == 1:
        warnings.append("Warning: only one area is treated. Nothing can tell the pilot apart from anything else that "
                        "happened in that area at the time, and intervals (clustered or bootstrapped) are unreliable "
                        "with a single treated area: read the result as indicative only.")
    elif len(pilots) < 5:
        warnings.append(f"Intervals clustered by area assume many areas; with {len(pilots)} pilot areas they can be "
                        "too narrow, so read the result as indicative.")
    if len(units) < FEW_AREAS:
        warnings.append(f"With {len(units)} areas, clustered intervals tend to be too narrow: the wild cluster "
                        "bootstrap's is the one to read.")
    return warnings


def _covariate_columns(data: pd.DataFrame, covariates: list[str],
                       fixed_effects: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Covariates as columns, leaving out (and naming) any that do not vary within areas over time: the area's own
    constant already accounts for them."""
    kept, notes = [], []
    rank = np.linalg.matrix_rank(fixed_effects)
    for name in covariates:
        column = data[name].to_numpy(dtype=float)
        candidate = np.column_stack([fixed_effects, *kept, column])
        if np.linalg.matrix_rank(candidate) <= rank + len(kept):
            notes.append(f"The covariate '{name}' was left out: it does not change within areas over time (or "
                         "repeats other covariates), so the areas' and periods' own constants already allow for it.")
        else:
            kept.append(column)
    return (np.column_stack(kept) if kept else np.empty((len(data), 0))), notes


def wild_cluster_bootstrap(outcome: np.ndarray, treatment: np.ndarray, controls: np.ndarray, clusters: np.ndarray, *,
                           draws: int = BOOTSTRAP_DRAWS, seed: int = 0,
                           weights: np.ndarray | None = None) -> WildBootstrap:
    """The restricted wild cluster bootstrap-t (WCR) for the coefficient of ``treatment`` in an OLS of ``outcome``
    on it and ``controls``, clustered by ``clusters`` (codes 0..G-1): its p-value, and the 95% interval from
    inverting the test. Every sign pattern is used when there are few enough clusters for Rademacher weights;
    ``weights`` (clusters x draws) gives the draws' weights instead.

    The algebra follows Roodman, Nielsen, MacKinnon & Webb (2019): after partialling out the controls, each draw's
    estimate and clustered standard error are sums over clusters, so all draws are computed at once."""
    with one_blas_thread():
        basis, _ = np.linalg.qr(controls[:, _independent(controls)])
        partial = lambda values: values - basis @ (basis.T @ values)  # noqa: E731
        y, d = partial(outcome), partial(treatment)
    count = int(clusters.max()) + 1
    rows, rank = len(outcome), basis.shape[1] + 1
    correction = count / (count - 1) * (rows - 1) / (rows - rank)
    denominator = float(d @ d)
    if denominator <= 0:
        raise TownhallError("The pilot indicator is fully explained by the areas' and periods' constants, so its "
                            "effect cannot be estimated.")
    by_cluster = np.zeros((count, rows))
    by_cluster[clusters, np.arange(rows)] = 1.0
    d_sum_y = by_cluster @ (d * y)  # A_g
    d_sum_d = by_cluster @ (d * d)  # B_g
    f = by_cluster @ (d[:, None] * basis)  # F: each cluster's d'Q
    c_y = by_cluster @ (y[:, None] * basis)  # each cluster's Q'y
    c_d = by_cluster @ (d[:, None] * basis)
    estimate = float(d @ y) / denominator
    scores = by_cluster @ (d * (y - estimate * d))
    standard_error = float(np.sqrt(correction * scores @ scores)) / denominator
    if weights is None:
        weights, name, draws_used = _bootstrap_weights(count, draws, seed)
    else:
        name, draws_used = "given", weights.shape[1]

    def p_value(null: float) -> float:
        restricted = d_sum_y - null * d_sum_d  # each cluster's d'r0
        numerator = restricted @ weights  # (draws,)
        shift = numerator / denominator  # bootstrap estimate minus the null
        projected = f @ (c_y - null * c_d).T  # G x G: cluster h's d'P(r0 on cluster g)
        cluster_scores = restricted[:, None] * weights - projected @ weights - d_sum_d[:, None] * shift[None, :]
        errors = np.sqrt(correction * (cluster_scores**2).sum(axis=0)) / denominator
        bootstrap_t = shift / np.where(errors > 0, errors, np.inf)
        observed = (estimate - null) / standard_error
        return float(np.mean(np.abs(bootstrap_t) >= abs(observed) - 1e-12))

    lower = _invert(p_value, estimate, -standard_error)
    upper = _invert(p_value, estimate, standard_error)
    return WildBootstrap(p_value(0.0), lower, upper, name, draws_used)


def _independent(matrix: np.ndarray) -> np.ndarray:
    """The columns of ``matrix`` that are not combinations of earlier ones (a fixed-effects design has a few)."""
    _, factor = np.linalg.qr(matrix)
    diagonal = np.abs(np.diag(factor))
    return np.flatnonzero(diagonal > 1e-9 * max(diagonal.max(), 1.0))


def _bootstrap_weights(count: int, draws: int, seed: int) -> tuple[np.ndarray, str, int]:
    """G x B weights: every Rademacher sign pattern when 2^G is at most ``draws`` (and G above 12), else random
    Rademacher draws, or Webb's six-point weights at 12 clusters or fewer."""
    generator = np.random.default_rng(seed)
    if count <= WEBB_AREAS:
        return generator.choice(WEBB_WEIGHTS, size=(count, draws)), "Webb six-point", draws
    if 2**count <= draws:
        patterns = ((np.arange(2**count)[None, :] >> np.arange(count)[:, None]) & 1) * 2.0 - 1.0
        return patterns, "Rademacher (every sign pattern)", 2**count
    return generator.choice([-1.0, 1.0], size=(count, draws)), "Rademacher", draws


def _invert(p_value: Any, estimate: float, step: float, level: float = 1 - CONFIDENCE) -> float:
    """The null value on one side of the estimate where the bootstrap p-value falls to ``level`` (bisection)."""
    inside, outside = estimate, estimate + step
    for _ in range(60):  # widen until the p-value is below the level
        if p_value(outside) < level:
            break
        inside, outside = outside, outside + 2 * (outside - estimate)
    for _ in range(40):
        middle = (inside + outside) / 2
        inside, outside = (middle, outside) if p_value(middle) >= level else (inside, middle)
    return float((inside + outside) / 2)


def _staggered(read: _Panel, pilots: list[str], starts: dict[str, Any], outcome_column: str, covariates: list[str],
               bootstrap: bool | None, seed: int) -> DifferenceInDifferences:
    """Callaway and Sant'Anna group-time effects, their average by group size and the event study."""
    data, times = read.data, read.times
    wide = data.pivot(index="unit", columns="time", values="outcome").reindex(columns=times)
    if wide.isna().any().any():
        gaps = wide.isna().sum(axis=1)
        area = gaps[gaps > 0].index[0]
        raise TownhallError(f"Staggered pilots need every area in every period; {int((gaps > 0).sum())} areas have "
                            f"gaps, for example {area}. Fill them in or leave those areas out.")
    outcome = wide.to_numpy(dtype=float)
    units = list(wide.index)
    position = {period: index for index, period in enumerate(times)}
    group = np.array([position[starts[unit]] if unit in starts else -1 for unit in units])
    never = group < 0
    notes = list(read.notes)
    if never.any():
        comparison = "areas never piloted"
    else:
        comparison = "areas not yet piloted"
        notes.append("Every area starts the pilot at some time, so each start is compared with areas that had not "
                     "started yet; the last periods, when every area had started, cannot be judged.")
    if covariates:
        notes.append("The group-time effects do not adjust for covariates (they assume parallel trends as they "
                     f"are); {', '.join(covariates)} were not used.")
    count = len(units)
    cells, influence = [], []
    for start in sorted(set(group[~never].tolist())):
        members = group == start
        for period in range(1, len(times)):
            base = start - 1 if period >= start else period - 1
            if period >= start:
                control = never | (group > period) if not never.any() else never
            else:
                control = never if never.any() else (group > max(period, start))
            control = control & ~members
            if not control.any():
                continue
            change = outcome[:, period] - outcome[:, base]
            treated_mean, control_mean = change[members].mean(), change[control].mean()
            psi = np.zeros(count)
            psi[members] = count / members.sum() * (change[members] - treated_mean)
            psi[control] -= count / control.sum() * (change[control] - control_mean)
            cells.append({"start": start, "period": period, "estimate": treated_mean - control_mean,
                          "areas": int(members.sum()), "share": members.mean()})
            influence.append(psi)
    if not cells:
        raise TownhallError("No start date has comparison areas to be judged against.")
    table = pd.DataFrame(cells)
    psi = np.array(influence)  # cells x areas
    errors = np.sqrt((psi**2).sum(axis=1)) / count
    critical = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    table["lower"], table["upper"] = table["estimate"] - critical * errors, table["estimate"] + critical * errors
    post = (table["period"] >= table["start"]).to_numpy()
    overall, overall_error = _aggregate(table, psi, post, group, count)
    rows = []
    relative = (table["period"] - table["start"]).to_numpy()
    for offset in sorted(set(relative.tolist())):
        chosen = relative == offset
        value, error = _aggregate(table, psi, chosen, group, count)
        rows.append({"relative_period": int(offset), "estimate": value, "lower": value - critical * error,
                     "upper": value + critical * error})
    if -1 not in relative:
        rows.append({"relative_period": -1, "estimate": 0.0, "lower": 0.0, "upper": 0.0})
    event = pd.DataFrame(rows).sort_values("relative_period").reset_index(drop=True)
    leads = table[~post]
    statistic, trend_p = float("nan"), float("nan")
    if len(leads):
        lead_psi = psi[~post]
        covariance = lead_psi @ lead_psi.T / count**2
        values = leads["estimate"].to_numpy()
        rank = np.linalg.matrix_rank(covariance)
        if rank:
            statistic = float(values @ np.linalg.pinv(covariance) @ values)
            trend_p = float(stats.chi2.sf(statistic, rank))
    table["start"] = [_period_text(times[index]) for index in table["start"]]
    table["period"] = [_period_text(times[index]) for index in table["period"]]
    pilots_in_order = [unit for unit in units if unit in starts]
    warnings = _few_areas_warnings(pilots_in_order, units)
    by_start: dict[str, int] = {}
    for unit in pilots_in_order:
        by_start[_period_text(starts[unit])] = by_start.get(_period_text(starts[unit]), 0) + 1
    starts_text = "staggered: " + "; ".join(f"{count} area{'s' if count != 1 else ''} from {when}"
                                           for when, count in by_start.items())
    notes.append(f"Start dates differ between areas, so each start date's areas are compared with {comparison} "
                 "(Callaway and Sant'Anna group-time effects) rather than by two-way fixed effects, which can mislead "
                 "when starts are staggered.")
    return DifferenceInDifferences(
        outcome=outcome_column, pilot_units=pilots_in_order,
        comparator_units=[unit for unit, is_never in zip(units, never, strict=True) if is_never],
        start=starts_text, estimate=overall, lower=overall - critical * overall_error,
        upper=overall + critical * overall_error, p_value=float(2 * stats.norm.sf(abs(overall / overall_error)))
        if overall_error > 0 else float("nan"), event_study=event, pre_trend_statistic=statistic,
        pre_trend_p_value=trend_p, pre_periods_tested=len(leads), periods=len(times), warnings=warnings,
        method="Callaway and Sant'Anna group-time effects", group_time=table, notes=notes)


def _aggregate(table: pd.DataFrame, psi: np.ndarray, chosen: np.ndarray, group: np.ndarray,
               count: int) -> tuple[float, float]:
    """The average of the chosen group-time effects weighted by group size, and its standard error, including the
    uncertainty in the weights (the share of areas in each group), as Callaway and Sant'Anna's aggregation does."""
    shares = table.loc[chosen, "share"].to_numpy()
    effects = table.loc[chosen, "estimate"].to_numpy()
    starts = table.loc[chosen, "start"].to_numpy()
    total = shares.sum()
    weights = shares / total
    value = float(weights @ effects)
    # Influence of estimating each share: 1[area in group] - share, carried through the weights' normalisation.
    indicator = (group[None, :] == starts[:, None]).astype(float) - shares[:, None]
    weight_influence = indicator / total - np.outer(shares, indicator.sum(axis=0)) / total**2
    combined = weights @ psi[chosen] + effects @ weight_influence
    return value, float(np.sqrt((combined**2).sum()) / count)

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


def service_demand_panel(workspace: object, service: str | None, *, source: str | None = None) -> pd.DataFrame:
    """Figures for one service by area and period from the demand source named in [forecasting] (columns: area,
    area_name, period label and value, in the source's own periods)."""
    from townhall.forecasting import demand_figures
    from townhall.workspace import Workspace

    if not isinstance(workspace, Workspace):
        raise TypeError("workspace must be a townhall Workspace")
    frame, _rows, name = demand_figures(workspace, source)
    if "area" not in frame.columns:
        raise TownhallError(f"The demand source '{name}' has no area column: set demand_columns.area in townhall.toml "
                            "[forecasting].")
    if "service" in frame.columns:
        services = sorted(frame["service"].dropna().astype(str).unique())
        if not service:
            raise TownhallError(f"Name the service to study (--service): {name} has {', '.join(services)}.")
        frame = frame[frame["service"].astype(str) == service]
        if frame.empty:
            raise TownhallError(f"There is no service called '{service}' in {name}. Services: {', '.join(services)}.")
    if "area_name" not in frame.columns:
        frame = frame.assign(area_name=frame["area"])
    return frame[["area", "area_name", "date", "value"]].rename(columns={"date": "period"}).reset_index(drop=True)


def service_demand_pilot(workspace: object, *, service: str, pilot_area: str | None = None,
                         start: str = "2024-04", event_window: int = DEFAULT_EVENT_WINDOW) -> DifferenceInDifferences:
    """An illustrative area pilot on the demand source: a hypothetical pilot in one area (the first by code unless
    named) from ``start``, against every other area. No pilot really happened, so no effect should show."""
    panel = service_demand_panel(workspace, service)
    areas = sorted(panel["area"].astype(str).unique())
    names = dict(zip(panel["area_name"].astype(str), panel["area"].astype(str), strict=False))
    pilot_code = names.get(pilot_area, pilot_area) if pilot_area else areas[0]
    return difference_in_differences(panel, unit_column="area", time_column="period", outcome_column="value",
                                     pilot_units=[pilot_code], start=start, event_window=event_window,
                                     where="The demand source")
