"""`townhall routes`: plan today's collection rounds from bin sensors, replay fixed against sensor-driven
collection, compare minibuses with taxis for school transport, and solve CVRPLIB benchmark instances."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace, progress_bar
from townhall.errors import TownhallError
from townhall.workspace import current_actor

app = typer.Typer(help="Vehicle routes: collection rounds from bin sensors, fixed against sensor-driven "
                       "collection, and school transport by minibus or taxi.", no_args_is_help=True)

SecondsOption = Annotated[float | None, typer.Option(help="How long the planner searches ([routes] solve_seconds "
                                                          "when left out).")]


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise TownhallError(f"'{text}' is not a date such as 2026-10-01.") from None


def write_plan_files(plan, folder: Path, council: str) -> list[Path]:  # type: ignore[no-untyped-def]
    """The plan's CSV of stops, GeoJSON, standalone map page and printable crew sheets, written atomically."""
    import pandas as pd

    from townhall.store import atomic_write_text

    folder.mkdir(parents=True, exist_ok=True)
    stem = f"collection-routes-{plan.day:%Y-%m-%d}"
    files = [folder / f"{stem}.csv", folder / f"{stem}.geojson", folder / f"{stem}-map.html",
             folder / f"{stem}-crew-sheets.html"]
    atomic_write_text(files[0], pd.DataFrame(plan.rows()).to_csv(index=False))
    atomic_write_text(files[1], json.dumps(plan.to_geojson(), indent=1))
    plan.thematic_map().save(files[2])
    atomic_write_text(files[3], plan.crew_sheets_html(council))
    return files


