"""townhall's routing layer over PyVRP: a plain description of a routing problem in council terms (places, stops,
vehicles, a distance and a travel-time matrix) in, routes with arrival times and loads out.

What it covers: several load dimensions (weight and volume, seats and wheelchair spaces), a depot to start from and
one to end at, trips back to a tip or depot to empty when full (multiple trips), shift length, time windows at stops,
fixed costs per vehicle used and costs per metre, and optional stops with a prize (collected only when worth the
detour). PyVRP works in whole numbers, so distances are metres, times seconds, costs thousandths of a penny.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from townhall.errors import TownhallError

UNBOUNDED = np.iinfo(np.int64).max // 4
PENCE_UNITS = 1000  # PyVRP costs are whole numbers: thousandths of a penny


@dataclass(frozen=True)
class Place:
    """A depot, tip or school: somewhere vehicles start, end or empty."""

    name: str
    latitude: float = 0.0
    longitude: float = 0.0
    window: tuple[int, int] | None = None  # seconds after midnight vehicles may be there (ends: arrive by)
    service_seconds: int = 0  # time spent there when emptying (a tip visit)


@dataclass(frozen=True)
class Stop:
    """Something to visit: a bin to empty, a pupil to pick up. ``load`` has one number per load dimension."""

    key: str
    name: str
    latitude: float = 0.0
    longitude: float = 0.0
    load: tuple[int, ...] = ()
    service_seconds: int = 0
    window: tuple[int, int] | None = None  # seconds after midnight the visit may start
    required: bool = True
    prize: int = 0  # cost units gained by visiting an optional stop


@dataclass(frozen=True)
class VehicleKind:
    """A kind of vehicle: how many, capacity per load dimension, where it starts, ends and may empty, its shift,
    and its costs (cost units: a fixed cost when used, and per metre)."""

    name: str
    count: int
    capacity: tuple[int, ...] = ()
    start: int = 0  # index into the problem's places
    end: int = 0
    reload_at: tuple[int, ...] = ()  # places where it may empty and carry on (multiple trips)
    shift_start: int = 0  # seconds after midnight
    shift_seconds: int | None = None
    fixed_cost: int = 0
    cost_per_metre: int = 1
    max_reloads: int | None = None


@dataclass
class RoutingProblem:
    """Places (depots, tips), stops and vehicles, with metres and seconds between every pair of locations.

    Locations are numbered places first, then stops, in the order given; ``distance`` and ``duration`` are square
    matrices over them.
    """

    places: list[Place]
    stops: list[Stop]
    vehicles: list[VehicleKind]
    distance: np.ndarray  # metres
    duration: np.ndarray  # seconds
    dimensions: tuple[str, ...] = ()  # the names of the load dimensions, e.g. ("kg", "litres")

    def check(self) -> None:
        """Refuse a problem that cannot be solved as given, saying why."""
        size = len(self.places) + len(self.stops)
        if not self.places:
            raise TownhallError("A routing problem needs at least one depot.")
        if not self.vehicles:
            raise TownhallError("A routing problem needs at least one kind of vehicle.")
        for matrix, what in ((self.distance, "distance"), (self.duration, "travel-time")):
            if matrix.shape != (size, size):
                raise TownhallError(f"The {what} matrix is {matrix.shape[0]} by {matrix.shape[1]}; it should be "
                                    f"{size} by {size} (places, then stops).")
            if (matrix < 0).any():
                raise TownhallError(f"The {what} matrix holds negative values.")
        width = len(self.dimensions)
        for stop in self.stops:
            if len(stop.load) != width:
                raise TownhallError(f"Stop '{stop.name}' has {len(stop.load)} load figures; the problem has "
                                    f"{width} ({', '.join(self.dimensions) or 'none'}).")
        for vehicle in self.vehicles:
            if len(vehicle.capacity) != width:
                raise TownhallError(f"Vehicle '{vehicle.name}' has {len(vehicle.capacity)} capacity figures; the "
                                    f"problem has {width}.")
            for stop in self.stops:
                if stop.required and any(load > capacity for load, capacity in zip(stop.load, vehicle.capacity,
                                                                                    strict=True)) \
                        and len(self.vehicles) == 1:
                    raise TownhallError(f"Stop '{stop.name}' needs more room than a {vehicle.name} has "
                                        f"({', '.join(map(str, stop.load))} against "
                                        f"{', '.join(map(str, vehicle.capacity))}).")


@dataclass(frozen=True)
class Visit:
    """One step of a route: a stop, or a place (start, emptying, end), with times in seconds after midnight."""

    kind: str  # "start", "stop", "empty", "end"
    index: int  # into problem.stops for stops, problem.places otherwise
    trip: int
    arrival: int
    departure: int
    wait: int
    load_after: tuple[int, ...]  # load carried on leaving (stops picked up since the last emptying)


@dataclass
class PlannedRoute:
    """One vehicle's day."""

    vehicle: str
    vehicle_kind: int
    visits: list[Visit]
    distance: int  # metres
    duration: int  # seconds from leaving the start to reaching the end
    trips: int
    cost: int  # cost units (fixed + distance)
    late_seconds: int = 0  # time-window or shift lateness PyVRP could not remove (0 when feasible)

    @property
    def stop_indices(self) -> list[int]:
        """The stops visited, in order."""
        return [visit.index for visit in self.visits if visit.kind == "stop"]


