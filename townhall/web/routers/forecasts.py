"""Forecasts: monthly demand series with backtested forecasts, and the SEND projection under named scenarios.

/forecasts lists the demand series found in the service_demand source; each series' page forecasts it with ETS,
ARIMA and a seasonal naive baseline, shows the chosen model's forecast with 80% and 95% intervals, and the backtest
accuracy of every model. Series with small counts show protected history and rounded forecasts. /forecasts/send runs
the SEND projection for the baseline and the scenarios side by side. Unless the workspace holds population projections
(forecasting/send-population.csv), counting children by age reads dates of birth in the person index, so each SEND
projection is written to the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from townhall.errors import TownhallError
from townhall.forecasting import (
    BASELINE,
    ILLUSTRATIVE_COSTS,
    MODEL_NAMES,
    SETTING_NAMES,
    DemandSeries,
    SeriesForecast,
    compare_scenarios,
    example_scenarios,
    fit_send_model,
    forecast_chart_spec,
    forecast_demand,
    history_table,
    load_scenarios,
    published_forecast,
    read_costs_csv,
    scenario_chart_spec,
    send_inputs,
    service_demand_series,
)
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


_forecasts_seen: dict[tuple[Any, ...], SeriesForecast] = {}
FORECASTS_KEPT = 64  # forecasts kept in memory, so a page seen again answers at once


def _forecast(item: DemandSeries) -> SeriesForecast:
    """The series' forecast, made once for the same history (a new month of data makes a new forecast)."""
    key = (item.key, tuple(item.history["month"].astype("int64")), tuple(item.history["value"]))
    if key not in _forecasts_seen:
        if len(_forecasts_seen) >= FORECASTS_KEPT:
            _forecasts_seen.pop(next(iter(_forecasts_seen)))
        _forecasts_seen[key] = forecast_demand([item]).results[0]
    return _forecasts_seen[key]


def _series(request: Request) -> list[DemandSeries] | None:
    """The demand series in the workspace's service_demand source, or None when it has no such source."""
    try:
        return service_demand_series(workspace_of(request))
    except TownhallError:
        return None


@router.get("/forecasts", name="forecasts")
def forecasts(request: Request) -> HTMLResponse:
    """The demand series found, by service: the borough as a whole and each ward."""
    workspace = workspace_of(request)
    rule = DisclosureRule.from_workspace(workspace)
    found = _series(request) or []
    services: dict[str, list[dict[str, Any]]] = {}
    for item in found:
        service = item.groups.get("service", item.label)
        services.setdefault(service, []).append({
            "key": item.key, "area": item.groups.get("ward_name") or item.groups.get("area", ""),
            "months": item.months, "first": item.history["month"].iloc[0], "last": item.history["month"].iloc[-1],
            "small_counts": item.has_small_counts(rule)})
    return render(request, "forecasts.html", {"page_title": "Forecasts", "services": services,
                                              "has_source": bool(found), "rule_sentence": rule.describe()})


@router.get("/forecasts/series/{key}", name="forecast_series")
def forecast_series(request: Request, key: str) -> HTMLResponse:
    """One series: its forecast chart with intervals, the forecast as a table, and the backtest accuracy."""
    workspace = workspace_of(request)
    rule = DisclosureRule.from_workspace(workspace)
    item = next((series for series in _series(request) or [] if series.key == key), None)
    if item is None:
        raise HTTPException(status_code=404)
    result = _forecast(item)
    protected = item.has_small_counts(rule)
    shown = published_forecast(result, rule.rounding if protected else 1)
    history = history_table(result, rule)
    spec = forecast_chart_spec(result, rule)
    forecast_rows = [[f"{row.month:%B %Y}", f"{row.forecast:,}", f"{row.low_80:,} to {row.high_80:,}",
                      f"{row.low_95:,} to {row.high_95:,}"] for row in shown.itertuples()]
    history_rows = [[f"{row.month:%B %Y}", SUPPRESSED_MARK if row.value is None else f"{row.value:,}", "", ""]
                    for row in history.itertuples()]
    baseline = next((entry.mase for entry in result.accuracy if entry.model == result.baseline), None)
    accuracy = [{"name": MODEL_NAMES[entry.model], "mase": f"{entry.mase:.2f}",
                 "relative": f"{entry.mase / baseline:.0%}" if baseline else "",
                 "coverage_80": f"{entry.coverage_80:.0%}", "coverage_95": f"{entry.coverage_95:.0%}",
                 "chosen": entry.model == result.chosen_model} for entry in result.accuracy]
    return render(request, "forecasts_series.html", {
        "page_title": item.label, "series": item, "result": result, "protected": protected,
        "rule": rule, "rule_sentence": rule.describe(), "accuracy": accuracy,
        "cutoffs": [f"{cutoff:%B %Y}" for cutoff in result.cutoffs], "forecast_rows": forecast_rows,
        "chart": render_svg(spec, description=spec["description"]),
        "chart_table": {"head": ["Month", "Requests (history) or forecast", "80% interval", "95% interval"],
                        "rows": history_rows + forecast_rows},
    })


@router.get("/forecasts/send", name="forecast_send")
def forecast_send(request: Request, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
    """The SEND projection: the baseline and each scenario, children and costs with 95% ranges, and a chart each."""
    workspace = workspace_of(request)
    rule = DisclosureRule.from_workspace(workspace)
    population_file = workspace.path / POPULATION_FILE
    transitions, population = send_inputs(workspace, population_csv=population_file
                                          if population_file.exists() else None)
    model = fit_send_model(transitions, population)
    scenario_file = workspace.path / SCENARIO_FILE
    scenarios = (load_scenarios(scenario_file, settings=model.settings) if scenario_file.exists()
                 else example_scenarios(model))
    costs_file = workspace.path / COSTS_FILE
    costs = read_costs_csv(costs_file) if costs_file.exists() else ILLUSTRATIVE_COSTS
    comparison = compare_scenarios(transitions, population, scenarios, runs=WEB_RUNS, costs=costs)
    workspace.audit.record(user.username, "forecast.send", "send_transitions", details={
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
                 "cost": f"£{costs.get(setting, 0):,.0f}"} for setting in model.settings]
    return render(request, "forecasts_send.html", {
        "page_title": "SEND projection", "side_by_side": side_by_side, "final_year": final_year,
        "census_year": model.census_year, "charts": charts, "runs": WEB_RUNS, "settings": settings,
        "illustrative_costs": not costs_file.exists(), "own_scenarios": scenario_file.exists(),
        "rule": rule, "history_years": model.history_years, "population_from_file": population_file.exists(),
    })
