"""Home-to-school transport: shared minibus routes against a taxi for each pupil, with the same route planner.

For each school, minibuses leave the transport base, pick pupils up at home and reach school between
``arrival_window_minutes`` and ``arrive_before_bell_minutes`` before the bell. No pupil rides longer than their limit
(their own, or the policy's): a pupil is picked up no earlier than the latest arrival time minus their limit, so the
ride cannot be longer. A minibus carries at most its seats and wheelchair spaces, and a pupil who needs a passenger
assistant rides only on a minibus with one. A pupil the minibuses cannot fit in (too far for their ride limit) goes by
taxi. The afternoon run is taken to mirror the morning's, so a day's cost is the morning's miles twice and each
vehicle's day rate once.

Pupils' addresses are personal data: the report itself holds only counts, miles, minutes and costs per school.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from townhall.errors import InputFileError, TownhallError
from townhall.routes.distances import Matrices, miles, travel_matrices
from townhall.routes.engine import PENCE_UNITS, Place, RoutingProblem, Stop, VehicleKind, solve
from townhall.routes.rounds import cost_units_per_metre
from townhall.settings.routes import RoutesSettings, SchoolTransportSettings, clock_minutes
from townhall.workspace import Workspace

_YES = {"y", "yes", "true", "t", "1"}
_NO = {"n", "no", "false", "f", "0", ""}
RUNS_A_DAY = 2


@dataclass
class Pupils:
    """The pupils to carry, checked: one row per pupil (ref, home, school, bell, limit, needs)."""

    frame: pd.DataFrame  # pupil, address, home_latitude, home_longitude, school, school_latitude, school_longitude,
    #                     bell_minutes, max_ride_minutes, wheelchair, escort
    problems: list[str] = field(default_factory=list)


def read_pupils(workspace: Workspace) -> Pupils:
    """The school-transport pupils source, read through [routes.school] columns and checked row by row."""
    settings = workspace.settings.routes.school
    table = workspace.catalogue.table_name(settings.source)
    with workspace.analytics.connect(read_only=True) as connection:
        raw = connection.execute(f"SELECT * FROM {table}").df()
    return check_pupils(raw, settings, origin=f"source {settings.source}")


def check_pupils(raw: pd.DataFrame, settings: SchoolTransportSettings, *, origin: str) -> Pupils:
    """Check and convert a table of pupils; rows that cannot be used are named and left out."""
    columns = {str(column).lower(): column for column in raw.columns}
    wanted = settings.columns.model_dump()

    def column(key: str) -> pd.Series:
        name = wanted[key]
        found = name if name in raw.columns else columns.get(str(name).lower())
        if found is None:
            raise InputFileError(origin, f"it has no column '{name}' ([routes.school.columns] {key}).")
        return raw[found]

    def text(key: str) -> pd.Series:
        return column(key).astype("string").fillna("").str.strip()

    def flag(key: str) -> tuple[pd.Series, pd.Series]:
        values = text(key).str.lower()
        return values.isin(_YES), ~values.isin(_YES | _NO)

    frame = pd.DataFrame({"pupil": text("pupil"), "address": text("pickup_address"), "school": text("school")})
    problems: list[str] = []
    bad = frame["pupil"] == ""
    for key in ("home_latitude", "home_longitude", "school_latitude", "school_longitude"):
        values = pd.to_numeric(column(key), errors="coerce")
        limit = 90 if "latitude" in key else 180
        wrong = values.isna() | (values.abs() > limit)
        _name_rows(problems, origin, wrong, wanted[key], "is not a position in degrees")
        bad |= wrong
        frame[key] = values
    bells = text("bell_time")
    minutes = []
    for value in bells:
        try:
            minutes.append(clock_minutes(value))
        except ValueError:
            minutes.append(np.nan)
    frame["bell_minutes"] = minutes
    _name_rows(problems, origin, frame["bell_minutes"].isna(), wanted["bell_time"], "is not a clock time")
    bad |= frame["bell_minutes"].isna()
    ride = pd.to_numeric(column("max_ride_minutes"), errors="coerce")
    defaulted = int(ride.isna().sum())
    if defaulted:
        problems.append(f"{origin}: {defaulted} pupil(s) have no ride limit; the policy's "
                        f"{settings.default_max_ride_minutes:g} minutes applies.")
    frame["max_ride_minutes"] = ride.fillna(settings.default_max_ride_minutes)
    for key, name in (("wheelchair", "wheelchair"), ("escort", "escort")):
        values, unreadable = flag(key)
        _name_rows(problems, origin, unreadable, wanted[key], "is not yes or no (taken as no)")
        frame[name] = values.to_numpy(dtype=bool)
    if bad.any():
        problems.append(f"{origin}: {int(bad.sum())} pupil(s) left out because of the problems above.")
    return Pupils(frame=frame.loc[~bad].reset_index(drop=True), problems=problems)


def _name_rows(problems: list[str], origin: str, mask: pd.Series, field_name: str, what: str) -> None:
    if mask.any():
        rows = (np.flatnonzero(mask.to_numpy()) + 2)[:5].tolist()
        problems.append(f"{origin}, field '{field_name}': the value {what} on {int(mask.sum())} row(s) (first rows: "
                        f"{', '.join(map(str, rows))}).")


@dataclass
class SchoolResult:
    """One school's comparison."""

    school: str
    pupils: int
    wheelchair: int
    escort: int
    minibuses: int
    minibus_miles: float  # a day, both runs
    minibus_cost: float  # a day
    longest_ride_minutes: float
    average_ride_minutes: float
    by_taxi_anyway: int  # pupils the minibuses could not carry within their limits
    taxi_miles: float  # a day, every pupil by taxi
    taxi_cost: float  # a day
    runs: list[dict[str, Any]] = field(default_factory=list)  # per minibus: pupils, miles, minutes (no addresses)
    late: bool = False
    mix_cost: float = 0.0  # a day: minibuses where they cost less than taxis, taxis for the rest
    mix_minibuses: int = 0
    mix_by_taxi: int = 0

    @property
    def best(self) -> str:
        """The cheapest way, in words."""
        costs = {"minibuses": self.minibus_cost, "taxis": self.taxi_cost, "a mix": self.mix_cost}
        return min(costs, key=lambda name: costs[name])


