"""Collection rounds: which bins to empty on a day, and the routes to do it.

A bin must be collected when its fill is forecast (at the high end of its interval, to be safe) to reach the
collection threshold before the next round; a bin forecast to be at least ``optional_from_pct`` full at the round may
be collected too, when it is close enough to a route to be worth the detour (a prize-collecting problem: each optional
bin is worth up to ``worth_detour_miles_at_full`` of driving, in proportion to how full it is). Routes start at the
depot, go to the tip whenever a vehicle is full by weight or by volume (as many trips as needed), and end at the
tip, with the drive back to the depot added; each vehicle's shift length and any time windows on streets are kept.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from townhall.errors import TownhallError
from townhall.routes.distances import METRES_PER_MILE, Matrices, miles, travel_matrices
from townhall.routes.engine import PENCE_UNITS, Place, RoutePlan, RoutingProblem, Stop, VehicleKind, solve
from townhall.settings.routes import WEEKDAYS, RoutesSettings, SiteSettings, clock_minutes
from townhall.workspace import Workspace

MUST = "must collect"
MAY = "may collect"
LEAVE = "leave"
ROUTE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]


def next_round_day(day: dt.date, settings: RoutesSettings) -> dt.date:
    """The first round day after ``day``."""
    for ahead in range(1, 8):
        candidate = day + dt.timedelta(days=ahead)
        if WEEKDAYS[candidate.weekday()] in settings.round_days:
            return candidate
    raise TownhallError("[routes] round_days names no day of the week.")  # pragma: no cover - settings refuse it


def shift_start(day: dt.date, settings: RoutesSettings) -> dt.datetime:
    """When the first vehicle's shift starts on ``day`` (clock time)."""
    minutes = min(clock_minutes(vehicle.shift_start) for vehicle in settings.vehicles)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))


@dataclass
class BinChoice:
    """One bin's decision for the day: its fill now, forecast for the round and for the next round, and why."""

    bin_id: str
    name: str
    latitude: float
    longitude: float
    fill_now: float
    fill_at_round: float
    fill_at_next_high: float
    fill_at_next: float
    decision: str
    reason: str


def choose_bins(forecasts_today: pd.DataFrame, forecasts_next: pd.DataFrame,
                settings: RoutesSettings) -> list[BinChoice]:
    """Decide each bin from its forecasts at today's round (expected) and at the next round (expected and high)."""
    today = forecasts_today.set_index("bin_id")
    choices = []
    for row in forecasts_next.itertuples(index=False):
        at_round = float(today.loc[row.bin_id, "expected"])
        if not np.isfinite(row.latitude) or not np.isfinite(row.longitude):
            decision, reason = LEAVE, "its sensor has no location in the device register"
        elif row.high >= settings.collection_threshold_pct:
            decision = MUST
            reason = (f"forecast to reach {settings.collection_threshold_pct:g}% before the next round "
                      f"(up to {row.high:.0f}%)")
        elif at_round >= settings.optional_from_pct:
            decision = MAY
            reason = (f"forecast {at_round:.0f}% full at the round ({row.expected:.0f}% by the next): collected if "
                      "it is on the way")
        else:
            decision = LEAVE
            reason = f"forecast only {row.expected:.0f}% by the next round (at most {row.high:.0f}%)"
        choices.append(BinChoice(bin_id=row.bin_id, name=row.asset_name, latitude=float(row.latitude),
                                 longitude=float(row.longitude), fill_now=float(row.fill_now),
                                 fill_at_round=at_round, fill_at_next_high=float(row.high),
                                 fill_at_next=float(row.expected), decision=decision, reason=reason))
    return choices


@dataclass
class CrewStop:
    """A line of a crew sheet."""

    order: int
    kind: str  # "bin", "tip", "depot"
    name: str
    key: str
    arrive: str  # clock time
    fill: float | None
    load_kg: float
    load_litres: float
    trip: int
    latitude: float
    longitude: float
    note: str = ""


@dataclass
class CrewRoute:
    """One vehicle's round as its crew reads it."""

    vehicle: str
    colour: str
    stops: list[CrewStop]
    miles: float
    hours: float
    trips: int
    bins: int
    cost: float  # pounds


