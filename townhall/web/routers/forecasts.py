"""Forecasts: demand series with backtested forecasts, and the SEND projection under named scenarios.

/forecasts lists the series of the demand source named in townhall.toml [forecasting] (each service for the borough
and each area), and offers a choice of the other registered sources: a source's records can be counted by period of a
date field. Each series' page forecasts it with Theta, ETS, CES, ARIMA and their average against seasonal naive, shows
the chosen method's forecast with 80% and 95% intervals, and every method's backtest accuracy (MASE) and interval
coverage, each explained in words. Series with small counts show protected history and rounded forecasts. When no
source is set, or a series has gaps, the page says so and what to do. /forecasts/send runs the SEND projection for the
baseline and the scenarios side by side. Unless the workspace holds population projections
(forecasting/send-population.csv), counting children by age reads dates of birth in the person index, so each SEND
projection is written to the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from townhall.errors import TownhallError
from townhall.forecasting import (
    BASELINE,
    FREQUENCY_NAMES,
    ILLUSTRATIVE_COSTS,
    MODEL_NAMES,
    SETTING_NAMES,
    DemandSeries,
    SeriesForecast,
    check_costs,
    compare_scenarios,
    demand_series,
    example_scenarios,
    fit_send_model,
    forecast_chart_spec,
    forecast_demand,
    history_table,
    load_scenarios,
    period_label,
    published_forecast,
    read_costs_csv,
    record_series,
    scenario_chart_spec,
    send_inputs,
    send_source,
)
from townhall.forecasting.send import TRANSITION_COLUMNS
from townhall.governance.disclosure import SUPPRESSED_MARK, DisclosureRule
from townhall.governance.users import User
from townhall.reports import render_svg
from townhall.web.security import current_user, workspace_of
from townhall.web.templating import render

router = APIRouter()

WEB_RUNS = 200  # fewer runs than the command line's 500, so the page answers in a few seconds
SCENARIO_FILE = Path("forecasting") / "send-scenarios.yaml"  # a workspace's own scenarios, when it has them
COSTS_FILE = Path("forecasting") / "send-costs.csv"
POPULATION_FILE = Path("forecasting") / "send-population.csv"  # population projections, when the council has them
FILL_CHOICES = {"refuse": "Do not forecast: I will fill the gaps in the data",
                "zero": "Count a missing period as 0 (only if nothing recorded means none happened)",
                "interpolate": "A straight line between the periods either side",
                "previous": "The figure of the period before"}


_forecasts_seen: dict[tuple[Any, ...], SeriesForecast] = {}
FORECASTS_KEPT = 64  # forecasts kept in memory, so a page seen again answers at once


def _forecast(item: DemandSeries) -> SeriesForecast:
    """The series' forecast, made once for the same history (a new period of data makes a new forecast)."""
    key = (item.key, item.source, item.frequency.code, tuple(item.history["period"].astype("int64")),
           tuple(item.history["value"]))
    if key not in _forecasts_seen:
        if len(_forecasts_seen) >= FORECASTS_KEPT:
            _forecasts_seen.pop(next(iter(_forecasts_seen)))
        _forecasts_seen[key] = forecast_demand([item]).results[0]
    return _forecasts_seen[key]


