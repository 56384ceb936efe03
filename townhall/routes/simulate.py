"""Was it worth it? A replay of a period of bin-sensor readings under two ways of working: today's fixed schedule
(each bin every N round days) and sensor-driven collection (only bins forecast to need it, plus those on the way).

The readings say how much litter went into each bin, hour by hour (the rise between readings; after an emptying, the
level it was found at). The replay pours the same litter into each bin under each way of working, empties the bins
each plan collects, plans each day's routes with the same planner, and counts: miles driven, collections made,
collections that found the bin over the threshold (overflow risk), bins that reached 100% before being emptied, and
collections of bins under half full. Sensor-driven decisions use forecasts learnt only from readings before the day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from townhall.errors import TownhallError
from townhall.routes.distances import Matrices, travel_matrices
from townhall.routes.rounds import LEAVE, MAY, MUST, BinChoice, next_round_day, route_choices, shift_start
from townhall.settings.routes import WEEKDAYS
from townhall.workspace import Workspace

FIXED = "fixed schedule"
SENSOR = "sensor-driven"
HALF = 50.0
EMPTIED_DROP = 25.0


@dataclass
class PolicyResult:
    """One way of working over the period."""

    name: str
    collections: int = 0
    miles: float = 0.0
    cost: float = 0.0
    found_over_threshold: int = 0
    under_half: int = 0
    overflowing_bin_days: int = 0  # days on which a bin reached 100% before it was emptied
    per_day: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Simulation:
    """Both ways of working over the same period, with how it was done."""

    first_day: dt.date
    last_day: dt.date
    round_days: int
    bins: int
    threshold: float
    fixed: PolicyResult
    sensor: PolicyResult
    notes: list[str] = field(default_factory=list)

    def table(self) -> list[tuple[str, str, str]]:
        """The comparison as rows: measure, fixed schedule, sensor-driven."""
        rows = [("Miles driven", f"{self.fixed.miles:,.0f}", f"{self.sensor.miles:,.0f}"),
                ("Cost (vehicles, crews and miles)", f"£{self.fixed.cost:,.0f}", f"£{self.sensor.cost:,.0f}"),
                ("Collections made", f"{self.fixed.collections:,}", f"{self.sensor.collections:,}"),
                (f"Collections finding the bin over {self.threshold:g}% (overflow risk)",
                 f"{self.fixed.found_over_threshold:,}", f"{self.sensor.found_over_threshold:,}"),
                ("Days a bin reached 100% before it was emptied", f"{self.fixed.overflowing_bin_days:,}",
                 f"{self.sensor.overflowing_bin_days:,}"),
                ("Collections of bins under half full", f"{self.fixed.under_half:,}", f"{self.sensor.under_half:,}")]
        return rows

    def per_day(self) -> pd.DataFrame:
        """Miles and collections each round day under each way of working (for the chart)."""
        return pd.DataFrame(self.fixed.per_day + self.sensor.per_day)


def _deposits(readings: pd.DataFrame, bins: list[str], start: np.datetime64, hours: int) -> np.ndarray:
    """Litter put into each bin in each hour (percentage points), from the rises between its readings."""
    grid = start + np.arange(hours + 1) * np.timedelta64(1, "h")
    deposits = np.zeros((len(bins), hours))
    for row, bin_id in enumerate(bins):
        one = readings.loc[readings["bin_id"] == bin_id]
        times = one["time"].to_numpy(dtype="datetime64[us]")
        fill = one["fill"].to_numpy(dtype=float)
        if fill.size < 2:
            continue
        rise = np.diff(fill)
        rise = np.where(rise <= -EMPTIED_DROP, fill[1:], np.maximum(rise, 0.0))  # after an emptying: its new level
        cumulative = np.concatenate([[0.0], np.cumsum(rise)])
        hourly = np.interp(grid.astype("datetime64[s]").astype(np.int64), times.astype("datetime64[s]").astype(
            np.int64), cumulative)
        deposits[row] = np.diff(hourly)
    return deposits


def current_schedule(readings: pd.DataFrame, bins: list[str], fallback_days: int) -> list[int]:
    """How many days apart each bin is emptied now: the median gap between the falls in its readings."""
    days = []
    for bin_id in bins:
        one = readings.loc[readings["bin_id"] == bin_id]
        fill = one["fill"].to_numpy(dtype=float)
        times = one["time"].to_numpy(dtype="datetime64[us]")
        emptied = times[1:][np.diff(fill) <= -EMPTIED_DROP]
        gaps = np.diff(emptied) / np.timedelta64(1, "D")
        days.append(max(1, round(float(np.median(gaps)))) if gaps.size else fallback_days)
    return days


def simulate_collections(workspace: Workspace, *, days: int | None = None, learn_days: int = 14,
                         iterations: int = 300, seconds: float | None = None) -> Simulation:
    """Replay the stored bin readings under a fixed schedule and under sensor-driven collection (the first
    ``learn_days`` only teach the forecasts; ``days`` limits the replay to its first days)."""
    from townhall.sensors.bins import bin_forecasts, bin_readings

    settings = workspace.settings.routes
    readings = bin_readings(workspace)
    located = readings.dropna(subset=["latitude", "longitude"])
    bins = sorted(located["bin_id"].unique())
    if not bins:
        raise TownhallError("No bin sensor has a location in the device register, so no routes can be planned.")
    details = located.groupby("bin_id").tail(1).set_index("bin_id")
    first_time = np.datetime64(pd.Timestamp(readings["time"].min()).floor("D").to_datetime64(), "h")
    last_time = np.datetime64(pd.Timestamp(readings["time"].max()).floor("h").to_datetime64(), "h")
    first_day = (pd.Timestamp(first_time) + pd.Timedelta(days=learn_days)).date()
    last_day = pd.Timestamp(last_time).date() - dt.timedelta(days=1)
    if days is not None:
        last_day = min(last_day, first_day + dt.timedelta(days=days - 1))
    round_days = [first_day + dt.timedelta(days=offset) for offset in range((last_day - first_day).days + 1)
                  if WEEKDAYS[(first_day + dt.timedelta(days=offset)).weekday()] in settings.round_days]
    if not round_days:
        raise TownhallError(f"The readings cover too short a period to replay: the first {learn_days} days teach the "
                            "forecasts, and at least one round day must follow.")
    hours = int((last_time - first_time) / np.timedelta64(1, "h"))
    deposits = _deposits(readings, bins, first_time, hours)
    threshold = settings.collection_threshold_pct

    def matrices_for(latitude: np.ndarray, longitude: np.ndarray) -> Matrices:
        return travel_matrices(workspace, latitude, longitude, settings=settings)

    def hour_of(moment: dt.datetime) -> int:
        return int((np.datetime64(moment, "h") - first_time) / np.timedelta64(1, "h"))

    schedule = current_schedule(readings, bins, settings.fixed_schedule_every_days)
    # Stagger the fixed rounds so that bins on the same schedule are not all due on the first day.
    last_fixed = [first_day - dt.timedelta(days=int(row % schedule[row])) for row in range(len(bins))]
    results = {FIXED: PolicyResult(FIXED), SENSOR: PolicyResult(SENSOR)}
    levels = {name: np.zeros(len(bins)) for name in results}
    start_hour = hour_of(dt.datetime.combine(first_day, dt.time()))
    model = None
    model_week = None
    overflow_days: dict[str, set[tuple[int, dt.date]]] = {name: set() for name in results}
    clock = start_hour
    for day in round_days:
        round_hour = hour_of(shift_start(day, settings))
        for name in results:  # pour in the litter up to this round
            poured = np.cumsum(deposits[:, clock:round_hour], axis=1) + levels[name][:, None]
            for row, column in zip(*np.nonzero(poured >= 100.0), strict=True):
                moment = (pd.Timestamp(first_time) + pd.Timedelta(hours=clock + int(column))).date()
                overflow_days[name].add((int(row), moment))
            if poured.shape[1]:
                levels[name] = poured[:, -1]
        clock = round_hour
        week = day.isocalendar()[:2]
        if model is None or week != model_week:
            history = readings.loc[readings["time"] < np.datetime64(shift_start(day, settings), "us")]
            model = bin_forecasts(workspace, readings=history, as_of=shift_start(day, settings)).model
            model_week = week
        next_start = shift_start(next_round_day(day, settings), settings)
        for name, result in results.items():
            fill = np.minimum(levels[name], 100.0)
            choices = []
            for row, bin_id in enumerate(bins):
                if name == FIXED:
                    decision = MUST if (day - last_fixed[row]).days >= schedule[row] else LEAVE
                    expected = high = fill[row]
                else:
                    forecast = model.forecast(bin_id, float(fill[row]), shift_start(day, settings), next_start,
                                              threshold=threshold)
                    expected, high = forecast.expected, forecast.high
                    decision = MUST if high >= threshold else MAY if fill[row] >= settings.optional_from_pct \
                        else LEAVE
                choices.append(BinChoice(bin_id=bin_id, name=str(details.loc[bin_id, "asset_name"]),
                                         latitude=float(details.loc[bin_id, "latitude"]),
                                         longitude=float(details.loc[bin_id, "longitude"]), fill_now=float(fill[row]),
                                         fill_at_round=float(fill[row]), fill_at_next_high=float(high),
                                         fill_at_next=float(expected), decision=decision, reason=""))
            plan = route_choices(choices, settings, matrices_for, day=day, iterations=iterations, seconds=seconds)
            emptied = {stop.key for route in plan.routes for stop in route.stops if stop.kind == "bin"}
            rows = [row for row, bin_id in enumerate(bins) if bin_id in emptied]
            result.collections += len(rows)
            result.found_over_threshold += int((fill[rows] >= threshold).sum())
            result.under_half += int((fill[rows] < HALF).sum())
            result.miles += plan.miles
            result.cost += plan.cost
            levels[name][rows] = 0.0
            if name == FIXED:
                for row in rows:
                    last_fixed[row] = day
            result.per_day.append({"day": day, "way": name, "miles": round(plan.miles, 2),
                                   "collections": len(rows)})
    for name, result in results.items():
        result.overflowing_bin_days = len(overflow_days[name])
    notes = [f"Replayed {len(round_days)} round days from {first_day:%-d %B} to {last_day:%-d %B %Y} for {len(bins)} "
             f"bins; the {learn_days} days before taught the forecasts.",
             "Fixed schedule: each bin as often as the readings show it is emptied now (the median days between "
             f"its emptyings; every {settings.fixed_schedule_every_days} days when none is seen). Sensor-driven: bins "
             f"forecast to reach {threshold:g}% before the next round, and bins at least "
             f"{settings.optional_from_pct:g}% full when on the way.",
             "Both start with every bin empty; each day's routes come from the same planner and the same distances."]
    return Simulation(first_day=first_day, last_day=last_day, round_days=len(round_days), bins=len(bins),
                      threshold=threshold, fixed=results[FIXED], sensor=results[SENSOR], notes=notes)