@dataclass
class CollectionPlan:
    """A day's collection plan: the bins chosen, the routes, and the totals."""

    day: dt.date
    choices: list[BinChoice]
    routes: list[CrewRoute]
    left_out: list[BinChoice]  # bins chosen as optional that the routes did not take
    distance_method: str
    feasible: bool
    problems: list[str] = field(default_factory=list)
    model_notes: list[str] = field(default_factory=list)

    @property
    def miles(self) -> float:
        """Miles driven by all vehicles, depot to depot."""
        return sum(route.miles for route in self.routes)

    @property
    def cost(self) -> float:
        """Pounds for the day (vehicles and crews used, and miles)."""
        return sum(route.cost for route in self.routes)

    @property
    def collected(self) -> int:
        """Bins emptied."""
        return sum(route.bins for route in self.routes)

    def count(self, decision: str) -> int:
        """How many bins got a decision."""
        return sum(choice.decision == decision for choice in self.choices)

    def rows(self) -> list[dict[str, Any]]:
        """One row per stop of every route, for CSV."""
        return [{"route": route.vehicle, "order": stop.order, "kind": stop.kind, "name": stop.name,
                 "sensor": stop.key, "arrive": stop.arrive, "fill_pct": "" if stop.fill is None else round(stop.fill),
                 "load_kg_after": round(stop.load_kg), "load_litres_after": round(stop.load_litres),
                 "trip": stop.trip, "latitude": stop.latitude, "longitude": stop.longitude, "note": stop.note}
                for route in self.routes for stop in route.stops]

    def to_geojson(self) -> dict[str, Any]:
        """Routes as lines and stops as points, with their colours and labels, for maps and GIS."""
        features = []
        for route in self.routes:
            coordinates = [[stop.longitude, stop.latitude] for stop in route.stops]
            features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coordinates},
                             "properties": {"name": route.vehicle, "display": f"{route.miles:.1f} miles, "
                                                                               f"{route.bins} bins",
                                            "colour": route.colour, "stroke": route.colour, "label": route.vehicle}})
            for stop in route.stops:
                features.append({"type": "Feature", "geometry": {"type": "Point",
                                                                 "coordinates": [stop.longitude, stop.latitude]},
                                 "properties": {"name": f"{route.vehicle}, stop {stop.order}: {stop.name}",
                                                "display": f"arrive {stop.arrive}" + (
                                                    f", {stop.fill:.0f}% full" if stop.fill is not None else ""),
                                                "colour": route.colour, "label": route.vehicle, "kind": stop.kind}})
        return {"type": "FeatureCollection", "features": features,
                "title": f"Collection routes for {self.day:%A %-d %B %Y}", "measure": "Route",
                "legend": [{"label": route.vehicle, "colour": route.colour, "areas": route.bins}
                           for route in self.routes],
                "footnotes": [f"Distances: {self.distance_method}."]}

    def thematic_map(self) -> Any:
        """The plan as a townhall map (stops as small circles, routes as lines), for the page and for a standalone
        HTML file with its table."""
        import geopandas as gpd
        import shapely

        from townhall.places import LegendClass, ThematicMap

        rows = []
        for route in self.routes:
            rows.append({"code": route.vehicle, "name": route.vehicle, "value": np.nan,
                         "display": f"{route.miles:.1f} miles, {route.bins} bins", "colour": route.colour,
                         "label": route.vehicle,
                         "geometry": shapely.LineString([[stop.longitude, stop.latitude] for stop in route.stops])})
            for stop in route.stops:
                rows.append({"code": stop.key, "name": f"{route.vehicle}, stop {stop.order}: {stop.name}",
                             "value": np.nan, "display": f"arrive {stop.arrive}" + (
                                 f", {stop.fill:.0f}% full" if stop.fill is not None else ""),
                             "colour": route.colour, "label": route.vehicle,
                             "geometry": shapely.Point(stop.longitude, stop.latitude).buffer(0.0006, quad_segs=4)})
        features = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
        return ThematicMap(title=f"Collection routes for {self.day:%A %-d %B %Y}", measure="Route and stop",
                           level="route", features=features,
                           legend=[LegendClass(route.vehicle, route.colour, route.bins) for route in self.routes],
                           classification="none", notes=[f"Distances: {self.distance_method}.",
                                                         "Lines join stops in order; the roads driven may differ."],
                           kind="point")

    def crew_sheets_html(self, council: str) -> str:
        """Printable crew sheets, one page per vehicle, as a standalone HTML file."""
        pages = []
        for route in self.routes:
            lines = "".join(
                f"<tr><td>{stop.order}</td><td>{html.escape(stop.arrive)}</td><td>{html.escape(stop.name)}</td>"
                f"<td>{html.escape(stop.key)}</td><td>{'' if stop.fill is None else f'{stop.fill:.0f}%'}</td>"
                f"<td>{stop.load_kg:,.0f} kg / {stop.load_litres:,.0f} l</td><td>{html.escape(stop.note)}</td>"
                "<td class=\"tick\"></td></tr>" for stop in route.stops)
            pages.append(
                f"<section class=\"sheet\"><h1>{html.escape(route.vehicle)}: {self.day:%A %-d %B %Y}</h1>"
                f"<p>{route.bins} bins, {route.trips} trip{'s' if route.trips != 1 else ''} to the tip, "
                f"{route.miles:.1f} miles, about {route.hours:.1f} hours.</p>"
                "<table><thead><tr><th>#</th><th>Arrive</th><th>Where</th><th>Sensor</th><th>Fill</th>"
                "<th>Load after</th><th>Note</th><th>Done</th></tr></thead>"
                f"<tbody>{lines}</tbody></table>"
                "<p class=\"small\">Tick each stop when done. If a bin cannot be reached, note why.</p></section>")
        return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Crew sheets "
                f"{self.day:%Y-%m-%d} – {html.escape(council)}</title><style>"
                "body{font-family:Arial,Helvetica,sans-serif;margin:20px;color:#0b0c0c}"
                "table{border-collapse:collapse;width:100%}th,td{border:1px solid #505a5f;padding:4px 6px;"
                "text-align:left;font-size:14px}td.tick{width:3em}.small{font-size:12px;color:#505a5f}"
                "@media print{.sheet{page-break-after:always}}</style></head><body>"
                + "".join(pages) + "</body></html>")