@dataclass
class RoutePlan:
    """The routes found for a problem, what was left unvisited, and whether every rule was kept."""

    routes: list[PlannedRoute]
    unvisited: list[int]  # optional stops left out (indices into problem.stops)
    feasible: bool
    cost: int  # cost units, including prizes not collected
    distance: int
    iterations: int
    seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def vehicles_used(self) -> int:
        """How many vehicles leave the depot."""
        return len(self.routes)


def _as_int(value: float) -> int:
    return round(value)


def solve(problem: RoutingProblem, *, seconds: float | None = 10.0, iterations: int | None = None,
          seed: int = 1) -> RoutePlan:
    """Plan routes with PyVRP's iterated local search, stopping after ``seconds`` or ``iterations`` (or whichever
    comes first when both are given); the same seed and inputs give the same routes."""
    import pyvrp
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    problem.check()
    model = pyvrp.Model()
    places = len(problem.places)
    locations = [model.add_location(place.longitude, place.latitude, name=place.name) for place in problem.places]
    locations += [model.add_location(stop.longitude, stop.latitude, name=stop.key) for stop in problem.stops]
    depots = []
    for place, location in zip(problem.places, locations[:places], strict=True):
        early, late = place.window or (0, UNBOUNDED)
        depots.append(model.add_depot(location, tw_early=early, tw_late=late, service_duration=place.service_seconds,
                                      name=place.name))
    for stop, location in zip(problem.stops, locations[places:], strict=True):
        early, late = stop.window or (0, UNBOUNDED)
        model.add_client(location, pickup=list(stop.load), service_duration=stop.service_seconds, tw_early=early,
                         tw_late=late, required=stop.required, prize=stop.prize, name=stop.key)
    for vehicle in problem.vehicles:
        shift_end = vehicle.shift_start + vehicle.shift_seconds if vehicle.shift_seconds else UNBOUNDED
        options = {}
        if vehicle.max_reloads is not None:
            options["max_reloads"] = vehicle.max_reloads
        model.add_vehicle_type(
            num_available=vehicle.count, capacity=list(vehicle.capacity), start_depot=depots[vehicle.start],
            end_depot=depots[vehicle.end], fixed_cost=vehicle.fixed_cost, tw_early=vehicle.shift_start,
            tw_late=shift_end, shift_duration=vehicle.shift_seconds or UNBOUNDED,
            unit_distance_cost=vehicle.cost_per_metre,
            reload_depots=[depots[index] for index in vehicle.reload_at], name=vehicle.name, **options)
    distance = np.asarray(problem.distance, dtype=np.int64)
    duration = np.asarray(problem.duration, dtype=np.int64)
    for origin, start in enumerate(locations):
        for target, end in enumerate(locations):
            if origin != target:
                model.add_edge(start, end, distance=int(distance[origin, target]),
                               duration=int(duration[origin, target]))
    criteria = []
    if seconds is not None:
        criteria.append(MaxRuntime(seconds))
    if iterations is not None:
        criteria.append(MaxIterations(iterations))
    if not criteria:
        raise TownhallError("Give the route planner a time limit or a number of iterations.")
    stop = criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)
    result = model.solve(stop=stop, seed=seed, display=False, collect_stats=False, params=_params(problem))
    return _plan_from(problem, result)


