"""`townhall forecast`: forecast demand for council services with backtests, and project SEND numbers and costs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace, progress_bar
from townhall.errors import TownhallError
from townhall.forecasting import (
    BASELINE,
    FREQUENCY_NAMES,
    ILLUSTRATIVE_COSTS,
    MODEL_NAMES,
    DemandSeries,
    check_costs,
    compare_scenarios,
    demand_series,
    example_scenarios,
    find_series,
    fit_send_model,
    forecast_demand,
    load_scenarios,
    period_label,
    published_forecast,
    read_costs_csv,
    record_series,
    send_inputs,
    send_source,
)
from townhall.governance import SUPPRESSED_MARK
from townhall.governance.disclosure import DisclosureRule
from townhall.workspace import Workspace, current_actor

app = typer.Typer(help="Forecast demand for council services (daily to yearly) with backtested methods, and project "
                       "the number and cost of children with EHC plans under named scenarios.", no_args_is_help=True)

HIDDEN = escape(SUPPRESSED_MARK)
SourceOption = Annotated[str | None, typer.Option("--source", help="The source to read; the demand source named in "
                                                                   "townhall.toml [forecasting] when left out.")]
DateOption = Annotated[str | None, typer.Option("--date-field", help="Count the source's records by period of this "
                                                                     "date field (instead of the demand source's "
                                                                     "ready-made figures).")]
GroupOption = Annotated[list[str] | None, typer.Option("--group", help="With --date-field: one series per value of "
                                                                       "this field (repeat for more fields).")]
SumOption = Annotated[str | None, typer.Option("--sum", help="With --date-field: add up this field instead of "
                                                             "counting rows.")]
PeriodOption = Annotated[str, typer.Option("--period", help="With --date-field: count by daily, weekly, monthly, "
                                                            "quarterly or yearly periods.")]
FillOption = Annotated[str | None, typer.Option("--fill", help="A period with no figure: refuse, zero, interpolate "
                                                               "or previous; [forecasting] fill_gaps when left out.")]


def _load_series(workspace: Workspace, source: str | None, date_field: str | None, groups: list[str] | None,
                 sum_field: str | None, by_area: bool, period: str = "monthly",
                 fill: str | None = None) -> list[DemandSeries]:
    """The series asked for: the demand source's figures by default, or any source's records by a date field."""
    if period not in FREQUENCY_NAMES:
        raise TownhallError(f"--period must be one of {', '.join(FREQUENCY_NAMES)}, not '{period}'.")
    if date_field:
        if not source:
            raise TownhallError("Name the source whose records to count with --source.")
        return record_series(workspace, source, date_field, group_fields=groups or [], sum_field=sum_field,
                             frequency_name=period, fill_gaps=fill)
    return demand_series(workspace, by_area=by_area, source=source, fill_gaps=fill)


def _print_notes(found: list[DemandSeries]) -> None:
    """What was read and done on the way (frequency, gaps filled, periods left out), each said once."""
    for note in dict.fromkeys(note for item in found for note in item.notes):
        console.print(f"[dim]{escape(note)}[/dim]")


@app.command("series")
@friendly_errors
def series(
    source: SourceOption = None,
    date_field: DateOption = None,
    group: GroupOption = None,
    sum_field: SumOption = None,
    period: PeriodOption = "monthly",
    fill: FillOption = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """List the demand series found in a source, with their frequency, length and whether they hold small counts."""
    opened = open_workspace(workspace)
    rule = DisclosureRule.from_workspace(opened)
    found = _load_series(opened, source, date_field, group, sum_field, by_area=True, period=period, fill=fill)
    table = Table(title=f"Series in {escape(found[0].source or source or '')}")
    for column in ("Series", "Key", "Frequency", "From", "To", "Periods", "Small counts"):
        table.add_column(column, justify="right" if column == "Periods" else "left", overflow="fold",
                         no_wrap=column == "Key")
    for item in found:
        labels = item.period_labels()
        table.add_row(escape(item.label), item.key, item.frequency.name, labels[0], labels[-1], str(item.length),
                      "yes: history protected" if item.has_small_counts(rule) else "no")
    console.print(table)
    _print_notes(found)
    console.print(f"[dim]{escape(rule.describe())}[/dim]")


@app.command("run")
@friendly_errors
def run(
    series_key: Annotated[str | None, typer.Argument(help="The key of one series (see 'townhall forecast series'); "
                                                          "all borough-wide series when left out.")] = None,
    source: SourceOption = None,
    date_field: DateOption = None,
    group: GroupOption = None,
    sum_field: SumOption = None,
    period: PeriodOption = "monthly",
    fill: FillOption = None,
    by_area: Annotated[bool, typer.Option("--by-area", "--by-ward", help="Also forecast every service in every "
                                                                         "area.")] = False,
    horizon: Annotated[int | None, typer.Option(help="How many periods ahead to forecast (12 months, 8 quarters, "
                                                     "26 weeks … by default).")] = None,
    windows: Annotated[int, typer.Option(help="How many recent cut-off dates to backtest from.")] = 3,
    backtest_horizon: Annotated[int | None, typer.Option(help="Periods forecast from each backtest cut-off (6 "
                                                              "months, 4 quarters … by default).")] = None,
    tolerance: Annotated[float, typer.Option(help="How much worse (a share of MASE) a simpler method may be and "
                                                  "still be chosen.")] = 0.05,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Forecast series with Theta, ETS, CES, ARIMA and their average against seasonal naive, and choose one each."""
    opened = open_workspace(workspace)
    rule = DisclosureRule.from_workspace(opened)
    found = _load_series(opened, source, date_field, group, sum_field, by_area=by_area or series_key is not None,
                         period=period, fill=fill)
    if series_key:
        chosen_series = [find_series(found, series_key)]
    elif date_field:
        chosen_series = found
    else:
        chosen_series = [item for item in found if by_area or item.groups.get("area") in (None, "All areas")]
    with progress_bar(f"Forecasting {len(chosen_series)} series") as update:
        result = forecast_demand(chosen_series, horizon=horizon, backtest_windows=windows,
                                 backtest_horizon=backtest_horizon, tolerance=tolerance, progress=update)
    _print_notes(chosen_series)
    unit = chosen_series[0].frequency.unit
    accuracy = Table(title=f"Backtest accuracy over up to {windows} cut-offs, {result.backtest_horizon} {unit}s each "
                           "(MASE: 1 = as good as the in-sample seasonal naive; lower is better. Covered: how often "
                           "what happened fell inside the interval)")
    for column in ("Series", "Method", "MASE", "vs baseline", "80% covered", "95% covered", "Chosen"):
        accuracy.add_column(column, justify="left" if column in ("Series", "Method") else "right")
    for item in result.results:
        baseline = next((entry.mase for entry in item.accuracy if entry.model == item.baseline), None)
        for entry in item.accuracy:
            relative = f"{entry.mase / baseline:.0%}" if baseline else ""
            accuracy.add_row(escape(item.series.label), MODEL_NAMES[entry.model], f"{entry.mase:.2f}", relative,
                             f"{entry.coverage_80:.0%}", f"{entry.coverage_95:.0%}",
                             "✔" if entry.model == item.chosen_model else "")
    console.print(accuracy)
    for item in result.results:
        console.print(f"[bold]{escape(item.series.label)}[/bold]: {escape(item.reason)}")
        for model, why in item.left_out.items():
            console.print(f"[dim]  {escape(MODEL_NAMES[model])} was left out: {escape(why)}.[/dim]")
    if len(result.results) == 1:
        _print_forecast(result.results[0], rule)
    opened.audit.record(current_actor(), "forecast.run", chosen_series[0].source or source or "", details={
        "series": len(result.results), "horizon": horizon, "backtest_windows": windows,
        "chosen_models": sorted({item.chosen_model for item in result.results})})


