"""Benchmark: forecast accuracy on classic public series at every frequency, against seasonal naive and Theta.

    python bench/forecast_accuracy.py                # all six series
    python bench/forecast_accuracy.py --only co2     # one of them

The series ship inside installed packages, so nothing is downloaded: daily electricity demand in Victoria, Australia
(statsmodels' MSTL test data, half-hourly figures added up by day through townhall's record counting), weekly
Mauna Loa CO2 (statsmodels, with its missing weeks filled by interpolation, as a user would choose), monthly air
passengers (statsforecast) and electrical equipment orders (statsmodels), quarterly US real GDP (statsmodels'
macrodata, read from "1959Q1" labels) and yearly sunspots (statsmodels). Each goes through townhall's own path:
periods read from the labels, the frequency and season found, every method backtested over three windows, and one
chosen. The table gives the chosen method's backtest MASE beside seasonal naive's (the yardstick) and Theta's, the
95% interval coverage, and the run time; then plain statsforecast's cross-validation of the same six methods on the
same windows, for the time a user of the library alone would spend.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from townhall.forecasting import HORIZONS, DemandSeries, forecast_series, series_from_frame


def _daily_electricity() -> list[DemandSeries]:
    import statsmodels

    path = Path(statsmodels.__file__).parent / "tsa" / "stl" / "tests" / "results" / "mstl_elec_vic.csv"
    frame = pd.read_csv(path)  # ds, y: half-hourly demand (MW) from January 2012
    frame["day"] = frame["ds"].str[:10]
    return series_from_frame(frame, date_column="day", value_column="y", layout="records", frequency_name="daily",
                             where="Victoria electricity demand", source="Victoria electricity (daily)")


def _weekly_co2() -> list[DemandSeries]:
    from statsmodels.datasets import co2

    data = co2.load_pandas().data
    frame = pd.DataFrame({"week": data.index.strftime("%Y-%m-%d"), "ppm": data["co2"].to_numpy()})
    return series_from_frame(frame, date_column="week", value_column="ppm", where="Mauna Loa CO2",
                             fill_gaps="interpolate", source="Mauna Loa CO2 (weekly)")


def _monthly_air_passengers() -> list[DemandSeries]:
    from statsforecast.utils import AirPassengersDF

    frame = pd.DataFrame({"month": AirPassengersDF["ds"].dt.strftime("%Y-%m"), "passengers": AirPassengersDF["y"]})
    return series_from_frame(frame, date_column="month", value_column="passengers", where="Air passengers",
                             source="Air passengers (monthly)")


def _monthly_electrical_equipment() -> list[DemandSeries]:
    from statsmodels.datasets import elec_equip

    data = elec_equip.load().data
    frame = pd.DataFrame({"month": data.index.strftime("%b %Y"), "orders": data.iloc[:, 0].to_numpy()})
    return series_from_frame(frame, date_column="month", value_column="orders", where="Electrical equipment",
                             source="Electrical equipment orders (monthly)")


def _quarterly_gdp() -> list[DemandSeries]:
    from statsmodels.datasets import macrodata

    data = macrodata.load_pandas().data
    frame = pd.DataFrame({"quarter": [f"{int(year)}Q{int(quarter)}" for year, quarter in
                                      zip(data["year"], data["quarter"], strict=True)], "gdp": data["realgdp"]})
    return series_from_frame(frame, date_column="quarter", value_column="gdp", where="US real GDP",
                             source="US real GDP (quarterly)")


def _yearly_sunspots() -> list[DemandSeries]:
    from statsmodels.datasets import sunspots

    data = sunspots.load_pandas().data
    frame = pd.DataFrame({"year": data["YEAR"].astype(int), "spots": data["SUNACTIVITY"]})
    return series_from_frame(frame, date_column="year", value_column="spots", where="Sunspots",
                             source="Sunspots (yearly)")


SERIES: dict[str, Callable[[], list[DemandSeries]]] = {
    "electricity": _daily_electricity, "co2": _weekly_co2, "air": _monthly_air_passengers,
    "equipment": _monthly_electrical_equipment, "gdp": _quarterly_gdp, "sunspots": _yearly_sunspots,
}


def _plain_statsforecast(series: DemandSeries, horizon: int, windows: int) -> float:
    """Seconds plain statsforecast takes to cross-validate the same methods on the same windows."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoCES, AutoETS, AutoTheta, SeasonalNaive

    from townhall.forecasting.models import ARIMA_SEARCH, LONGEST_ARIMA_SEASON

    season = series.frequency.season_length
    models = [SeasonalNaive(season_length=season), AutoTheta(season_length=season), AutoETS(season_length=season),
              AutoCES(season_length=season),
              AutoARIMA(season_length=season if season <= LONGEST_ARIMA_SEASON else 1, **ARIMA_SEARCH)]
    frame = pd.DataFrame({"unique_id": "s", "ds": np.arange(series.length), "y": series.history["value"]})
    started = time.perf_counter()
    try:
        StatsForecast(models=models, freq=1).cross_validation(df=frame, h=horizon, n_windows=windows,
                                                              step_size=horizon, level=[80, 95])
    except Exception as error:  # statsforecast's own failure (CES on its float32 data, for one) is reported
        print(f"  plain statsforecast failed on {series.source}: {type(error).__name__}; without CES:")
        started = time.perf_counter()
        StatsForecast(models=[model for model in models if not isinstance(model, AutoCES)], freq=1) \
            .cross_validation(df=frame, h=horizon, n_windows=windows, step_size=horizon, level=[80, 95])
    return time.perf_counter() - started


