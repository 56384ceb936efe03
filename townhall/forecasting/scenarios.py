"""Named scenarios for the SEND projection: small, readable changes to what history says, run beside the baseline.

A scenario file (YAML) lists scenarios, each with a name and its changes, for example::

    scenarios:
      - name: Fewer special school places
        changes:
          - scale joiners: 0.9        # joiners into these settings x 0.9
            settings: [MSSIB, NMSS]
            from: 2027
      - name: Independent special school closes
        changes:
          - close setting: ISSR       # nobody joins it; its children move as children have moved before
            from: 2028
      - name: Recent history only
        changes:
          - ignore history before: 2021
      - name: New housing estate
        changes:
          - add children: 500         # spread evenly over the ages given, growing up from then on
            ages: [0, 4]
            from: 2027

Every scenario runs with the same random numbers as the baseline, so the difference between them is the scenario's
effect, not chance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from townhall.errors import InputFileError, TownhallError
from townhall.forecasting.send import (
    DEFAULT_RUNS,
    DEFAULT_YEARS,
    SCHOOL_START_AGE,
    Adjustments,
    SendModel,
    SendProjection,
    fit_send_model,
    no_adjustments,
    simulate_send,
)

BASELINE = "Baseline"
CHANGE_KINDS = {
    "scale joiners": "multiply the children joining some settings (or all) by a factor from a year on",
    "close setting": "close a setting from a year on: nobody joins it and its children move elsewhere",
    "ignore history before": "learn the rates only from transitions in and after a year",
    "add children": "add children of some ages to the population from a year on (for example new housing)",
}


@dataclass(frozen=True)
class ScenarioChange:
    """One change: its kind (a key of CHANGE_KINDS) and its settings."""

    kind: str
    value: float  # the factor, the year or the number of children, by kind
    settings: tuple[str, ...] = ()  # scale joiners: which settings (none means all); close setting: the one closed
    from_year: int | None = None
    ages: tuple[int, int] = (0, 4)

    def describe(self) -> str:
        """The change in one plain-English phrase."""
        where = ", ".join(self.settings) if self.settings else "every setting"
        if self.kind == "scale joiners":
            return f"children joining {where} x {self.value:g} from {self.from_year}"
        if self.kind == "close setting":
            return f"{where} closes in {self.from_year}"
        if self.kind == "ignore history before":
            return f"history before {int(self.value)} ignored"
        return f"{int(self.value):,} more children aged {self.ages[0]} to {self.ages[1]} from {self.from_year}"


@dataclass(frozen=True)
class Scenario:
    """A named set of changes."""

    name: str
    changes: tuple[ScenarioChange, ...] = ()

    def describe(self) -> str:
        """The scenario's changes in one sentence."""
        text = "; ".join(change.describe() for change in self.changes)
        return f"{text[:1].upper()}{text[1:]}." if text else "No changes."


@dataclass
class ScenarioComparison:
    """The baseline and each scenario's projection, run with the same random numbers."""

    projections: dict[str, SendProjection]
    scenarios: list[Scenario] = field(default_factory=list)

    @property
    def baseline(self) -> SendProjection:
        """The projection with nothing changed."""
        return self.projections[BASELINE]

    def summary(self) -> pd.DataFrame:
        """One row per scenario and year: children and costs with 95% bounds, and the difference from baseline."""
        frames = []
        baseline = self.baseline.summary()
        for name, projection in self.projections.items():
            frame = projection.summary()
            frame.insert(0, "scenario", name)
            frame["children_difference"] = frame["children"].to_numpy() - baseline["children"].to_numpy()
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def _problem(where: str, text: str) -> TownhallError:
    return TownhallError(f"{where}: {text}")


def _year(value: Any, where: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
        raise _problem(where, f"'{label}' must be a year such as 2027, not {value!r}.")
    return value


def parse_scenarios(data: Any, *, settings: Sequence[str]) -> list[Scenario]:
    """Scenarios from a parsed YAML document or a list of dicts, checked against the known settings; problems are
    raised as TownhallError in plain English, naming the scenario and the change."""
    items = data.get("scenarios") if isinstance(data, Mapping) else data
    if not isinstance(items, list) or not items:
        raise TownhallError("A scenario file needs a list called 'scenarios', each with a name and its changes.")
    scenarios, names = [], set()
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping) or not str(item.get("name") or "").strip():
            raise TownhallError(f"Scenario {number} needs a name, such as 'name: Fewer special school places'.")
        name = str(item["name"]).strip()
        if name in names or name == BASELINE:
            raise TownhallError(f"Two scenarios are called '{name}': give each its own name (and not "
                                f"'{BASELINE}', which is the projection with nothing changed).")
        names.add(name)
        raw_changes = item.get("changes") or []
        if not isinstance(raw_changes, list):
            raise TownhallError(f"Scenario '{name}': 'changes' must be a list of changes.")
        changes = [_parse_change(change, f"Scenario '{name}', change {position}", settings)
                   for position, change in enumerate(raw_changes, start=1)]
        scenarios.append(Scenario(name=name, changes=tuple(changes)))
    return scenarios