def _print_forecast(item, rule: DisclosureRule) -> None:  # type: ignore[no-untyped-def]
    """One series' chosen forecast with its intervals, rounded as the rule requires for series with small counts."""
    protected = item.series.has_small_counts(rule)
    shown = published_forecast(item, rule.rounding if protected else 1)
    table = Table(title=f"{escape(item.series.label)}: {item.chosen_name} forecast")
    for column in ("Period", "Forecast", "80% interval", "95% interval"):
        table.add_column(column, justify="left" if column == "Period" else "right")
    import pandas as pd

    code = item.series.frequency.code
    for row in shown.itertuples():
        table.add_row(period_label(pd.Period(row.period, freq=code)), f"{row.forecast:,}",
                      f"{row.low_80:,} to {row.high_80:,}",
                      f"{row.low_95:,} to {row.high_95:,}")
    console.print(table)
    if protected:
        console.print(f"[dim]This series has periods with small counts: its forecast is rounded to the nearest "
                      f"{rule.rounding}, and its history is shown only as protected counts. "
                      f"{escape(rule.describe())}[/dim]")


@app.command("send")
@friendly_errors
def send(
    scenarios: Annotated[Path | None, typer.Option("--scenarios", help="A YAML file of named scenarios; the four "
                                                                       "example scenarios when left out.")] = None,
    costs: Annotated[Path | None, typer.Option("--costs", help="A CSV of setting,cost (per child per year); "
                                                               "illustrative demo costs when left out.")] = None,
    population: Annotated[Path | None, typer.Option("--population", help="A CSV of calendar-year, academic-year, "
                                                                         "population; counted from the person "
                                                                         "index when left out.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="The source holding the SEND transitions; "
                                                                "[forecasting] send_source when left out.")] = None,
    years: Annotated[int, typer.Option(help="How many years to project after the latest census.")] = 6,
    runs: Annotated[int, typer.Option(help="How many simulated futures to run.")] = 500,
    seed: Annotated[int, typer.Option(help="The random seed: the same seed gives the same projection.")] = 0,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Project children with EHC plans and their costs by year, for the baseline and named scenarios side by side."""
    opened = open_workspace(workspace)
    rule = DisclosureRule.from_workspace(opened)
    source = send_source(opened, source)
    transitions, child_population = send_inputs(opened, source=source, years=years, population_csv=population)
    model = fit_send_model(transitions, child_population)
    chosen = load_scenarios(scenarios, settings=model.settings) if scenarios else example_scenarios(model)
    cost_table = read_costs_csv(costs) if costs else ILLUSTRATIVE_COSTS
    check_costs(cost_table, model.settings, where=str(costs) if costs else
                "The illustrative demo costs (give your own with --costs)")
    if runs < 1:
        raise TownhallError("--runs must be at least 1.")
    with progress_bar(f"Simulating {runs} runs for {len(chosen) + 1} scenarios") as update:
        update("simulating", 0.1)
        comparison = compare_scenarios(transitions, child_population, chosen, years=years, runs=runs, seed=seed,
                                       costs=cost_table)
    summary = comparison.summary()
    table = Table(title=f"Children with EHC plans in January, and annual cost (mean and 95% range of {runs} runs)")
    for column in ("Scenario", "Year", "Children", "95% range", "Change", "Annual cost", "95% range "):
        table.add_column(column, justify="left" if column == "Scenario" else "right")
    for row in summary.itertuples():
        table.add_row(escape(row.scenario), str(row.year), _rounded(row.children, rule),
                      f"{_rounded(row.children_low, rule)} to {_rounded(row.children_high, rule)}",
                      "" if row.scenario == BASELINE else f"{row.children_difference:+.1f}",
                      f"£{row.cost / 1e6:,.2f}m", f"£{row.cost_low / 1e6:,.2f}m to £{row.cost_high / 1e6:,.2f}m")
    console.print(table)
    for scenario in chosen:
        console.print(f"[bold]{escape(scenario.name)}[/bold]: {escape(scenario.describe())}")
    if not costs:
        console.print("[yellow]Costs are illustrative figures for the demo, not real costs: give your own with "
                      "--costs.[/yellow]")
    console.print(f"[dim]Projected numbers are rounded to the nearest {rule.rounding}. Every scenario uses the same "
                  f"random numbers (seed {seed}), so differences between them are the scenario's effect.[/dim]")
    opened.audit.record(current_actor(), "forecast.send", source, details={
        "scenarios": len(chosen), "runs": runs, "years": years, "seed": seed,
        "population_from": "file" if population else "person index"})


def _rounded(value: float, rule: DisclosureRule) -> str:
    """A projected number rounded as published counts are."""
    base = max(rule.rounding, 1)
    return f"{int(round(value / base) * base):,}"
