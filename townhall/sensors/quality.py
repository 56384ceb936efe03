"""Sensor data quality: a status for every reading when it is stored, and a health check of every device.

A reading's status is decided from the reading and those before it (it is never changed afterwards, as readings are
append-only): flagged by its supplier, out of the range the sensor can report, taken on a flat battery, an impossible
jump from the reading before, or stuck (the same value for too long). Only readings with status "ok" feed alerts and
forecasts. A device's health adds what no single reading shows: gaps, silence, a low battery.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from townhall.settings.sensors import MeasureSettings, SensorsSettings

OK = "ok"
FLAGGED = "flagged by supplier"
OUT_OF_RANGE = "out of range"
FLAT_BATTERY = "flat battery"
JUMP = "jump"
STUCK = "stuck"
CONFLICT = "conflicting duplicate"
STATUSES = (OK, FLAGGED, OUT_OF_RANGE, FLAT_BATTERY, JUMP, STUCK, CONFLICT)
STATUS_MEANINGS = {
    OK: "usable",
    FLAGGED: "the supplier marked the reading as doubtful",
    OUT_OF_RANGE: "a value the sensor cannot really report (below its lowest or above its highest)",
    FLAT_BATTERY: "taken while the device's battery was nearly flat, so not trusted",
    JUMP: "changed faster than the measure can really change since the reading before",
    STUCK: "the same value for longer than the measure really stays still: the sensor is probably stuck",
    CONFLICT: "a second reading for the same device, measure and time with a different value (the first is kept)",
}
_STUCK_MIN_READINGS = 4
_ACCEPT_NEW_LEVEL_AFTER = 3  # this many consistent 'jumps' in a row are a real change of level, not a fault


def assign_statuses(new: pd.DataFrame, context: pd.DataFrame, settings: SensorsSettings) -> pd.Series:
    """A status for each new reading, judged with the stored readings just before (``context``: device_id,
    measure, reading_time, value, status). Returns a Series aligned with ``new``."""
    if new.empty:
        return pd.Series([], dtype=object, index=new.index)
    combined = pd.concat([
        context.assign(is_new=False, flagged=False, position=-1),
        new.assign(is_new=True, status=OK, position=np.arange(len(new))),
    ], ignore_index=True)
    combined = combined.sort_values(["device_id", "measure", "reading_time", "is_new"], kind="stable",
                                    ignore_index=True)
    status = combined["status"].to_numpy(dtype=object).copy()
    is_new = combined["is_new"].to_numpy(dtype=bool)
    value = combined["value"].to_numpy(dtype=float)
    limits = {name: settings.measures.get(name, MeasureSettings()) for name in combined["measure"].unique()}
    lowest = combined["measure"].map({name: limit.lowest for name, limit in limits.items()}).to_numpy(dtype=float)
    highest = combined["measure"].map({name: limit.highest for name, limit in limits.items()}).to_numpy(dtype=float)

    settled = ~is_new  # stored readings keep the status they were given
    flagged = is_new & combined["flagged"].to_numpy(dtype=bool)
    status[flagged] = FLAGGED
    out_of_range = is_new & ~flagged & ((value < np.nan_to_num(lowest, nan=-np.inf))
                                        | (value > np.nan_to_num(highest, nan=np.inf)))
    status[out_of_range] = OUT_OF_RANGE
    flat = is_new & (status == OK) & _on_flat_battery(combined, settings)
    status[flat] = FLAT_BATTERY
    _mark_jumps(combined, status, settled, limits)
    _mark_stuck(combined, status, settled, limits)
    order = combined["position"].to_numpy()
    result = np.empty(len(new), dtype=object)
    result[order[is_new]] = status[is_new]
    return pd.Series(result, index=new.index)


def _on_flat_battery(combined: pd.DataFrame, settings: SensorsSettings) -> np.ndarray:
    """Whether each reading was taken when its device's latest battery reading was at or below the flat level."""
    battery = combined.loc[combined["measure"] == settings.battery_measure, ["device_id", "reading_time", "value"]]
    if battery.empty:
        return np.zeros(len(combined), dtype=bool)
    left = combined[["device_id", "reading_time"]].assign(row=np.arange(len(combined)))
    left = left.sort_values("reading_time", kind="stable")
    matched = pd.merge_asof(left, battery.sort_values("reading_time", kind="stable").rename(
        columns={"value": "battery"}), on="reading_time", by="device_id", direction="backward")
    flat = np.zeros(len(combined), dtype=bool)
    flat[matched["row"].to_numpy()] = (matched["battery"] <= settings.battery_flat_pct).to_numpy(dtype=bool)
    return flat & (combined["measure"] != settings.battery_measure).to_numpy()


