"""`townhall places report | access | segments | incident | duplicates`: the place analyses, registered on the
`places` command group (townhall/cli/places.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace, progress_bar
from townhall.errors import TownhallError
from townhall.places.defaults import (
    DEFAULT_DISTANCE_METRES,
    DEFAULT_SEED,
    DEFAULT_THRESHOLD_KM,
    DEFAULT_WINDOW_DAYS,
    METHODS,
)


@friendly_errors
def report(
    indicators: Annotated[list[str] | None, typer.Option("--indicator", help="An indicator to include (repeat for "
                                                                              "several); all loaded ones by default.")]
    = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the HTML report (default "
                                                           "outputs/state-of-the-borough.html).")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print the report as PDF with headless Chromium.")] = False,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Write the State of the Borough report: each ward's indicators against the borough, maps and demand over time."""
    from townhall.places import write_state_of_the_borough
    from townhall.workspace import current_actor

    opened = open_workspace(workspace)
    with progress_bar("Writing the State of the Borough report") as update:
        update("gathering figures and drawing maps", 0.1)
        written = write_state_of_the_borough(opened, indicators=indicators, out=out, pdf=pdf)
    for path in written:
        console.print(f"Wrote {escape(str(path))}")
    opened.audit.record(current_actor(), "places.report", "state-of-the-borough",
                        details={"files": [path.name for path in written], "indicators": indicators or "all"})