class SeriesChoice:
    """What the person asked to forecast: the demand source (the default) or another source's records by a date
    field, counted or added up by period, and how to fill gaps. Carried from the list to each series' page."""

    def __init__(self, source: str = "", date_field: str = "", group: str = "", sum_field: str = "",
                 period: str = "monthly", fill: str = "") -> None:
        self.source, self.date_field, self.group, self.sum_field = source, date_field, group, sum_field
        self.period = period if period in FREQUENCY_NAMES else "monthly"
        self.fill = fill if fill in FILL_CHOICES else ""

    def query(self) -> str:
        """The choice as a query string for links ("" for the default)."""
        values = {"source": self.source, "date_field": self.date_field, "group": self.group, "sum": self.sum_field,
                  "period": self.period if self.date_field else "", "fill": self.fill}
        kept = {key: value for key, value in values.items() if value}
        return f"?{urlencode(kept)}" if kept else ""

    def series(self, request: Request) -> list[DemandSeries]:
        """The series chosen; TownhallError says plainly why there are none."""
        workspace = workspace_of(request)
        if self.date_field:
            if not self.source:
                raise TownhallError("Choose the source whose records to count.")
            return record_series(workspace, self.source, self.date_field, group_fields=[self.group] if self.group
                                 else [], sum_field=self.sum_field or None, frequency_name=self.period,
                                 fill_gaps=self.fill or None)
        return demand_series(workspace, source=self.source or None, fill_gaps=self.fill or None)


def _choice(source: str, date_field: str, group: str, sum_field: str, period: str, fill: str) -> SeriesChoice:
    return SeriesChoice(source, date_field, group, sum_field, period, fill)


ChoiceQuery = Annotated[str, Query(max_length=200)]


def _source_fields(request: Request, chosen: str) -> dict[str, list[str]]:
    """Each registered source, with the fields of the one chosen, for the choice of another source."""
    catalogue = workspace_of(request).catalogue
    names = [source.name for source in catalogue.list_sources()]
    return {name: [profile.name for profile in catalogue.get_source(name).field_profiles] if name == chosen else []
            for name in names}


@router.get("/forecasts", name="forecasts")
def forecasts(request: Request, source: ChoiceQuery = "", date_field: ChoiceQuery = "", group: ChoiceQuery = "",
              sum: ChoiceQuery = "", period: ChoiceQuery = "monthly", fill: ChoiceQuery = "") -> HTMLResponse:
    """The series found, by service: the borough as a whole and each area; or another source's, as chosen."""
    workspace = workspace_of(request)
    rule = DisclosureRule.from_workspace(workspace)
    choice = _choice(source, date_field, group, sum, period, fill)
    problem = ""
    found: list[DemandSeries] = []
    try:
        found = choice.series(request)
    except TownhallError as error:
        problem = str(error)
    services: dict[str, list[dict[str, Any]]] = {}
    for item in found:
        service = item.groups.get("service") or item.label
        labels = item.period_labels()
        services.setdefault(service, []).append({
            "key": item.key, "area": item.groups.get("area") or item.label, "length": item.describe_length(),
            "frequency": item.frequency.name, "first": labels[0], "last": labels[-1],
            "small_counts": item.has_small_counts(rule)})
    notes = list(dict.fromkeys(note for item in found for note in item.notes))
    fields = _source_fields(request, choice.source)
    settings = workspace.settings.forecasting
    return render(request, "forecasts.html", {
        "page_title": "Forecasts", "services": services, "problem": problem, "notes": notes,
        "rule_sentence": rule.describe(), "choice": choice, "query": choice.query(),
        "demand_source": settings.demand_source,
        "source_items": [{"value": "", "text": f"The demand source ({settings.demand_source or 'none set'})"}]
        + [{"value": name, "text": name, "selected": name == choice.source} for name in fields],
        "field_items": [{"value": "", "text": "Choose a field"}] + [
            {"value": name, "text": name, "selected": name == choice.date_field}
            for name in fields.get(choice.source, [])],
        "group_items": [{"value": "", "text": "None: one series"}] + [
            {"value": name, "text": name, "selected": name == choice.group} for name in fields.get(choice.source, [])],
        "sum_items": [{"value": "", "text": "Count the records"}] + [
            {"value": name, "text": name, "selected": name == choice.sum_field}
            for name in fields.get(choice.source, [])],
        "period_items": [{"value": name, "text": name.capitalize(), "selected": name == choice.period}
                         for name in FREQUENCY_NAMES],
        "fill_items": [{"value": "", "text": f"As townhall.toml says ({settings.fill_gaps})"}] + [
            {"value": name, "text": text, "selected": name == choice.fill} for name, text in FILL_CHOICES.items()],
        "has_fields": choice.source in fields and choice.source != settings.demand_source,
    })