@dataclass
class SchoolTransportReport:
    """The comparison for every school, with totals and how it was worked out."""

    schools: list[SchoolResult]
    days_a_year: int
    distance_method: str
    problems: list[str]
    assumptions: list[str]

    @property
    def pupils(self) -> int:
        """Pupils carried."""
        return sum(school.pupils for school in self.schools)

    def totals(self) -> dict[str, float]:
        """Day and year costs of each way, and of the cheaper way for each school."""
        minibus = sum(school.minibus_cost for school in self.schools)
        taxi = sum(school.taxi_cost for school in self.schools)
        best = sum(min(school.minibus_cost, school.taxi_cost, school.mix_cost) for school in self.schools)
        return {"minibus_day": minibus, "taxi_day": taxi, "best_day": best,
                "minibus_year": minibus * self.days_a_year, "taxi_year": taxi * self.days_a_year,
                "best_year": best * self.days_a_year,
                "minibuses": sum(school.minibuses for school in self.schools)}


def _taxi_cost(metres: np.ndarray, wheelchair: np.ndarray, escort: np.ndarray, taxi: Any) -> np.ndarray:
    """A day of taxi journeys per pupil (both runs)."""
    journey = taxi.cost_per_journey + taxi.cost_per_mile * metres / 1609.344 + np.where(
        wheelchair, taxi.wheelchair_cost_per_journey, 0.0)
    return RUNS_A_DAY * journey + np.where(escort, taxi.escort_cost_per_day, 0.0)