def _group_bounds(combined: pd.DataFrame) -> np.ndarray:
    """Start positions of each (device, measure) run in the sorted frame, with the end appended."""
    device = combined["device_id"].to_numpy(dtype=object)
    measure = combined["measure"].to_numpy(dtype=object)
    change = np.ones(len(combined), dtype=bool)
    change[1:] = (device[1:] != device[:-1]) | (measure[1:] != measure[:-1])
    return np.append(np.flatnonzero(change), len(combined))


def _mark_jumps(combined: pd.DataFrame, status: np.ndarray, settled: np.ndarray,
                limits: dict[str, MeasureSettings]) -> None:
    """Mark new readings that moved further from the last usable reading than the measure can in the time between.

    A change is allowed ``max_change_per_hour`` for each hour between readings (at least one hour's worth, so
    sensors read every minute are not flagged for noise). Several consistent jumps in a row are a real new level.
    """
    value = combined["value"].to_numpy(dtype=float)
    hours = combined["reading_time"].to_numpy(dtype="datetime64[us]").astype(np.int64) / 3.6e9
    measure = combined["measure"].to_numpy(dtype=object)
    bounds = _group_bounds(combined)
    for start, end in itertools.pairwise(bounds):
        limit = limits[measure[start]].max_change_per_hour
        if limit is None or end - start < 2:
            continue
        allowed = limit * np.maximum(np.diff(hours[start:end]), 1.0)
        if not np.any((np.abs(np.diff(value[start:end])) > allowed) & ~settled[start + 1:end]):
            continue  # nothing new moved too fast relative to its neighbour: no sequential check needed
        previous = -1
        run: list[int] = []
        for row in range(start, end):
            if status[row] not in (OK, JUMP, STUCK):
                continue
            if previous < 0 or abs(value[row] - value[previous]) <= limit * max(hours[row] - hours[previous], 1.0):
                previous, run = row, []
                continue
            if settled[row] and status[row] != JUMP:  # a stored reading accepted then stays accepted
                previous, run = row, []
                continue
            if not settled[row]:
                status[row] = JUMP
            if run and abs(value[row] - value[run[-1]]) > limit * max(hours[row] - hours[run[-1]], 1.0):
                run = []
            run.append(row)
            if len(run) >= _ACCEPT_NEW_LEVEL_AFTER:
                previous, run = row, []


def _mark_stuck(combined: pd.DataFrame, status: np.ndarray, settled: np.ndarray,
                limits: dict[str, MeasureSettings]) -> None:
    """Mark new readings that repeat exactly the same value, with the run lasting the measure's stuck time."""
    device_measure_start = _group_bounds(combined)[:-1]
    value = combined["value"].to_numpy(dtype=float)
    seconds = combined["reading_time"].to_numpy(dtype="datetime64[us]").astype(np.int64) / 1e6
    measure = combined["measure"].to_numpy(dtype=object)
    new_run = np.ones(len(combined), dtype=bool)
    new_run[1:] = value[1:] != value[:-1]
    new_run[device_measure_start] = True
    run_id = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    elapsed = seconds - seconds[run_start[run_id]]
    position_in_run = np.arange(len(combined)) - run_start[run_id]
    stuck_seconds = pd.Series(measure).map({
        name: limit.stuck_hours * 3600 if limit.stuck_hours > 0 else np.inf
        for name, limit in limits.items()}).to_numpy(dtype=float)
    # A reading at the top or bottom of its range is saturated (an overflowing bin reads 100 for hours), not stuck.
    lowest = pd.Series(measure).map({name: limit.lowest for name, limit in limits.items()}).to_numpy(dtype=float)
    highest = pd.Series(measure).map({name: limit.highest for name, limit in limits.items()}).to_numpy(dtype=float)
    at_limit = (value == lowest) | (value == highest)
    stuck = (~settled & (status == OK) & (position_in_run >= _STUCK_MIN_READINGS - 1)
             & (elapsed >= stuck_seconds) & ~at_limit)
    status[stuck] = STUCK


# --- device health ---------------------------------------------------------------------------------------------------

@dataclass
class DeviceHealth:
    """One device's health over a period: what to fix, in words, and the counts behind it."""

    device_id: str
    asset_name: str
    asset_type: str
    team: str | None
    last_seen: dt.datetime | None
    readings: int
    usual_interval_minutes: float | None
    gaps: int
    longest_gap_hours: float | None
    battery: float | None
    statuses: dict[str, int] = field(default_factory=dict)
    late: int = 0
    out_of_order: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def to_fix(self) -> bool:
        """Whether someone should look at the device."""
        return bool(self.problems)

    @property
    def usable_share(self) -> float | None:
        """The share of its readings in the period that were usable."""
        return self.statuses.get(OK, 0) / self.readings if self.readings else None


