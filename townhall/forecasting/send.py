"""Projecting children with education, health and care (EHC) plans, in the manner of Mastodon C's open SEND model.

The state is the number of children by national-curriculum year x need x setting (the January census). Each year,
every child in a state may leave the SEND population, may move to another setting, and otherwise stays; all move up
a school year; new children join. History gives the rates:

- leaving: a beta-binomial rate per school year and setting, shrunk toward the rate for that school year and the
  overall rate, so that no rate is exactly zero just because nobody happened to leave a small group;
- moving: whether, the same way; where to, a Dirichlet-multinomial over the settings children were seen moving to
  from that setting and school year, blended with the pattern for the school year and the overall pattern;
- joining: a rate per child in the population by school year (gamma-Poisson), applied to the projected population,
  and spread over needs and settings by the pattern seen for that school year, blended with the overall pattern.

Many runs are simulated (seeded, vectorised with numpy), each drawing its own rates from their posteriors, so the
spread of the runs shows both chance and how little history there is. A child's need is carried forward.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from townhall.errors import InputFileError, TownhallError

if TYPE_CHECKING:
    from townhall.workspace import Workspace

NONSEND = "NONSEND"
TRANSITION_COLUMNS = {  # the open SEND model's column names -> the names used here
    "calendar-year": "calendar_year", "setting-1": "setting_before", "need-1": "need_before",
    "academic-year-1": "year_before", "setting-2": "setting_after", "need-2": "need_after",
    "academic-year-2": "year_after", "count": "count",
}
POPULATION_COLUMNS = ("calendar-year", "academic-year", "population")
SCHOOL_START_AGE = 4  # reception (national-curriculum year 0) starts in the September after a child turns 4
# How many observations' worth of weight the school-year and overall rates carry when they steady a group's rate.
PRIOR_STRENGTH = 5.0
DESTINATION_PRIOR_STRENGTH = 2.0
JOINER_PRIOR_STRENGTH = 2.0
DEFAULT_RUNS = 500
DEFAULT_YEARS = 6

# Illustrative annual costs per child by setting for the demo's settings (pounds). Not real figures: a council
# should give its own with --costs (a CSV of setting,cost).
ILLUSTRATIVE_COSTS: dict[str, float] = {
    "EYS": 9_000, "MMSIB": 14_000, "MSSIB": 26_000, "ISSR": 58_000, "APR": 21_000, "FEC": 11_000, "NMSS": 52_000,
}
SETTING_NAMES = {  # the demo's setting codes, in words
    "EYS": "Early years setting", "MMSIB": "Mainstream school in the borough",
    "MSSIB": "Special school in the borough", "ISSR": "Independent special school",
    "APR": "Alternative provision", "FEC": "Further education college", "NMSS": "Non-maintained special school",
}

Progress = Callable[[str, float], None]


# --- inputs -----------------------------------------------------------------------------------------------------

def tidy_transitions(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """A transitions table in the open SEND model's layout, checked and renamed (calendar_year, setting_before...)."""
    missing = [column for column in TRANSITION_COLUMNS if column not in frame.columns]
    if missing:
        raise InputFileError(where, f"the transitions table has no {', '.join(missing)} column. It needs: "
                                    f"{', '.join(TRANSITION_COLUMNS)}.", field=missing[0])
    tidy = frame[list(TRANSITION_COLUMNS)].rename(columns=TRANSITION_COLUMNS)
    for column in ("calendar_year", "year_before", "year_after", "count"):
        numbers = pd.to_numeric(tidy[column], errors="coerce")
        bad = numbers.isna() | (numbers != np.floor(numbers)) | ((numbers < 0) & (column == "count"))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            original = {value: key for key, value in TRANSITION_COLUMNS.items()}[column]
            raise InputFileError(where, f"'{tidy[column].iloc[row]}' is not a whole number"
                                        + (" of 0 or more" if column == "count" else ""), row=row + 2, field=original)
        tidy[column] = numbers.astype(int)
    for column in ("setting_before", "need_before", "setting_after", "need_after"):
        tidy[column] = tidy[column].astype(str).str.strip()
    return tidy[tidy["count"] > 0].reset_index(drop=True)