def plan_school(school: str, pupils: pd.DataFrame, base: Place, settings: RoutesSettings, matrices_for: Any, *,
                seconds: float | None, iterations: int | None) -> tuple[SchoolResult, str]:
    """Minibus routes for one school, and the taxi alternative."""
    school_settings = settings.school
    minibus = school_settings.minibus
    first = pupils.iloc[0]
    latitude = np.array([base.latitude, first["school_latitude"], *pupils["home_latitude"]])
    longitude = np.array([base.longitude, first["school_longitude"], *pupils["home_longitude"]])
    matrices: Matrices = matrices_for(latitude, longitude)
    latest = int((first["bell_minutes"] - school_settings.arrive_before_bell_minutes) * 60)
    earliest = latest - int(school_settings.arrival_window_minutes * 60)
    places = [base, Place(school, float(first["school_latitude"]), float(first["school_longitude"]),
                          window=(earliest, latest))]
    boarding = school_settings.boarding_minutes * 60
    direct_metres = matrices.metres[2:, 1].astype(float)
    taxi_each = _taxi_cost(direct_metres, pupils["wheelchair"].to_numpy(), pupils["escort"].to_numpy(),
                           school_settings.taxi)

    def problem_with(prizes: np.ndarray) -> RoutingProblem:
        stops = []
        for position, row in enumerate(pupils.itertuples(index=False)):
            direct = int(matrices.seconds[position + 2, 1])
            limit = int(row.max_ride_minutes * 60)
            board = int(boarding * (3 if row.wheelchair else 1))
            # Picked up no earlier than (latest arrival - limit): then the ride cannot last longer than the limit.
            window = (max(0, latest - limit), max(0, latest - direct - board))
            stops.append(Stop(key=row.pupil, name=row.pupil, latitude=row.home_latitude,
                              longitude=row.home_longitude, load=(1, int(row.wheelchair), int(row.escort)),
                              service_seconds=board, window=window, required=False, prize=int(prizes[position])))
        per_metre = cost_units_per_metre(minibus.cost_per_mile) * RUNS_A_DAY
        vehicles = [VehicleKind(name="Minibus with passenger assistant", count=len(stops),
                                capacity=(minibus.seats, minibus.wheelchair_spaces, minibus.seats), start=0, end=1,
                                fixed_cost=round((minibus.cost_per_day + minibus.escort_cost_per_day) * 100
                                                 * PENCE_UNITS), cost_per_metre=per_metre),
                    VehicleKind(name="Minibus", count=len(stops),
                                capacity=(minibus.seats, minibus.wheelchair_spaces, 0), start=0, end=1,
                                fixed_cost=round(minibus.cost_per_day * 100 * PENCE_UNITS), cost_per_metre=per_metre)]
        return RoutingProblem(places=places, stops=stops, vehicles=vehicles, distance=matrices.metres,
                              duration=matrices.seconds, dimensions=("seats", "wheelchair spaces", "escorted"))

    def priced(prizes: np.ndarray) -> Option:
        plan = solve(problem_with(prizes), seconds=seconds, iterations=iterations, seed=settings.seed)
        option = Option(cost=float(taxi_each[plan.unvisited].sum()) if plan.unvisited else 0.0,
                        by_taxi=len(plan.unvisited), late=not plan.feasible)
        for route in plan.routes:
            arrive = route.visits[-1].arrival
            picked = [visit for visit in route.visits if visit.kind == "stop"]
            rides = [(arrive - visit.departure) / 60 for visit in picked]
            option.rides.extend(rides)
            metres = route.distance + int(matrices.metres[1, 0])  # back to the base after school
            option.metres += metres
            with_escort = route.vehicle_kind == 0
            day = (minibus.cost_per_day + (minibus.escort_cost_per_day if with_escort else 0.0)
                   + minibus.cost_per_mile * miles(metres) * RUNS_A_DAY)
            option.cost += day
            option.runs.append({"vehicle": route.vehicle, "pupils": len(picked),
                                "miles_a_day": miles(metres) * RUNS_A_DAY, "longest_ride_minutes": max(rides),
                                "cost_a_day": day, "arrives": f"{arrive // 3600:02d}:{arrive % 3600 // 60:02d}"})
        return option

    # Everyone on a minibus where their ride limit allows; then the cheapest mix, where a pupil rides a minibus only
    # when that costs less than their own taxi (each pupil's taxi fare is the prize for carrying them).
    # Carrying a pupil is worth more than a minibus of their own, but not so much that the planner would rather
    # overload a minibus than add one (PyVRP weighs broken rules against prizes).
    worth = 4 * (minibus.cost_per_day + minibus.escort_cost_per_day + float(taxi_each.max())) * 100 * PENCE_UNITS
    everyone = priced(np.full(len(pupils), round(worth)))
    mix = priced(np.rint(taxi_each * 100 * PENCE_UNITS))
    result = SchoolResult(
        school=school, pupils=len(pupils), wheelchair=int(pupils["wheelchair"].sum()),
        escort=int(pupils["escort"].sum()), minibuses=len(everyone.runs),
        minibus_miles=miles(everyone.metres) * RUNS_A_DAY, minibus_cost=everyone.cost,
        longest_ride_minutes=max(everyone.rides, default=0.0),
        average_ride_minutes=float(np.mean(everyone.rides)) if everyone.rides else 0.0,
        by_taxi_anyway=everyone.by_taxi, taxi_miles=miles(float(direct_metres.sum())) * RUNS_A_DAY,
        taxi_cost=float(taxi_each.sum()), runs=everyone.runs, late=everyone.late, mix_cost=mix.cost,
        mix_minibuses=len(mix.runs), mix_by_taxi=mix.by_taxi)
    return result, matrices.method