def _site(settings_site: SiteSettings | None, what: str) -> SiteSettings:
    if settings_site is None:
        raise TownhallError(f"Set the {what} in townhall.toml before planning routes, for example:\n"
                            f"[routes.{what}]\nname = \"Council depot\"\nlatitude = 53.40\nlongitude = -2.20")
    return settings_site


def _window(name: str, settings: RoutesSettings) -> tuple[int, int] | None:
    for window in settings.time_windows:
        if window.name_contains.lower() in name.lower():
            return clock_minutes(window.earliest) * 60, clock_minutes(window.latest) * 60
    return None


def cost_units_per_metre(cost_per_mile: float) -> int:
    """Pounds per mile as PyVRP's whole cost units (thousandths of a penny) per metre (at least one)."""
    return max(1, round(cost_per_mile * 100 * PENCE_UNITS / METRES_PER_MILE))


def build_round_problem(choices: list[BinChoice], settings: RoutesSettings, matrices_for: Any
                        ) -> tuple[RoutingProblem, list[BinChoice], Matrices]:
    """The routing problem for the bins chosen: depot and tip, bins with loads, vehicles with shifts and costs."""
    depot = _site(settings.depot, "depot")
    tip = settings.tip or depot
    visiting = [choice for choice in choices if choice.decision in (MUST, MAY)]
    latitude = np.array([depot.latitude, tip.latitude, *[choice.latitude for choice in visiting]])
    longitude = np.array([depot.longitude, tip.longitude, *[choice.longitude for choice in visiting]])
    matrices: Matrices = matrices_for(latitude, longitude)
    places = [Place(depot.name, depot.latitude, depot.longitude),
              Place(tip.name, tip.latitude, tip.longitude, service_seconds=int(settings.tip_minutes * 60))]
    stops = []
    for choice in visiting:
        litres = settings.bin_volume_litres * min(choice.fill_at_round, 100.0) / 100
        kg = litres * settings.kg_per_litre
        per_metre = cost_units_per_metre(settings.vehicles[0].cost_per_mile)
        prize = 0 if choice.decision == MUST else int(settings.worth_detour_miles_at_full * METRES_PER_MILE
                                                     * per_metre * min(choice.fill_at_round, 100.0) / 100)
        stops.append(Stop(key=choice.bin_id, name=choice.name, latitude=choice.latitude, longitude=choice.longitude,
                          load=(max(1, round(kg)), max(1, round(litres))),
                          service_seconds=int(settings.service_minutes_per_bin * 60),
                          window=_window(choice.name, settings), required=choice.decision == MUST, prize=prize))
    back = int(matrices.seconds[1, 0]) + int(settings.tip_minutes * 60)
    vehicles = []
    for vehicle in settings.vehicles:
        start = clock_minutes(vehicle.shift_start) * 60
        vehicles.append(VehicleKind(
            name=vehicle.name, count=vehicle.count,
            capacity=(round(vehicle.capacity_kg), round(vehicle.capacity_litres)), start=0, end=1, reload_at=(1,),
            shift_start=start, shift_seconds=max(1, int(vehicle.shift_hours * 3600) - back),
            fixed_cost=round(vehicle.cost_per_day * 100 * PENCE_UNITS),
            cost_per_metre=cost_units_per_metre(vehicle.cost_per_mile)))
    problem = RoutingProblem(places=places, stops=stops, vehicles=vehicles, distance=matrices.metres,
                             duration=matrices.seconds, dimensions=("kg", "litres"))
    return problem, visiting, matrices