@friendly_errors
def access(
    sites: Annotated[str | None, typer.Option("--sites", help="A registered source or a CSV file of service sites "
                                                              "(name, type, latitude, longitude); [places] "
                                                              "service_sites in townhall.toml by default.")] = None,
    site_type: Annotated[str | None, typer.Option("--type", help="Only sites of this type, e.g. 'Library'.")] = None,
    within_km: Annotated[float, typer.Option("--within-km", help="Count residents living further than this from "
                                                                 "the nearest site.")] = DEFAULT_THRESHOLD_KM,
    network: Annotated[Path | None, typer.Option("--network", help="A road network (GeoJSON lines) for distances "
                                                                   "along roads instead of straight lines.")] = None,
    open_site: Annotated[list[str] | None, typer.Option("--open", help="What if a site opened here: "
                                                                       "'name,latitude,longitude' (repeatable).")]
    = None,
    close_site: Annotated[list[str] | None, typer.Option("--close", help="What if the site with this name closed "
                                                                         "(repeatable).")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Measure how far residents live from the nearest service site, and what opening or closing sites would change."""
    from townhall.governance.disclosure import SUPPRESSED_MARK, DisclosureRule
    from townhall.places import (
        RoadNetwork,
        accessibility_origins,
        measure_accessibility,
        service_sites,
        what_if,
    )
    from townhall.workspace import current_actor

    opened = open_workspace(workspace)
    chosen = service_sites(opened, sites)
    console.print(f"Service sites from {escape(chosen.origin)}.")
    table = chosen.sites
    if site_type:
        table = table[table["type"].str.lower() == site_type.lower()]
        if table.empty:
            raise TownhallError(f"There are no sites of type '{site_type}'.")
    road_network = RoadNetwork.from_geojson(network) if network else None
    origins, kind = accessibility_origins(opened)
    rule = DisclosureRule.from_workspace(opened)
    if open_site or close_site:
        openings = [_site_from_text(text) for text in open_site or []]
        result = what_if(origins, table, open_sites=openings, close_sites=close_site or [], threshold_km=within_km,
                         network=road_network, rule=rule, origin_kind=kind)
        comparison = Table(title=f"What if: opening {len(result.opened)}, closing {len(result.closed)} site(s)")
        for column in ("Measure", "Now", "After the change"):
            comparison.add_column(column, justify="left" if column == "Measure" else "right")
        for row in result.rows():
            comparison.add_row(row["measure"], *(escape(SUPPRESSED_MARK) if value is None else f"{value:,}"
                                                 for value in (row["before"], row["after"])))
        console.print(comparison)
    else:
        result_now = measure_accessibility(origins, table, threshold_km=within_km, network=road_network, rule=rule,
                                           origin_kind=kind)
        console.print(result_now.describe())
    console.print(f"[dim]Measured from {kind}. {escape(rule.describe())}[/dim]")
    opened.audit.record(current_actor(), "places.access", "accessibility", details={
        "sites": len(table), "within_km": within_km, "network": network is not None,
        "opened": len(open_site or []), "closed": len(close_site or [])})


def _site_from_text(text: str) -> dict[str, object]:
    """A site typed as 'name,latitude,longitude'."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 3:
        raise TownhallError(f"'{text}' is not a site: write it as 'name,latitude,longitude', e.g. "
                            "'New hub,53.40,-2.20'.")
    try:
        return {"name": parts[0], "latitude": float(parts[1]), "longitude": float(parts[2])}
    except ValueError:
        raise TownhallError(f"'{text}': the latitude and longitude must be numbers in degrees.") from None


@friendly_errors
def segments(
    method: Annotated[str, typer.Option("--method", help=f"Clustering method: {' or '.join(METHODS)}.")] = "kmeans",
    count: Annotated[int | None, typer.Option("--segments", help="The number of segments; chosen by silhouette "
                                                                 "(k-means) or BIC (mixture) from 2 to 8 if not "
                                                                 "given.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed, so the same data give the same segments.")]
    = DEFAULT_SEED,
    indicators: Annotated[list[str] | None, typer.Option("--indicator", help="An indicator to cluster on (repeat "
                                                                              "for several).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write each area's segment to this CSV file.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Group similar small areas into segments and describe each one in plain English from its indicators."""
    from townhall.places import Geography, indicator_table_for_segmentation, segment_areas
    from townhall.store.files import atomic_path
    from townhall.workspace import current_actor

    opened = open_workspace(workspace)
    geography = Geography.from_workspace(opened)
    table = indicator_table_for_segmentation(geography, indicators)
    with progress_bar("Grouping small areas") as update:
        update("trying numbers of segments", 0.2)
        result = segment_areas(table, method=method, segments=count, seed=seed)
    console.print(result.describe_choice())
    for segment in result.segments:
        console.print(f"[bold]{segment.number}.[/bold] {escape(segment.description)}")
    if out is not None:
        with atomic_path(out) as temporary:
            result.assignments.to_csv(temporary, index=False)
        console.print(f"Wrote each area's segment to {escape(str(out))}.")
    opened.audit.record(current_actor(), "places.segments", "segmentation", details={
        "method": method, "segments": result.chosen, "seed": seed, "areas": len(result.assignments)})


@friendly_errors
def incident(
    name: Annotated[str, typer.Option("--name", help="The incident's name, e.g. 'River Ash flooding' (logged).")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why the list is needed, e.g. 'welfare checks' "
                                                           "(logged).")],
    latitude: Annotated[float | None, typer.Option("--lat", help="Centre of the area: latitude in degrees.")] = None,
    longitude: Annotated[float | None, typer.Option("--lon", help="Centre of the area: longitude in degrees.")]
    = None,
    postcode: Annotated[str | None, typer.Option("--postcode", help="Centre the area on this postcode instead.")]
    = None,
    radius: Annotated[float | None, typer.Option("--radius", help="Radius of the area in metres.")] = None,
    polygon: Annotated[Path | None, typer.Option("--polygon", help="A GeoJSON polygon of the incident area "
                                                                   "(flood extent, fire cordon).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the list to this CSV file for responders.")] = None,
    user: Annotated[str | None, typer.Option("--user", envvar="TOWNHALL_USER",
                                             help="Your townhall user name (an emergency planner or governance "
                                                  "officer).")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """List the vulnerable people living inside an incident area, most urgent needs first (emergency planning)."""
    from townhall.places import (
        check_in_borough,
        circle_area,
        export_incident_list,
        incident_list,
        point_of_postcode,
        polygon_area,
    )

    opened = open_workspace(workspace)
    account = opened.users.get(user) if user else None
    if account is None:
        raise TownhallError("Give your townhall user name with --user (or TOWNHALL_USER): incident lists are only "
                            "for the emergency-planning team and governance officers.")
    if polygon is not None:
        try:
            text = polygon.read_text(encoding="utf-8")
        except OSError as error:
            raise TownhallError(f"{polygon} could not be read: {error.strerror}.") from None
        area = polygon_area(text, file_name=polygon.name)
    else:
        if postcode:
            latitude, longitude = point_of_postcode(opened, postcode)
        if latitude is None or longitude is None or radius is None:
            raise TownhallError("Give the area as --polygon FILE, or a centre (--lat and --lon, or --postcode) and "
                                "--radius in metres.")
        area = circle_area(latitude, longitude, radius)
    check_in_borough(opened, area)
    result = incident_list(opened, account, area=area, incident_name=name, purpose=purpose)
    table = Table(title=f"{escape(result.incident_name)}: {result.count:,} vulnerable "
                        f"{'person' if result.count == 1 else 'people'} in the area")
    for column in ("#", "Name", "Age", "Address", "Needs", "Phone", "In household"):
        table.add_column(column)
    for number, person in enumerate(result.people, start=1):
        table.add_row(str(number), escape(person.name), str(person.age or ""), escape(person.address),
                      escape(", ".join(person.needs) or "Not recorded"), escape(person.contact_phone),
                      str(person.household_members or ""))
    console.print(table)
    if result.not_placed:
        console.print(f"[yellow]{result.not_placed:,} vulnerable people have no known address position and could "
                      "not be checked against the area.[/yellow]")
    if out is not None:
        export_incident_list(opened, account, result, out)
        console.print(f"Wrote the list to {escape(str(out))}. It identifies vulnerable people: share it only with "
                      "the responders who need it.")


@friendly_errors
def duplicates(
    source: Annotated[str, typer.Argument(help="The registered source of located reports, e.g. street_reports.")],
    distance: Annotated[float, typer.Option("--distance", help="Reports within this many metres may be the same "
                                                               "problem.")] = DEFAULT_DISTANCE_METRES,
    days: Annotated[float, typer.Option("--days", help="Reports within this many days may be the same problem.")]
    = DEFAULT_WINDOW_DAYS,
    out: Annotated[Path | None, typer.Option("--out", help="Write the problems (one row each) to this CSV file.")]
    = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Group residents' reports of the same problem (same category, close in place and time) into one problem."""
    from townhall.places import duplicate_reports
    from townhall.store.files import atomic_path
    from townhall.workspace import current_actor

    opened = open_workspace(workspace)
    result = duplicate_reports(opened, source, distance_metres=distance, window_days=days)
    console.print(result.describe())
    table = Table(title="Problems reported most often")
    for column in ("Problem", "Category", "Reports", "First reported", "Last reported"):
        table.add_column(column)
    for row in result.problems.head(15).itertuples(index=False):
        table.add_row(row.problem_id, escape(str(getattr(row, "category", ""))), str(row.reports),
                      f"{row.first_reported:%d %b %Y %H:%M}", f"{row.last_reported:%d %b %Y %H:%M}")
    console.print(table)
    if out is not None:
        with atomic_path(out) as temporary:
            result.problems.to_csv(temporary, index=False)
        console.print(f"Wrote {len(result.problems):,} problems to {escape(str(out))}.")
    opened.audit.record(current_actor(), "places.duplicates", source, details={
        "reports": len(result.reports), "problems": len(result.problems), "distance_metres": distance,
        "window_days": days})