@router.get("/forecasts/series/{key}", name="forecast_series")
def forecast_series(request: Request, key: str, source: ChoiceQuery = "", date_field: ChoiceQuery = "",
                    group: ChoiceQuery = "", sum: ChoiceQuery = "", period: ChoiceQuery = "monthly",
                    fill: ChoiceQuery = "") -> HTMLResponse:
    """One series: its forecast chart with intervals, the forecast as a table, and the backtest accuracy."""
    workspace = workspace_of(request)
    rule = DisclosureRule.from_workspace(workspace)
    choice = _choice(source, date_field, group, sum, period, fill)
    try:
        found = choice.series(request)
    except TownhallError:
        raise HTTPException(status_code=404) from None
    item = next((series for series in found if series.key == key), None)
    if item is None:
        raise HTTPException(status_code=404)
    try:
        result = _forecast(item)
    except TownhallError as error:
        return render(request, "forecasts_series.html", {"page_title": item.label, "series": item,
                                                         "problem": str(error), "query": choice.query()})
    protected = item.has_small_counts(rule)
    shown = published_forecast(result, rule.rounding if protected else 1)
    history = history_table(result, rule)
    spec = forecast_chart_spec(result, rule)
    code = item.frequency.code
    forecast_rows = [[period_label(pd.Period(row.period, freq=code)), f"{row.forecast:,}",
                      f"{row.low_80:,} to {row.high_80:,}", f"{row.low_95:,} to {row.high_95:,}"]
                     for row in shown.itertuples()]
    history_rows = [[period_label(pd.Period(row.period, freq=code)),
                     SUPPRESSED_MARK if row.value is None else f"{row.value:,}", "", ""]
                    for row in history.itertuples()]
    baseline = next((entry.mase for entry in result.accuracy if entry.model == result.baseline), None)
    accuracy = [{"name": MODEL_NAMES[entry.model], "mase": f"{entry.mase:.2f}",
                 "relative": f"{entry.mase / baseline:.0%}" if baseline else "",
                 "coverage_80": f"{entry.coverage_80:.0%}", "coverage_95": f"{entry.coverage_95:.0%}",
                 "tested": entry.periods_tested, "chosen": entry.model == result.chosen_model}
                for entry in result.accuracy]
    labels = item.period_labels()
    return render(request, "forecasts_series.html", {
        "page_title": item.label, "series": item, "result": result, "protected": protected,
        "rule": rule, "rule_sentence": rule.describe(), "accuracy": accuracy, "query": choice.query(),
        "history_span": f"{item.describe_length()}, {labels[0]} to {labels[-1]} ({item.frequency.name})",
        "unit": item.frequency.unit,
        "left_out": [{"name": MODEL_NAMES[name], "why": why} for name, why in result.left_out.items()],
        "cutoffs": [period_label(pd.Period(cutoff, freq=code)) for cutoff in result.cutoffs],
        "forecast_rows": forecast_rows,
        "chart": render_svg(spec, description=spec["description"]),
        "chart_table": {"head": [item.frequency.unit.capitalize(), "History or forecast", "80% interval",
                                 "95% interval"], "rows": history_rows + forecast_rows},
    })


def _transition_sources(request: Request) -> list[str]:
    """Registered sources laid out as SEND transitions (the open SEND model's columns)."""
    catalogue = workspace_of(request).catalogue
    return [source.name for source in catalogue.list_sources() if source.fields >= len(TRANSITION_COLUMNS)
            and set(TRANSITION_COLUMNS) <= {profile.name for profile in catalogue.get_source(source.name)
                                            .field_profiles}]