@app.command("plan")
@friendly_errors
def plan(
    day: Annotated[str | None, typer.Option(help="The day to plan, e.g. 2026-10-01 (the day after the newest "
                                                 "reading when left out).")] = None,
    seconds: SecondsOption = None,
    out: Annotated[Path | None, typer.Option(help="A folder for the CSV, GeoJSON, map and crew sheets.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Choose the bins to collect from the sensor forecasts and plan the routes, with trips to the tip."""
    from townhall.routes import MAY, MUST, plan_collection_round

    opened = open_workspace(workspace)
    with progress_bar("Planning collection routes") as update:
        update("forecasting and routing", 0.2)
        result = plan_collection_round(opened, day=_day(day), seconds=seconds)
    waiting = len(result.choices) - result.count(MUST) - result.count(MAY)
    console.print(f"[bold]{result.day:%A %-d %B %Y}[/bold]: {result.count(MUST)} bins must be collected, "
                  f"{result.count(MAY)} may be if on the way, {waiting} can wait.")
    table = Table(title=f"{len(result.routes)} routes: {result.collected} bins, {result.miles:.1f} miles, "
                        f"£{result.cost:,.0f}")
    for column in ("Vehicle", "Bins", "Trips to the tip", "Miles", "Hours", "Cost"):
        table.add_column(column, justify="left" if column == "Vehicle" else "right")
    for route in result.routes:
        table.add_row(escape(route.vehicle), str(route.bins), str(route.trips), f"{route.miles:.1f}",
                      f"{route.hours:.1f}", f"£{route.cost:,.0f}")
    console.print(table)
    if result.left_out:
        console.print(f"{len(result.left_out)} optional bins were not worth the detour.")
    for problem in result.problems:
        console.print(f"[yellow]{escape(problem)}[/yellow]")
    console.print(f"[dim]Distances: {escape(result.distance_method)}.[/dim]")
    if out:
        for file in write_plan_files(result, out, opened.config.council_name):
            console.print(f"Wrote {escape(str(file))}")
    opened.audit.record(current_actor(), "routes.plan", f"{result.day}", details={
        "routes": len(result.routes), "bins": result.collected, "miles": round(result.miles, 1)})


@app.command("simulate")
@friendly_errors
def simulate(
    days: Annotated[int | None, typer.Option(help="Replay only this many days (all the readings when left "
                                                  "out).")] = None,
    iterations: Annotated[int, typer.Option(help="Planner iterations per day and way of working.")] = 300,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Replay the bin readings under today's fixed schedule and under sensor-driven collection, side by side."""
    from townhall.routes import simulate_collections

    opened = open_workspace(workspace)
    with progress_bar("Replaying the period") as update:
        update("planning each day's routes both ways", 0.1)
        result = simulate_collections(opened, days=days, iterations=iterations)
    table = Table(title=f"Fixed schedule against sensor-driven collection, {result.first_day:%-d %b} to "
                        f"{result.last_day:%-d %b %Y}")
    for column in ("Measure", "Fixed schedule", "Sensor-driven"):
        table.add_column(column, justify="left" if column == "Measure" else "right")
    for row in result.table():
        table.add_row(*map(escape, row))
    console.print(table)
    for note in result.notes:
        console.print(f"[dim]{escape(note)}[/dim]")


@app.command("school")
@friendly_errors
def school(
    iterations: Annotated[int, typer.Option(help="Planner iterations per school and option.")] = 2000,
    out: Annotated[Path | None, typer.Option(help="Write the report as CSV to this file.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Compare shared minibus routes with a taxi for each pupil, school by school, with costs a day and a year."""
    import pandas as pd

    from townhall.routes import compare_school_transport
    from townhall.store import atomic_write_text

    opened = open_workspace(workspace)
    with progress_bar("Planning school runs") as update:
        update("routing each school", 0.1)
        report = compare_school_transport(opened, iterations=iterations)
    # The report reads pupils' home locations (personal data) to work out routes; it shows only totals.
    opened.audit.record(current_actor(), "routes.school_transport", opened.settings.routes.school.source,
                        purpose="Home-to-school transport planning", details={"pupils": report.pupils})
    table = Table(title=f"School transport for {report.pupils} pupils: cost a day")
    for column in ("School", "Pupils", "Wheelchair", "Escort", "Minibuses", "Longest ride", "All by minibus",
                   "All by taxi", "Cheapest mix", "Cheapest"):
        table.add_column(column, justify="left" if column in ("School", "Cheapest") else "right")
    for item in report.schools:
        table.add_row(escape(item.school), str(item.pupils), str(item.wheelchair), str(item.escort),
                      str(item.minibuses), f"{item.longest_ride_minutes:.0f} min", f"£{item.minibus_cost:,.0f}",
                      f"£{item.taxi_cost:,.0f}", f"£{item.mix_cost:,.0f}", item.best)
    totals = report.totals()
    table.add_row("Total", str(report.pupils), "", "", str(int(totals["minibuses"])), "",
                  f"£{totals['minibus_day']:,.0f}", f"£{totals['taxi_day']:,.0f}", "", "")
    console.print(table)
    console.print(f"A year of the cheapest way for each school: £{totals['best_year']:,.0f} (all by taxi "
                  f"£{totals['taxi_year']:,.0f}; all by minibus £{totals['minibus_year']:,.0f}).")
    for line in [*report.assumptions, f"Distances: {report.distance_method}.", *report.problems]:
        console.print(f"[dim]{escape(line)}[/dim]")
    if out:
        rows = [{"school": item.school, "pupils": item.pupils, "wheelchair": item.wheelchair, "escort": item.escort,
                 "minibuses": item.minibuses, "longest_ride_minutes": round(item.longest_ride_minutes),
                 "minibus_cost_a_day": round(item.minibus_cost, 2), "taxi_cost_a_day": round(item.taxi_cost, 2),
                 "mix_cost_a_day": round(item.mix_cost, 2), "cheapest": item.best} for item in report.schools]
        atomic_write_text(out, pd.DataFrame(rows).to_csv(index=False))
        console.print(f"Wrote {escape(str(out))}")


@app.command("cvrplib")
@friendly_errors
def cvrplib(
    instance: Annotated[Path, typer.Argument(help="A CVRPLIB .vrp file (its .sol beside it gives the best known).")],
    seconds: Annotated[float, typer.Option(help="How long to search.")] = 30.0,
    seed: Annotated[int, typer.Option(help="The planner's random seed.")] = 1,
) -> None:
    """Solve a standard vehicle-routing benchmark with townhall's planner and show the gap to the best known."""
    from townhall.routes import solve_instance

    if not instance.exists():
        raise TownhallError(f"There is no file {instance}.")
    result = solve_instance(instance, seconds=seconds, seed=seed)
    gap = f"{result.gap:.2%} from the best known ({result.best_known:,.0f})" if result.gap is not None else \
        "no best-known solution beside it"
    console.print(f"{escape(result.name)}: {result.customers} customers, {len(result.plan.routes)} routes, cost "
                  f"{result.cost:,} ({gap}), {result.plan.iterations:,} iterations in {result.plan.seconds:.1f} s.")