@dataclass
class HealthReport:
    """Every device's health as of a time, devices to fix first."""

    as_of: dt.datetime | None
    days: float
    devices: list[DeviceHealth]
    feeds: dict[str, dt.datetime | None] = field(default_factory=dict)  # each feed's newest reading

    @property
    def to_fix(self) -> list[DeviceHealth]:
        """Devices with at least one problem."""
        return [device for device in self.devices if device.to_fix]

    def status_totals(self) -> dict[str, int]:
        """Readings in the period by status, across devices."""
        totals = dict.fromkeys(STATUSES, 0)
        for device in self.devices:
            for name, count in device.statuses.items():
                totals[name] = totals.get(name, 0) + count
        return totals


def device_health(connection, settings: SensorsSettings, *, days: float = 7.0,  # type: ignore[no-untyped-def]
                  as_of: dt.datetime | None = None) -> HealthReport:
    """The health of every registered device over the ``days`` before ``as_of``. When ``as_of`` is unset each feed
    is judged as of its own newest reading, so a feed loaded from history is judged over its own last days, and a
    device silent while the rest of its feed reports stands out."""
    devices = connection.execute(
        "SELECT device_id, asset_name, asset_type, team, coalesce(feed, '') AS feed FROM sensors.devices "
        "ORDER BY device_id").df()
    newest = dict(connection.execute(
        "SELECT coalesce(d.feed, '') AS feed, max(r.reading_time) FROM sensors.readings AS r "
        "JOIN sensors.devices AS d USING (device_id) GROUP BY coalesce(d.feed, '')").fetchall())
    report: list[DeviceHealth] = []
    feeds: dict[str, dt.datetime | None] = {}
    for feed, group in devices.groupby("feed", sort=True):
        moment = as_of or newest.get(feed)
        feeds[feed or "devices posting their own readings"] = _as_datetime(moment)
        report.extend(_health_of(connection, settings, group, days, moment))
    report.sort(key=lambda item: (not item.to_fix, -len(item.problems), item.device_id))
    overall = as_of or (max(newest.values()) if newest else None)
    return HealthReport(as_of=_as_datetime(overall), days=days, devices=report, feeds=feeds)


def _health_of(connection, settings: SensorsSettings, devices: pd.DataFrame, days: float,  # type: ignore[no-untyped-def]
               as_of: dt.datetime | None) -> list[DeviceHealth]:
    """The health of some devices over the ``days`` before ``as_of``."""
    devices = devices.astype(object).where(devices.notna(), None)
    if as_of is None:
        return [DeviceHealth(row.device_id, row.asset_name or row.device_id, row.asset_type, row.team, None, 0, None,
                             0, None, None, problems=["Has never sent a reading."])
                for row in devices.itertuples(index=False)]
    ids = devices["device_id"].tolist()
    since = as_of - dt.timedelta(days=days)
    parameters = [since, as_of, ids]
    summary = connection.execute(
        """SELECT device_id, count(*) AS readings, max(reading_time) AS last_seen,
                  count(*) FILTER (WHERE late) AS late, count(*) FILTER (WHERE out_of_order) AS out_of_order
           FROM sensors.readings WHERE reading_time > ? AND reading_time <= ?
             AND device_id IN (SELECT unnest(?)) GROUP BY device_id""",
        parameters).df().set_index("device_id")
    statuses = connection.execute(
        """SELECT device_id, status, count(*) AS readings FROM sensors.readings
           WHERE reading_time > ? AND reading_time <= ? AND device_id IN (SELECT unnest(?))
           GROUP BY device_id, status""", parameters).df()
    # Gaps are measured on each device's times (any measure), against its own usual interval.
    gaps = connection.execute(
        """WITH times AS (
               SELECT DISTINCT device_id, reading_time FROM sensors.readings
               WHERE reading_time > ? AND reading_time <= ? AND device_id IN (SELECT unnest(?))),
           steps AS (
               SELECT device_id, epoch(reading_time - lag(reading_time) OVER (PARTITION BY device_id
                      ORDER BY reading_time)) AS seconds FROM times),
           usual AS (SELECT device_id, median(seconds) AS usual FROM steps WHERE seconds > 0 GROUP BY device_id)
           SELECT s.device_id, any_value(u.usual) AS usual,
                  count(*) FILTER (WHERE s.seconds > ? * u.usual) AS gaps, max(s.seconds) AS longest
           FROM steps AS s JOIN usual AS u USING (device_id) GROUP BY s.device_id""",
        [*parameters, settings.gap_factor]).df().set_index("device_id")
    battery = connection.execute(
        """SELECT device_id, arg_max(value, reading_time) AS battery FROM sensors.readings
           WHERE measure = ? AND reading_time <= ? AND status <> ? AND device_id IN (SELECT unnest(?))
           GROUP BY device_id""",
        [settings.battery_measure, as_of, OUT_OF_RANGE, ids]).df().set_index("device_id")
    latest_status = connection.execute(
        """SELECT device_id, measure, arg_max(status, reading_time) AS status, arg_max(value, reading_time) AS value,
                  max(reading_time) AS at
           FROM sensors.readings WHERE reading_time <= ? AND measure <> ? AND device_id IN (SELECT unnest(?))
           GROUP BY device_id, measure""",
        [as_of, settings.battery_measure, ids]).df()
    last_ever = connection.execute(
        "SELECT device_id, max(reading_time) AS last_seen FROM sensors.readings WHERE reading_time <= ? "
        "AND device_id IN (SELECT unnest(?)) GROUP BY device_id", [as_of, ids]).df().set_index(
        "device_id")["last_seen"]
    counts: dict[str, dict[str, int]] = {}
    for row in statuses.itertuples(index=False):
        counts.setdefault(row.device_id, {})[row.status] = int(row.readings)
    report: list[DeviceHealth] = []
    for row in devices.itertuples(index=False):
        device_id = row.device_id
        readings = int(summary["readings"].get(device_id, 0)) if device_id in summary.index else 0
        usual = float(gaps["usual"].get(device_id)) if device_id in gaps.index else None
        health = DeviceHealth(
            device_id=device_id, asset_name=row.asset_name or device_id, asset_type=row.asset_type, team=row.team,
            last_seen=_as_datetime(last_ever.get(device_id)), readings=readings,
            usual_interval_minutes=usual / 60 if usual else None,
            gaps=int(gaps["gaps"].get(device_id, 0)) if device_id in gaps.index else 0,
            longest_gap_hours=float(gaps["longest"].get(device_id)) / 3600 if device_id in gaps.index else None,
            battery=float(battery["battery"].get(device_id)) if device_id in battery.index else None,
            statuses=counts.get(device_id, {}),
            late=int(summary["late"].get(device_id, 0)) if device_id in summary.index else 0,
            out_of_order=int(summary["out_of_order"].get(device_id, 0)) if device_id in summary.index else 0,
        )
        health.problems = _problems(health, latest_status.loc[latest_status["device_id"] == device_id], as_of,
                                    settings)
        report.append(health)
    return report