@router.get("/forecasts/send", name="forecast_send")
def forecast_send(request: Request, user: Annotated[User, Depends(current_user)],
                  source: ChoiceQuery = "") -> HTMLResponse:
    """The SEND projection: the baseline and each scenario, children and costs with 95% ranges, and a chart each."""
    workspace = workspace_of(request)
    rule = DisclosureRule.from_workspace(workspace)
    population_file = workspace.path / POPULATION_FILE
    costs_file = workspace.path / COSTS_FILE
    choices = _transition_sources(request)
    try:
        chosen_source = send_source(workspace, source or None)
        transitions, population = send_inputs(workspace, source=chosen_source, population_csv=population_file
                                              if population_file.exists() else None)
        model = fit_send_model(transitions, population)
        scenario_file = workspace.path / SCENARIO_FILE
        scenarios = (load_scenarios(scenario_file, settings=model.settings) if scenario_file.exists()
                     else example_scenarios(model))
        costs = read_costs_csv(costs_file) if costs_file.exists() else ILLUSTRATIVE_COSTS
        check_costs(costs, model.settings, where=f"The workspace's {COSTS_FILE}" if costs_file.exists() else
                    f"The illustrative demo costs (save your own as {COSTS_FILE} in the workspace)")
    except TownhallError as error:
        return render(request, "forecasts_send.html", {
            "page_title": "SEND projection", "problem": str(error), "source_items": _source_items(choices, source)})
    comparison = compare_scenarios(transitions, population, scenarios, runs=WEB_RUNS, costs=costs)
    workspace.audit.record(user.username, "forecast.send", chosen_source, details={
        "scenarios": len(scenarios), "runs": WEB_RUNS,
        "population_from": "file" if population_file.exists() else "person index"})
    summary = comparison.summary()
    final_year = int(summary["year"].max())

    def rounded(value: float) -> str:
        base = max(rule.rounding, 1)
        return f"{int(round(value / base) * base):,}"

    def money(value: float) -> str:
        return f"£{value / 1e6:,.2f}m"

    side_by_side = [{
        "scenario": row.scenario, "children": rounded(row.children),
        "range": f"{rounded(row.children_low)} to {rounded(row.children_high)}",
        "difference": "" if row.scenario == BASELINE else f"{row.children_difference:+.1f}",
        "cost": money(row.cost), "cost_range": f"{money(row.cost_low)} to {money(row.cost_high)}",
    } for row in summary[summary["year"] == final_year].itertuples()]
    charts = []
    for scenario in scenarios:
        spec = scenario_chart_spec(comparison, scenario.name)
        rows = [[row.scenario, str(row.year), rounded(row.children),
                 f"{rounded(row.children_low)} to {rounded(row.children_high)}", money(row.cost)]
                for row in summary[summary["scenario"].isin([BASELINE, scenario.name])].itertuples()]
        charts.append({"name": scenario.name, "description": scenario.describe(),
                       "svg": render_svg(spec, description=spec["description"]),
                       "table": {"head": ["Scenario", "Year", "Children", "95% range", "Annual cost"],
                                 "rows": rows}})
    settings = [{"code": setting, "name": SETTING_NAMES.get(setting, setting),
                 "cost": f"£{costs[setting]:,.0f}"} for setting in model.settings]
    return render(request, "forecasts_send.html", {
        "page_title": "SEND projection", "side_by_side": side_by_side, "final_year": final_year,
        "census_year": model.census_year, "charts": charts, "runs": WEB_RUNS, "settings": settings,
        "illustrative_costs": not costs_file.exists(), "own_scenarios": scenario_file.exists(),
        "rule": rule, "history_years": model.history_years, "population_from_file": population_file.exists(),
        "source": chosen_source, "source_items": _source_items(choices, chosen_source),
    })


def _source_items(choices: list[str], chosen: str) -> list[dict[str, Any]]:
    return [{"value": name, "text": name, "selected": name == chosen} for name in choices]