def _parse_change(change: Any, where: str, settings: Sequence[str]) -> ScenarioChange:
    """One change, checked; the error says what is wrong and what would be right."""
    kinds = [kind for kind in CHANGE_KINDS if isinstance(change, Mapping) and kind in change]
    if len(kinds) != 1:
        choices = "; ".join(f"'{kind}' ({explanation})" for kind, explanation in CHANGE_KINDS.items())
        raise _problem(where, f"each change must be exactly one of: {choices}.")
    kind = kinds[0]
    value = change[kind]
    allowed = {kind, "settings", "from", "ages"}
    unknown = [str(key) for key in change if key not in allowed]
    if unknown:
        raise _problem(where, f"'{unknown[0]}' is not something a change can have; use {', '.join(sorted(allowed))}.")
    chosen = change.get("settings", [])
    chosen = [chosen] if isinstance(chosen, str) else list(chosen or [])
    if kind == "close setting":
        chosen = [value]
    unknown_settings = [str(setting) for setting in chosen if setting not in settings]
    if unknown_settings:
        raise _problem(where, f"there is no setting called '{unknown_settings[0]}' in the transitions. The settings "
                              f"are: {', '.join(settings)}.")
    if kind == "ignore history before":
        return ScenarioChange(kind=kind, value=float(_year(value, where, kind)))
    from_year = _year(change.get("from"), where, "from")
    if kind == "scale joiners":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
            raise _problem(where, f"'scale joiners' must be a factor between 0 and 10, such as 0.9 for 10% fewer, "
                                  f"not {value!r}.")
        return ScenarioChange(kind=kind, value=float(value), settings=tuple(chosen), from_year=from_year)
    if kind == "close setting":
        return ScenarioChange(kind=kind, value=0.0, settings=tuple(chosen), from_year=from_year)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _problem(where, f"'add children' must be a whole number of children, such as 500, not {value!r}.")
    ages = change.get("ages", [0, 4])
    if (not isinstance(ages, list) or len(ages) != 2 or not all(isinstance(age, int) for age in ages)
            or not 0 <= ages[0] <= ages[1] <= 25):
        raise _problem(where, f"'ages' must be the youngest and oldest age, such as [0, 4], not {ages!r}.")
    return ScenarioChange(kind=kind, value=float(value), from_year=from_year, ages=(ages[0], ages[1]))


def load_scenarios(path: Path | str, *, settings: Sequence[str]) -> list[Scenario]:
    """Scenarios from a YAML file (see the module's description for the layout)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(str(path), "the file does not exist") from None
    except yaml.YAMLError as error:
        raise InputFileError(str(path), f"it is not valid YAML ({error})") from None
    try:
        return parse_scenarios(data, settings=settings)
    except TownhallError as error:
        raise InputFileError(str(path), str(error)) from None


def example_scenarios(model: SendModel) -> list[Scenario]:
    """Four scenarios like those councils ask about, using the settings in the data (for the demo and the docs)."""
    first_year = model.census_year + 1
    special = [setting for setting in ("MSSIB", "NMSS", "ISSR") if setting in model.settings]
    closing = next((setting for setting in ("ISSR", "NMSS") if setting in model.settings), model.settings[-1])
    return parse_scenarios([
        {"name": "Fewer joiners to special schools", "changes": [
            {"scale joiners": 0.9, "settings": special or list(model.settings), "from": first_year}]},
        {"name": f"{closing} closes", "changes": [{"close setting": closing, "from": first_year + 1}]},
        {"name": "Recent history only", "changes": [
            {"ignore history before": max(model.history_years[0], model.census_year - 4)}]},
        {"name": "New housing: 500 more young children", "changes": [
            {"add children": 500, "ages": [0, 4], "from": first_year}]},
    ], settings=model.settings)


def scenario_adjustments(model: SendModel, scenario: Scenario, years: int) -> Adjustments:
    """The arrays the simulation applies for a scenario's changes, year by year."""
    adjustments = no_adjustments(model, years)
    projected = np.array([model.census_year + step for step in range(1, years + 1)])
    ages = np.array(model.academic_years) + SCHOOL_START_AGE  # age at the start of each school year
    for change in scenario.changes:
        if change.kind == "ignore history before":
            continue
        active = projected >= (change.from_year or 0)
        columns = [model.settings.index(setting) for setting in change.settings] or list(range(len(model.settings)))
        if change.kind == "scale joiners":
            for column in columns:
                adjustments.joiner_factor[active, column] *= change.value
        elif change.kind == "close setting":
            for column in columns:
                adjustments.closed[active, column] = True
                adjustments.joiner_factor[active, column] = 0.0
        elif change.kind == "add children":
            youngest, oldest = change.ages
            per_age = change.value / (oldest - youngest + 1)
            for step, year in enumerate(projected):
                if year < (change.from_year or 0):
                    continue
                # The first children grow up a year at a time; younger ones keep arriving as families settle.
                grown = year - (change.from_year or year)
                adjustments.extra_population[step] += np.where((ages >= youngest) & (ages <= oldest + grown),
                                                               per_age, 0.0)
    return adjustments


def compare_scenarios(transitions: pd.DataFrame, population: pd.DataFrame, scenarios: Sequence[Scenario], *,
                      years: int = DEFAULT_YEARS, runs: int = DEFAULT_RUNS, seed: int = 0,
                      costs: Mapping[str, float] | None = None) -> ScenarioComparison:
    """Run the baseline and every scenario with the same seed, and gather their projections."""
    baseline_model = fit_send_model(transitions, population)
    projections = {BASELINE: simulate_send(baseline_model, population, years=years, runs=runs, seed=seed,
                                           costs=costs)}
    for scenario in scenarios:
        ignore = [change.value for change in scenario.changes if change.kind == "ignore history before"]
        model = fit_send_model(transitions, population, from_year=int(max(ignore))) if ignore else baseline_model
        projections[scenario.name] = simulate_send(model, population, years=years, runs=runs, seed=seed,
                                                   adjustments=scenario_adjustments(model, scenario, years),
                                                   costs=costs)
    return ScenarioComparison(projections=projections, scenarios=list(scenarios))
