"""Bin fill forecasts from the sensor store: each bin's latest usable fill level, its learnt rate, the fill expected
at a time and when it reaches the collection threshold, with an interval.

Times here are the council's clock times (``[sensors] timezone``), because fill follows people's days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from townhall.errors import TownhallError
from townhall.sensors.forecast import FillForecast, FillModel, cycles_from_readings, fit_fill_model
from townhall.sensors.quality import OK
from townhall.sensors.store import reading
from townhall.workspace import Workspace

INTERVAL_HOURS = 24.0  # forecast intervals are judged on day-long stretches, the horizon of a collection plan


def to_local(times: pd.Series | np.ndarray, timezone: str) -> np.ndarray:
    """UTC times (no offset) as clock times in ``timezone`` (no offset)."""
    series = pd.Series(pd.to_datetime(np.asarray(times, dtype="datetime64[us]")))
    return series.dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None).to_numpy(
        dtype="datetime64[us]")


def to_utc(moment: dt.datetime, timezone: str) -> dt.datetime:
    """A clock time in ``timezone`` as UTC (no offset)."""
    return pd.Timestamp(moment).tz_localize(timezone, ambiguous=True, nonexistent="shift_forward").tz_convert(
        "UTC").tz_localize(None).to_pydatetime()


def bin_readings(workspace: Workspace, *, until: dt.datetime | None = None) -> pd.DataFrame:
    """Usable fill readings of every bin (bin_id, asset_name, latitude, longitude, time (clock), fill), up to
    ``until`` (a clock time) when given."""
    settings = workspace.settings.sensors
    with reading(workspace) as connection:
        if connection is None:
            raise TownhallError("No sensor readings are stored yet: load them with 'townhall sensors ingest'.")
        frame = connection.execute(
            """SELECT r.device_id AS bin_id, d.asset_name, d.latitude, d.longitude, r.reading_time, r.value AS fill
               FROM sensors.readings AS r JOIN sensors.devices AS d USING (device_id)
               WHERE d.asset_type = ? AND r.measure = ? AND r.status = ?
               ORDER BY r.device_id, r.reading_time""", [settings.bin_asset_type, settings.fill_measure, OK]).df()
    if frame.empty:
        raise TownhallError(f"No usable '{settings.fill_measure}' readings of '{settings.bin_asset_type}' sensors are "
                            "stored: check [sensors] bin_asset_type and fill_measure, and load the bins' feed.")
    frame["time"] = to_local(frame.pop("reading_time"), settings.timezone)
    if until is not None:
        frame = frame.loc[frame["time"] <= np.datetime64(until, "us")]
    return frame.reset_index(drop=True)


@dataclass
class BinForecasts:
    """Every bin's latest fill and forecast at one time, with the model behind them."""

    model: FillModel
    as_of: dt.datetime  # the newest reading used (clock time)
    at: dt.datetime  # the time the fill is forecast for
    threshold: float
    bins: pd.DataFrame  # bin_id, asset_name, latitude, longitude
    forecasts: list[FillForecast]

    def table(self) -> pd.DataFrame:
        """One row per bin: where it is, how full now, its rate, the fill expected, when it reaches the threshold."""
        rows = [{"bin_id": forecast.bin_id, "fill_now": forecast.fill_now, "measured_at": forecast.measured_at,
                 "rate_per_day": forecast.rate_per_day, "expected": forecast.expected, "low": forecast.low,
                 "high": forecast.high, "reaches_threshold": forecast.reaches_threshold,
                 "reaches_earliest": forecast.reaches_earliest, "reaches_latest": forecast.reaches_latest,
                 "cycles": forecast.cycles} for forecast in self.forecasts]
        return self.bins.merge(pd.DataFrame(rows), on="bin_id", how="right")


def bin_forecasts(workspace: Workspace, *, at: dt.datetime | None = None, as_of: dt.datetime | None = None,
                  threshold: float | None = None, readings: pd.DataFrame | None = None) -> BinForecasts:
    """Learn fill rates from the bins' readings up to ``as_of`` (the newest when unset) and forecast each bin's fill
    at ``at`` (a day after ``as_of`` when unset) and when it reaches ``threshold`` ([routes] collection threshold
    when unset). Clock times throughout."""
    frame = readings if readings is not None else bin_readings(workspace, until=as_of)
    if frame.empty:
        raise TownhallError("There are no bin readings before that time to forecast from.")
    newest = pd.Timestamp(frame["time"].max()).to_pydatetime()
    as_of = as_of or newest
    at = at or as_of + dt.timedelta(days=1)
    threshold = workspace.settings.routes.collection_threshold_pct if threshold is None else threshold
    cap = workspace.settings.sensors.measures.get(workspace.settings.sensors.fill_measure)
    top = cap.highest if cap is not None and cap.highest is not None else 100.0
    model = fit_fill_model(cycles_from_readings(frame, cap=top), cap=top, as_of=np.datetime64(as_of, "us"),
                           interval_cycles=cycles_from_readings(frame, cap=top, at_least_hours=INTERVAL_HOURS))
    latest = frame.groupby("bin_id", sort=True).tail(1)
    forecasts = [model.forecast(row.bin_id, float(row.fill), pd.Timestamp(row.time).to_pydatetime(), at,
                                threshold=threshold) for row in latest.itertuples(index=False)]
    bins = latest[["bin_id", "asset_name", "latitude", "longitude"]].reset_index(drop=True)
    return BinForecasts(model=model, as_of=as_of, at=at, threshold=threshold, bins=bins, forecasts=forecasts)