def _clock(seconds: int) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600 % 24:02d}:{seconds % 3600 // 60:02d}"


def crew_routes(plan: RoutePlan, problem: RoutingProblem, visiting: list[BinChoice], matrices: Matrices,
                settings: RoutesSettings) -> list[CrewRoute]:
    """Turn the planner's routes into crew routes, adding the last emptying at the tip and the drive to the depot."""
    routes = []
    back_seconds = int(matrices.seconds[1, 0])
    back_metres = int(matrices.metres[1, 0])
    for number, route in enumerate(plan.routes):
        kind = settings.vehicles[route.vehicle_kind]
        colour = ROUTE_COLOURS[number % len(ROUTE_COLOURS)]
        stops: list[CrewStop] = []
        for order, visit in enumerate(route.visits, start=1):
            if visit.kind == "stop":
                choice = visiting[visit.index]
                stops.append(CrewStop(order, "bin", choice.name, choice.bin_id, _clock(visit.arrival),
                                      choice.fill_at_round, visit.load_after[0], visit.load_after[1], visit.trip,
                                      choice.latitude, choice.longitude,
                                      "" if choice.decision == MUST else "optional: on the way"))
            else:
                place = problem.places[visit.index]
                label = {"start": "Leave the depot", "empty": "Empty at the tip", "end": "Empty at the tip"}
                stops.append(CrewStop(order, "tip" if visit.index == 1 else "depot", place.name,
                                      label[visit.kind], _clock(visit.arrival), None, 0, 0, visit.trip,
                                      place.latitude, place.longitude))
        end = route.visits[-1].arrival + int(settings.tip_minutes * 60)
        depot = problem.places[0]
        stops.append(CrewStop(len(stops) + 1, "depot", depot.name, "Back at the depot",
                              _clock(end + back_seconds), None, 0, 0, route.trips, depot.latitude, depot.longitude))
        metres = route.distance + back_metres
        hours = (end + back_seconds - route.visits[0].departure) / 3600
        routes.append(CrewRoute(vehicle=route.vehicle, colour=colour, stops=stops, miles=miles(metres), hours=hours,
                                trips=route.trips, bins=len(route.stop_indices),
                                cost=kind.cost_per_day + kind.cost_per_mile * miles(metres)))
    return routes


def plan_collection_round(workspace: Workspace, *, day: dt.date | None = None, seconds: float | None = None,
                          iterations: int | None = None, readings: pd.DataFrame | None = None) -> CollectionPlan:
    """Choose today's bins from the sensor forecasts and plan the routes (``day``: the day after the newest reading
    when unset)."""
    from townhall.sensors.bins import bin_forecasts, bin_readings

    settings = workspace.settings.routes
    frame = readings if readings is not None else bin_readings(workspace)
    newest = pd.Timestamp(frame["time"].max()).to_pydatetime()
    day = day or (newest + dt.timedelta(days=1)).date()
    round_start = shift_start(day, settings)
    as_of = min(newest, round_start)
    next_start = shift_start(next_round_day(day, settings), settings)
    history = frame.loc[frame["time"] <= np.datetime64(as_of, "us")]
    today = bin_forecasts(workspace, at=round_start, as_of=as_of, readings=history)
    later = bin_forecasts(workspace, at=next_start, as_of=as_of, readings=history)
    choices = choose_bins(today.table(), later.table(), settings)

    def matrices_for(latitude: np.ndarray, longitude: np.ndarray) -> Matrices:
        return travel_matrices(workspace, latitude, longitude, settings=settings)

    plan = route_choices(choices, settings, matrices_for, day=day, seconds=seconds, iterations=iterations)
    plan.model_notes = today.model.describe()
    return plan


def route_choices(choices: list[BinChoice], settings: RoutesSettings, matrices_for: Any, *, day: dt.date,
                  seconds: float | None = None, iterations: int | None = None) -> CollectionPlan:
    """Plan the routes for bins already chosen."""
    if not any(choice.decision in (MUST, MAY) for choice in choices):
        return CollectionPlan(day=day, choices=choices, routes=[], left_out=[], distance_method="none needed",
                              feasible=True, problems=["No bin needs collecting on this day."])
    problem, visiting, matrices = build_round_problem(choices, settings, matrices_for)
    if iterations is None and seconds is None:
        seconds = settings.solve_seconds
    result = solve(problem, seconds=seconds, iterations=iterations, seed=settings.seed)
    routes = crew_routes(result, problem, visiting, matrices, settings)
    left_out = [visiting[index] for index in result.unvisited]
    return CollectionPlan(day=day, choices=choices, routes=routes, left_out=left_out,
                          distance_method=matrices.method, feasible=result.feasible, problems=result.problems)