def send_source(workspace: Workspace, source: str | None = None) -> str:
    """The transitions source to read: ``source`` when given, else [forecasting] send_source; a plain message when
    none is set or it is not registered."""
    from townhall.forecasting.sources import configured_source

    return configured_source(workspace, source, "send_source", "SEND transitions source",
                             "a source in the open SEND model's layout")


def read_transitions(workspace: Workspace, source: str | None = None) -> pd.DataFrame:
    """The transitions table from a registered source ([forecasting] send_source unless named)."""
    source = send_source(workspace, source)
    table = workspace.catalogue.table_name(source)
    with workspace.analytics.connect(read_only=True) as connection:
        frame = connection.execute(f"SELECT * FROM {table}").df()
    return tidy_transitions(frame, f"source {source}")


def read_transitions_csv(path: Path | str) -> pd.DataFrame:
    """The transitions table from a CSV file in the open SEND model's layout."""
    return tidy_transitions(_read_csv(path), str(path))


def _read_csv(path: Path | str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise InputFileError(str(path), "the file does not exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputFileError(str(path), f"it could not be read as CSV ({error})") from None


def read_population_csv(path: Path | str) -> pd.DataFrame:
    """Population projections from a CSV file: calendar-year, academic-year, population (children in that school
    year in January of that year)."""
    frame = _read_csv(path)
    missing = [column for column in POPULATION_COLUMNS if column not in frame.columns]
    if missing:
        raise InputFileError(str(path), f"the population file needs the columns {', '.join(POPULATION_COLUMNS)}",
                             field=missing[0])
    tidy = frame[list(POPULATION_COLUMNS)].rename(columns=lambda name: name.replace("-", "_"))
    for column in tidy.columns:
        numbers = pd.to_numeric(tidy[column], errors="coerce")
        if numbers.isna().any() or (numbers < 0).any() & (column == "population"):
            row = int(np.flatnonzero(numbers.isna().to_numpy() | (numbers < 0).to_numpy())[0])
            raise InputFileError(str(path), f"'{tidy[column].iloc[row]}' is not a number townhall can use",
                                 row=row + 2, field=column.replace("_", "-"))
        tidy[column] = numbers
    return tidy.astype({"calendar_year": int, "academic_year": int, "population": float})


def read_costs_csv(path: Path | str) -> dict[str, float]:
    """Annual cost per child by setting from a CSV file with the columns setting and cost."""
    frame = _read_csv(path)
    if not {"setting", "cost"} <= set(frame.columns):
        raise InputFileError(str(path), "the costs file needs the columns setting and cost (per child per year)",
                             field="cost" if "setting" in frame.columns else "setting")
    costs = {}
    for row, (setting, cost) in enumerate(zip(frame["setting"], frame["cost"], strict=True), start=2):
        value = pd.to_numeric(pd.Series([cost]), errors="coerce").iloc[0]
        if pd.isna(value) or value < 0:
            raise InputFileError(str(path), f"'{cost}' is not a cost of 0 or more", row=row, field="cost")
        costs[str(setting).strip()] = float(value)
    return costs


def population_from_index(workspace: Workspace, calendar_years: Sequence[int],
                          academic_years: Sequence[int]) -> pd.DataFrame:
    """Children by school year in January of each year, counted from dates of birth in the person index.

    Young children are seldom in council records, so cohorts under school age (and not yet born) are taken to be
    the size of the average school-age cohort. Use population projections (read_population_csv) when you have them.
    """
    from townhall.identity.index import IndexNotBuiltError, index_exists, read_index

    if not index_exists(workspace):
        raise IndexNotBuiltError("The SEND projection needs the child population by age: link the council's records "
                                 "with 'townhall link' first, or give population projections as a CSV file.")
    births = read_index(workspace, """
        SELECT year(date_of_birth) - (month(date_of_birth) < 9)::int AS school_year_of_birth, count(*) AS children
        FROM identity.persons WHERE date_of_birth IS NOT NULL GROUP BY 1""")
    cohort = dict(zip(births["school_year_of_birth"].astype(int), births["children"].astype(float), strict=True))
    latest = max(cohort)  # the youngest cohort is still being born when the index was built
    # Babies and toddlers are seldom in council records, so cohorts not yet at school are taken to be as large as
    # the average cohort of school age (5 to 15 at the latest birth).
    school_age = [cohort[year] for year in range(latest - 15, latest - 4) if year in cohort]
    newborn = float(np.mean(school_age)) if school_age else 0.0
    rows = []
    for calendar_year in calendar_years:
        for academic_year in academic_years:
            born = calendar_year - 1 - SCHOOL_START_AGE - academic_year
            children = cohort.get(born, 0.0) if born <= latest - 5 else newborn
            rows.append((calendar_year, academic_year, children))
    return pd.DataFrame(rows, columns=["calendar_year", "academic_year", "population"])


# --- the model --------------------------------------------------------------------------------------------------

@dataclass
class SendModel:
    """Rates estimated from the transitions: the parameters of each posterior, by school year, need and setting."""

    academic_years: list[int]
    needs: list[str]
    settings: list[str]
    census_year: int  # the latest January census in the history: the projection starts from it
    start: np.ndarray  # children by (school year, need, setting) at the census
    leave_alpha: np.ndarray  # (school year, setting)
    leave_beta: np.ndarray
    move_alpha: np.ndarray
    move_beta: np.ndarray
    destinations: np.ndarray  # Dirichlet concentration (school year, from setting, to setting); 0 on the diagonal
    joiner_shape: np.ndarray  # gamma posterior for joiners per child in the population, by school year
    joiner_rate: np.ndarray
    joiner_pattern: np.ndarray  # Dirichlet concentration (school year, need x setting) for where joiners go
    history_years: list[int] = field(default_factory=list)

    @property
    def leave_rates(self) -> np.ndarray:
        """The expected leaving rate by (school year, setting)."""
        return self.leave_alpha / (self.leave_alpha + self.leave_beta)

    @property
    def move_rates(self) -> np.ndarray:
        """The expected rate of moving setting by (school year, setting)."""
        return self.move_alpha / (self.move_alpha + self.move_beta)


def _shrunk_rate(events: np.ndarray, trials: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Beta parameters per (school year, setting), shrunk toward the school year's rate, itself shrunk toward the
    overall rate (never exactly zero: half an event is added to the overall count)."""
    overall = (events.sum() + 0.5) / (trials.sum() + 1.0)
    by_year = (events.sum(axis=1) + PRIOR_STRENGTH * overall) / (trials.sum(axis=1) + PRIOR_STRENGTH)
    alpha = events + PRIOR_STRENGTH * by_year[:, None]
    beta = trials - events + PRIOR_STRENGTH * (1 - by_year[:, None])
    return alpha, beta


def fit_send_model(transitions: pd.DataFrame, population: pd.DataFrame, *, from_year: int | None = None) -> SendModel:
    """Estimate the leaving, moving and joining rates from a tidy transitions table (``tidy_transitions``) and the
    population by school year in the history's years; ``from_year`` ignores transitions before that year."""
    used = transitions if from_year is None else transitions[transitions["calendar_year"] >= from_year]
    if used.empty:
        raise TownhallError("There are no SEND transitions to learn from"
                            + (f" from {from_year} on." if from_year is not None else "."))
    census_year = int(transitions["calendar_year"].max())
    in_send = pd.concat([transitions.loc[transitions["setting_before"] != NONSEND, ["year_before"]]
                        .rename(columns={"year_before": "year"}),
                         transitions.loc[transitions["setting_after"] != NONSEND, ["year_after"]]
                        .rename(columns={"year_after": "year"})])
    academic_years = list(range(int(in_send["year"].min()), int(in_send["year"].max()) + 1))
    settings = sorted(set(transitions["setting_before"]) | set(transitions["setting_after"]) - {NONSEND})
    needs = sorted(set(transitions["need_before"]) | set(transitions["need_after"]) - {NONSEND})
    settings = [setting for setting in settings if setting != NONSEND]
    needs = [need for need in needs if need != NONSEND]
    year_index = {year: position for position, year in enumerate(academic_years)}
    setting_index = {setting: position for position, setting in enumerate(settings)}
    need_index = {need: position for position, need in enumerate(needs)}
    years, setting_count, need_count = len(academic_years), len(settings), len(needs)

    def positions(frame: pd.DataFrame, year: str, setting: str) -> tuple[np.ndarray, np.ndarray]:
        return (frame[year].map(year_index).to_numpy(dtype=int), frame[setting].map(setting_index).to_numpy(dtype=int))

    # Leaving: children in SEND before, by whether they are still in SEND after.
    before = used[used["setting_before"] != NONSEND]
    trials, leavers = np.zeros((years, setting_count)), np.zeros((years, setting_count))
    rows, columns = positions(before, "year_before", "setting_before")
    np.add.at(trials, (rows, columns), before["count"].to_numpy(dtype=float))
    leaving = (before["setting_after"] == NONSEND).to_numpy()
    np.add.at(leavers, (rows[leaving], columns[leaving]), before["count"].to_numpy(dtype=float)[leaving])
    leave_alpha, leave_beta = _shrunk_rate(leavers, trials)

    # Moving: of those who stayed in SEND, who changed setting, and to where.
    stayed = before[~leaving]
    rows, columns = positions(stayed, "year_before", "setting_before")
    counts = stayed["count"].to_numpy(dtype=float)
    destination = stayed["setting_after"].map(setting_index).to_numpy(dtype=int)
    stay_trials, movers = np.zeros((years, setting_count)), np.zeros((years, setting_count))
    np.add.at(stay_trials, (rows, columns), counts)
    moved = destination != columns
    np.add.at(movers, (rows[moved], columns[moved]), counts[moved])
    move_alpha, move_beta = _shrunk_rate(movers, stay_trials)
    flows = np.zeros((years, setting_count, setting_count))
    np.add.at(flows, (rows[moved], columns[moved], destination[moved]), counts[moved])
    overall_pattern = _normalised(flows.sum(axis=(0, 1)))
    year_pattern = np.array([_normalised(flows[year].sum(axis=0), overall_pattern) for year in range(years)])
    destinations = flows + DESTINATION_PRIOR_STRENGTH * (0.5 * year_pattern[:, None, :] + 0.5 * overall_pattern)
    destinations[:, np.arange(setting_count), np.arange(setting_count)] = 0.0
    if setting_count == 1:
        move_alpha = np.full_like(move_alpha, 1e-9)  # with one setting there is nowhere to move to

    # Joining: children new to SEND by school year, per child in the population that year.
    joiners = used[used["setting_before"] == NONSEND]
    joined = np.zeros((years,))
    np.add.at(joined, joiners["year_after"].map(year_index).to_numpy(dtype=int), joiners["count"].to_numpy(float))
    history_years = sorted(int(year) for year in used["calendar_year"].unique())
    exposure = _population_grid(population, history_years, academic_years).sum(axis=0)
    overall_rate = (joined.sum() + 0.5) / (exposure.sum() + 1.0)
    prior_exposure = JOINER_PRIOR_STRENGTH / overall_rate
    joiner_shape = joined + JOINER_PRIOR_STRENGTH
    joiner_rate = exposure + prior_exposure
    pattern = np.zeros((years, need_count * setting_count))
    cells = (joiners["need_after"].map(need_index).to_numpy(dtype=int) * setting_count
             + joiners["setting_after"].map(setting_index).to_numpy(dtype=int))
    np.add.at(pattern, (joiners["year_after"].map(year_index).to_numpy(dtype=int), cells),
              joiners["count"].to_numpy(float))
    # Where the whole SEND population is seen, for school years in which nobody has joined yet.
    census = transitions[(transitions["calendar_year"] == census_year) & (transitions["setting_after"] != NONSEND)]
    start = np.zeros((years, need_count, setting_count))
    np.add.at(start, (census["year_after"].map(year_index).to_numpy(dtype=int),
                      census["need_after"].map(need_index).to_numpy(dtype=int),
                      census["setting_after"].map(setting_index).to_numpy(dtype=int)), census["count"].to_numpy(float))
    overall_joiner_pattern = _normalised(pattern.sum(axis=0), _normalised(start.sum(axis=0).ravel()))
    joiner_pattern = pattern + JOINER_PRIOR_STRENGTH * overall_joiner_pattern
    return SendModel(academic_years=academic_years, needs=needs, settings=settings, census_year=census_year,
                     start=start, leave_alpha=leave_alpha, leave_beta=leave_beta, move_alpha=move_alpha,
                     move_beta=move_beta, destinations=destinations, joiner_shape=joiner_shape,
                     joiner_rate=joiner_rate, joiner_pattern=joiner_pattern, history_years=history_years)


def _normalised(values: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    total = values.sum()
    if total > 0:
        return values / total
    if fallback is not None:
        return fallback
    return np.full(values.shape, 1.0 / max(values.size, 1))


def _population_grid(population: pd.DataFrame, calendar_years: Sequence[int],
                     academic_years: Sequence[int]) -> np.ndarray:
    """Population as an array (calendar year, school year); missing combinations are an error."""
    table = population.pivot_table(index="calendar_year", columns="academic_year", values="population",
                                   aggfunc="sum")
    missing_years = [year for year in calendar_years if year not in table.index]
    if missing_years:
        raise TownhallError(f"The population has no figures for {missing_years[0]}: the projection needs the child "
                            f"population by school year for every year from {min(calendar_years)} to "
                            f"{max(calendar_years)}.")
    return table.reindex(index=list(calendar_years), columns=list(academic_years)).fillna(0.0).to_numpy(dtype=float)


def check_costs(costs: Mapping[str, float], settings: Sequence[str], *, where: str = "the costs table") -> None:
    """Refuse costs that leave out any setting in the transitions: costing those children at nothing would make
    every total too low without a word."""
    missing = [setting for setting in settings if setting not in costs]
    if missing:
        raise TownhallError(f"{where} has no cost for {len(missing)} setting{'s' if len(missing) != 1 else ''} in the "
                            f"transitions: {', '.join(missing)}. Give a cost per child a year for every setting "
                            "(0 only if places there really cost the council nothing).")


# --- simulation -------------------------------------------------------------------------------------------------

@dataclass
class Adjustments:
    """What a scenario changes in the simulation, year by year (arrays over projected years x settings)."""

    joiner_factor: np.ndarray  # multiplies expected joiners into each setting
    closed: np.ndarray  # True where a setting takes nobody and its children move elsewhere
    extra_population: np.ndarray  # children added to the population (projected year, school year)


def no_adjustments(model: SendModel, years: int) -> Adjustments:
    """The baseline: nothing changed."""
    return Adjustments(joiner_factor=np.ones((years, len(model.settings))),
                       closed=np.zeros((years, len(model.settings)), dtype=bool),
                       extra_population=np.zeros((years, len(model.academic_years))))


@dataclass
class SendProjection:
    """Simulated children by (run, projected year, school year, need, setting), and the costs per child by setting."""

    model: SendModel
    years: list[int]
    counts: np.ndarray
    costs: dict[str, float] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        """How many runs were simulated."""
        return int(self.counts.shape[0])

    def totals(self) -> np.ndarray:
        """Children with plans per run and year (runs x years)."""
        return self.counts.sum(axis=(2, 3, 4))

    def by_setting(self) -> np.ndarray:
        """Children per run, year and setting."""
        return self.counts.sum(axis=(2, 3))

    def total_costs(self) -> np.ndarray | None:
        """Annual cost per run and year (runs x years), or None without costs."""
        if not self.costs:
            return None
        check_costs(self.costs, self.model.settings)
        per_child = np.array([self.costs[setting] for setting in self.model.settings])
        return (self.by_setting() * per_child).sum(axis=2)

    def summary(self) -> pd.DataFrame:
        """Per year: children (mean and 95% bounds) and, with costs, the annual cost (mean and 95% bounds)."""
        totals = self.totals()
        frame = pd.DataFrame({"year": self.years, "children": totals.mean(axis=0),
                              "children_low": np.percentile(totals, 2.5, axis=0),
                              "children_high": np.percentile(totals, 97.5, axis=0)})
        costs = self.total_costs()
        if costs is not None:
            frame["cost"] = costs.mean(axis=0)
            frame["cost_low"] = np.percentile(costs, 2.5, axis=0)
            frame["cost_high"] = np.percentile(costs, 97.5, axis=0)
        return frame

    def setting_summary(self) -> pd.DataFrame:
        """Per year and setting: children (mean and 95% bounds)."""
        by_setting = self.by_setting()
        rows = []
        for year_position, year in enumerate(self.years):
            for setting_position, setting in enumerate(self.model.settings):
                values = by_setting[:, year_position, setting_position]
                rows.append((year, setting, values.mean(), np.percentile(values, 2.5), np.percentile(values, 97.5)))
        return pd.DataFrame(rows, columns=["year", "setting", "children", "children_low", "children_high"])


def simulate_send(model: SendModel, population: pd.DataFrame, *, years: int = DEFAULT_YEARS,
                  runs: int = DEFAULT_RUNS, seed: int = 0, adjustments: Adjustments | None = None,
                  costs: Mapping[str, float] | None = None) -> SendProjection:
    """Simulate ``runs`` futures for ``years`` years after the census, each drawing its own rates (seeded)."""
    if runs < 1 or years < 1:
        raise TownhallError("The projection needs at least one run and one year.")
    rng = np.random.default_rng(seed)
    projected_years = [model.census_year + step for step in range(1, years + 1)]
    changes = adjustments or no_adjustments(model, years)
    future_population = _population_grid(population, projected_years, model.academic_years)
    future_population = future_population + changes.extra_population
    school_years, settings = len(model.academic_years), len(model.settings)
    needs = len(model.needs)
    state = np.broadcast_to(model.start.astype(np.int64), (runs, *model.start.shape)).copy()
    # Each run's rates, drawn once from their posteriors: the runs' spread shows how uncertain the rates are.
    leave = rng.beta(model.leave_alpha, model.leave_beta, size=(runs, school_years, settings))
    leave[:, -1, :] = 1.0  # the oldest school year leaves: there is no year above it
    move = rng.beta(model.move_alpha, model.move_beta, size=(runs, school_years, settings))
    destination_draws = rng.gamma(np.where(model.destinations > 0, model.destinations, 1.0),
                                  size=(runs, *model.destinations.shape)) * (model.destinations > 0)
    joiner_rate = rng.gamma(model.joiner_shape, 1.0 / model.joiner_rate, size=(runs, school_years))
    joiner_pattern = rng.gamma(model.joiner_pattern, size=(runs, *model.joiner_pattern.shape))
    joiner_pattern /= np.maximum(joiner_pattern.sum(axis=2, keepdims=True), 1e-300)
    joiner_pattern = joiner_pattern.reshape(runs, school_years, needs, settings)
    results = np.zeros((runs, years, school_years, needs, settings), dtype=np.int32)
    own = np.eye(settings, dtype=bool)
    for step in range(years):
        closed = changes.closed[step]
        leavers = rng.binomial(state, leave[:, :, None, :])
        staying = state - leavers
        move_now = np.where(closed[None, None, :], 1.0, move)
        movers = rng.binomial(staying, move_now[:, :, None, :])
        staying -= movers
        weights = destination_draws * ~closed[None, None, None, :]
        totals = weights.sum(axis=3, keepdims=True)
        # Nowhere to go (no other setting open): the children stay where they are.
        probabilities = np.where(totals > 0, weights / np.where(totals > 0, totals, 1.0), own[None, None])
        after = staying
        run, school_year, need, setting = np.nonzero(movers)  # few children move: draw only where some do
        if run.size:
            moved = rng.multinomial(movers[run, school_year, need, setting],
                                    probabilities[run, school_year, setting])
            np.add.at(after, (run, school_year, need), moved)
        aged = np.zeros_like(state)
        aged[:, 1:] = after[:, :-1]
        expected = (joiner_rate * future_population[step][None, :])[:, :, None, None] * joiner_pattern
        expected = expected * changes.joiner_factor[step][None, None, None, :]
        state = aged + rng.poisson(expected)
        results[:, step] = state
    return SendProjection(model=model, years=projected_years, counts=results, costs=dict(costs or {}))


def send_inputs(workspace: Workspace, *, source: str | None = None, years: int = DEFAULT_YEARS,
                population_csv: Path | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The transitions from a source and the child population for the history and ``years`` projected years: from
    ``population_csv`` when given, otherwise counted from dates of birth in the person index."""
    transitions = read_transitions(workspace, source)
    if population_csv is not None:
        return transitions, read_population_csv(population_csv)
    calendar_years = list(range(int(transitions["calendar_year"].min()),
                                int(transitions["calendar_year"].max()) + years + 1))
    school_years = sorted(set(transitions["year_before"]) | set(transitions["year_after"]))
    academic_years = list(range(int(min(school_years)), int(max(school_years)) + 1))
    return transitions, population_from_index(workspace, calendar_years, academic_years)