def _params(problem: RoutingProblem):  # type: ignore[no-untyped-def]
    """PyVRP's parameters, with penalties able to outweigh the largest cost a broken rule could save.

    PyVRP finds good routes by also looking at ones that break a rule (an overloaded vehicle, a late arrival), with
    a penalty for each unit broken that it raises while too few routes keep the rules. Its default ceiling (100,000
    cost units) is below a day's vehicle cost in townhall's units (thousandths of a penny), so an overloaded
    vehicle could look cheaper than a second one; the ceiling is raised to well above the largest fixed cost and
    prize in the problem.
    """
    import pyvrp

    largest = max([vehicle.fixed_cost for vehicle in problem.vehicles] + [stop.prize for stop in problem.stops] + [0])
    default = pyvrp.PenaltyParams()
    if 10 * largest <= default.max_penalty:
        return pyvrp.SolveParams()
    return pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=float(10 * largest)))


def _plan_from(problem: RoutingProblem, result) -> RoutePlan:  # type: ignore[no-untyped-def]
    """townhall's RoutePlan from PyVRP's result."""
    solution = result.best
    routes = []
    visited: set[int] = set()
    for route in solution.routes():
        kind = route.vehicle_type()
        vehicle = problem.vehicles[kind]
        schedule = list(route.schedule())
        visits: list[Visit] = []
        load = [0] * len(problem.dimensions)
        for position, activity in enumerate(schedule):
            if activity.is_depot():
                if position == 0:
                    label = "start"
                elif position == len(schedule) - 1:
                    label = "end"
                else:
                    label = "empty"
                load = [0] * len(problem.dimensions)
                visits.append(Visit(label, activity.idx, activity.trip, activity.start_time, activity.end_time,
                                    activity.wait_duration, tuple(load)))
            else:
                stop = problem.stops[activity.idx]
                visited.add(activity.idx)
                load = [carried + picked for carried, picked in zip(load, stop.load, strict=True)]
                visits.append(Visit("stop", activity.idx, activity.trip, activity.start_time, activity.end_time,
                                    activity.wait_duration, tuple(load)))
        routes.append(PlannedRoute(
            vehicle=f"{vehicle.name} {sum(1 for earlier in routes if earlier.vehicle_kind == kind) + 1}",
            vehicle_kind=kind, visits=visits, distance=int(route.distance()), duration=int(route.duration()),
            trips=int(route.num_trips()), cost=int(route.distance_cost() + route.fixed_vehicle_cost()),
            late_seconds=int(route.time_warp())))
    unvisited = [index for index in range(len(problem.stops)) if index not in visited]
    problems = []
    if not solution.is_feasible():
        if solution.has_time_warp():
            problems.append("Some visits could not be made within their time windows or shift.")
        if solution.has_excess_load():
            problems.append("Some vehicles would be loaded beyond their capacity.")
        missing_required = [problem.stops[index].name for index in unvisited if problem.stops[index].required]
        if missing_required:
            problems.append(f"{len(missing_required)} required stops could not be fitted in: "
                            f"{', '.join(missing_required[:5])}.")
    return RoutePlan(routes=routes, unvisited=unvisited, feasible=bool(solution.is_feasible()),
                     cost=int(result.cost()) if solution.is_feasible() else int(solution.distance_cost()),
                     distance=int(solution.distance()), iterations=int(result.num_iterations),
                     seconds=float(result.runtime), problems=problems)


def distance_matrix_from_points(latitude: Sequence[float], longitude: Sequence[float], *,
                                factor: float = 1.0) -> np.ndarray:
    """Metres between every pair of points along great circles, times ``factor`` (a road detour factor)."""
    from townhall.places.locations import haversine_metres

    lat = np.asarray(latitude, dtype=float)
    lon = np.asarray(longitude, dtype=float)
    metres = haversine_metres(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    return np.rint(metres * factor).astype(np.int64)