@dataclass
class Option:
    """One way of carrying a school's pupils, priced for a day."""

    cost: float = 0.0
    metres: int = 0
    by_taxi: int = 0
    late: bool = False
    rides: list[float] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)


def compare_school_transport(workspace: Workspace, *, seconds: float | None = None, iterations: int | None = 2000,
                             pupils: Pupils | None = None) -> SchoolTransportReport:
    """Minibus routes against a taxi for each pupil, school by school."""
    settings = workspace.settings.routes
    checked = pupils or read_pupils(workspace)
    if checked.frame.empty:
        raise TownhallError("There are no pupils to plan for (every row had a problem): "
                            + " ".join(checked.problems))
    base_site = settings.school.base or settings.depot
    if base_site is None:
        raise TownhallError("Set where minibuses start in townhall.toml: [routes.school.base] (name, latitude, "
                            "longitude), or [routes.depot].")
    base = Place(base_site.name, base_site.latitude, base_site.longitude)

    def matrices_for(latitude: np.ndarray, longitude: np.ndarray) -> Matrices:
        return travel_matrices(workspace, latitude, longitude, settings=settings, speed_mph=settings.average_speed_mph
                               * 1.5)

    results = []
    method = ""
    for school, group in checked.frame.groupby("school", sort=True):
        result, method = plan_school(str(school), group.reset_index(drop=True), base, settings, matrices_for,
                                     seconds=seconds, iterations=iterations)
        results.append(result)
    minibus = settings.school.minibus
    taxi = settings.school.taxi
    assumptions = [
        f"Minibuses: {minibus.seats} seats and {minibus.wheelchair_spaces} wheelchair spaces, "
        f"£{minibus.cost_per_day:,.0f} a day plus £{minibus.cost_per_mile:.2f} a mile; a passenger assistant adds £"
        f"{minibus.escort_cost_per_day:,.0f} a day.",
        f"Taxis: one pupil each, £{taxi.cost_per_journey:.2f} a journey plus £{taxi.cost_per_mile:.2f} a mile "
        f"(£{taxi.wheelchair_cost_per_journey:.2f} more for a wheelchair-accessible car); a passenger assistant adds "
        f"£{taxi.escort_cost_per_day:,.0f} a day.",
        f"Pupils arrive between {settings.school.arrival_window_minutes + settings.school.arrive_before_bell_minutes:g}"
        f" and {settings.school.arrive_before_bell_minutes:g} minutes before the bell; no ride is longer than the "
        "pupil's limit.",
        "The afternoon run is taken to mirror the morning's; a year is "
        f"{settings.school.days_a_year} school days.",
    ]
    if len(results) and sum(result.minibuses for result in results) > minibus.count:
        assumptions.append(f"The plan uses {sum(result.minibuses for result in results)} minibuses; the council's "
                           f"contracts list {minibus.count} ([routes.school.minibus] count), so some schools would "
                           "need their runs staggered or more vehicles.")
    return SchoolTransportReport(schools=results, days_a_year=settings.school.days_a_year,
                                 distance_method=method, problems=checked.problems, assumptions=assumptions)