def main() -> None:
    """Forecast each series, print the table, then time plain statsforecast on the same work."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(SERIES), help="one series")
    parser.add_argument("--no-plain", action="store_true", help="skip timing plain statsforecast")
    arguments = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    forecast_series(_monthly_air_passengers()[0], backtest=False)  # compiles the methods once (cached on disk)
    header = (f"{'series':<40} {'frequency':<10} {'periods':>7} {'chosen':<14} {'MASE':>6} {'seasonal naive':>15} "
              f"{'Theta':>6} {'95% covered':>12} {'seconds':>8}")
    print(header)
    print("-" * len(header))
    rows = []
    for name, load in SERIES.items():
        if arguments.only and name != arguments.only:
            continue
        (series,) = load()
        started = time.perf_counter()
        result = forecast_series(series)
        seconds = time.perf_counter() - started
        accuracy = {entry.model: entry for entry in result.accuracy}
        chosen = accuracy.get(result.chosen_model)
        baseline = accuracy.get(result.baseline)
        theta = accuracy.get("AutoTheta")
        print(f"{series.source:<40} {series.frequency.name:<10} {series.length:>7} {result.chosen_model:<14} "
              f"{chosen.mase if chosen else float('nan'):>6.2f} {baseline.mase if baseline else float('nan'):>15.2f} "
              f"{theta.mase if theta else float('nan'):>6.2f} "
              f"{chosen.coverage_95 if chosen else float('nan'):>12.0%} {seconds:>8.1f}", flush=True)
        rows.append((series, result, seconds))
    for series, result, _seconds in rows:
        for note in series.notes[1:]:
            print(f"  {series.source}: {note}")
        for model, why in result.left_out.items():
            print(f"  {series.source}: {model} left out: {why}")
    if not arguments.no_plain:
        print("\nplain statsforecast cross_validation, same five methods and windows (no choice, no ensemble):")
        for series, result, seconds in rows:
            plain = _plain_statsforecast(series, HORIZONS[series.frequency.name][1], max(len(result.cutoffs), 1))
            print(f"  {series.source:<40} {plain:>6.1f} s (townhall: {seconds:.1f} s, with the final forecasts)",
                  flush=True)


if __name__ == "__main__":
    main()