def _as_datetime(value: object) -> dt.datetime | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    return pd.Timestamp(value).to_pydatetime()


def _duration(hours: float) -> str:
    """'3 hours', '2 days' in words."""
    if hours < 1:
        return f"{round(hours * 60)} minutes"
    if hours < 48:
        return f"{hours:.0f} hour{'s' if round(hours) != 1 else ''}"
    return f"{hours / 24:.0f} days"


def _problems(health: DeviceHealth, latest: pd.DataFrame, as_of: dt.datetime,
              settings: SensorsSettings) -> list[str]:
    """What to fix, in plain words, most urgent first."""
    problems = []
    if health.last_seen is None:
        return ["Has never sent a reading."]
    silent_hours = (pd.Timestamp(as_of) - pd.Timestamp(health.last_seen)).total_seconds() / 3600
    usual_hours = (health.usual_interval_minutes or 60) / 60
    if silent_hours > settings.gap_factor * usual_hours:
        usually = (f" (it usually reports every {_duration(usual_hours)})" if health.usual_interval_minutes
                   else "")
        problems.append(f"Not reporting: nothing for {_duration(silent_hours)}{usually}.")
    for row in latest.itertuples(index=False):
        if row.status == STUCK:
            problems.append(f"Stuck: its {row.measure} has read {row.value:g} without changing for a long time.")
        elif row.status == FLAT_BATTERY:
            problems.append("Battery flat: its latest readings are not trusted.")
    if health.battery is not None and health.battery <= settings.battery_low_pct and not any(
            "Battery flat" in problem for problem in problems):
        problems.append(f"Battery low ({health.battery:.0f}%): replace it soon.")
    bad = {name: count for name, count in health.statuses.items() if name not in (OK,)}
    jumps = bad.get(JUMP, 0)
    if jumps:
        problems.append(f"{jumps} impossible jump{'s' if jumps != 1 else ''} (readings that changed faster than the "
                        "measure can): check the sensor is fixed in place and working.")
    out_of_range = bad.get(OUT_OF_RANGE, 0)
    if out_of_range:
        problems.append(f"{out_of_range} reading{'s' if out_of_range != 1 else ''} out of range.")
    if health.gaps and health.longest_gap_hours:
        problems.append(f"{health.gaps} gap{'s' if health.gaps != 1 else ''} in its readings (the longest "
                        f"{_duration(health.longest_gap_hours)}).")
    return problems
